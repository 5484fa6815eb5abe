package classify

import (
	"errors"
	"fmt"
	"github.com/flinkslo/flinkslo/fleet"
	"strings"
)

// cond is a compiled `when` block: every condition given must hold.
type cond struct {
	sources    uint8 // bit per Source
	classes    classSet
	message    *pattern
	root       classSet
	rootMsg    *pattern
	frame      owner
	caller     owner
	stack      []string
	mentions   owner
	storage    owner
	image      owner
	connector  owner
	labels     [][2]string // lower-cased key and value
	k8sReasons []string
	k8sMessage *pattern
	exitCodes  []int
	reasons    []fleet.Reason   // health: any of them holds
	states     []fleet.JobState // health: the job is in one of them
	any        []*cond
	not        *cond
}

// classSet is a bit set over the class names the rules mention, interned
// by the compiler; nil means no class condition.
type classSet []uint64

func (s classSet) has(id int32) bool {
	return id >= 0 && int(id/64) < len(s) && s[id/64]&(1<<(id%64)) != 0
}

// compiler holds what compiling rules collects: the class names rules
// mention, numbered so a failure's classes are looked up once and rules
// test bits, and every pattern, whose literals go into one litSet.
type compiler struct {
	classes  map[string]int32
	patterns []*pattern
}

func (cc *compiler) pattern(src string) (*pattern, error) {
	if src == "" {
		return nil, nil
	}
	p, err := compilePattern(src)
	if err == nil {
		cc.patterns = append(cc.patterns, p)
	}
	return p, err
}

// literals builds the automaton over all patterns' literals, cut to
// maxLiteral bytes, and points each pattern at its ids.
func (cc *compiler) literals() *litSet {
	var all []string
	for _, p := range cc.patterns {
		for _, clause := range p.clauses {
			for _, l := range clause {
				all = append(all, cut(l))
			}
		}
	}
	ls := newLitSet(all)
	for _, p := range cc.patterns {
		p.ids = resolveIDs(p.clauses, ls)
	}
	return ls
}

// resolveIDs maps clauses to literal ids; nil when the automaton was full
// and lacks one, so the pattern runs without a prefilter.
func resolveIDs(clauses [][]string, ls *litSet) [][]int32 {
	if clauses == nil {
		return nil
	}
	ids := make([][]int32, len(clauses))
	for i, clause := range clauses {
		for _, l := range clause {
			id, ok := ls.ids[cut(l)]
			if !ok {
				return nil
			}
			ids[i] = append(ids[i], id)
		}
	}
	return ids
}

func cut(lit string) string { return lit[:min(len(lit), maxLiteral)] }

func (cc *compiler) set(names []string) (classSet, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var ids []int32
	for _, n := range names {
		n = strings.TrimSpace(n)
		if !validClassName(n) && !simpleClassName(n) {
			return nil, fmt.Errorf("class %q is not a Java class name", n)
		}
		id, ok := cc.classes[n]
		if !ok {
			id = int32(len(cc.classes))
			cc.classes[n] = id
		}
		ids = append(ids, id)
	}
	var s classSet
	for _, id := range ids {
		for int(id/64) >= len(s) {
			s = append(s, 0)
		}
		s[id/64] |= 1 << (id % 64)
	}
	return s, nil
}

func simpleClassName(n string) bool {
	return n != "" && !strings.ContainsAny(n, ". \t") && validClassName("x."+n)
}

var sourceBits = map[fleet.Source]uint8{fleet.SourceFlinkREST: 1, fleet.SourceCheckpoint: 2, fleet.SourceOperator: 4, fleet.SourceK8s: 8, fleet.SourceHealth: 16}

// compileCond validates and compiles a condition block.
func compileCond(s *condSpec, cc *compiler, depth int) (*cond, error) {
	if depth > maxCondDepth {
		return nil, fmt.Errorf("any/not nested deeper than %d", maxCondDepth)
	}
	for _, list := range []strList{s.Source, s.Class, s.Root, s.Frame, s.Caller, s.Stack, s.Mentions, s.Storage, s.Image, s.Connector, s.K8sReason, s.Reason, s.State} {
		if len(list) > maxListLen {
			return nil, fmt.Errorf("a list longer than %d entries", maxListLen)
		}
	}
	c := &cond{stack: trimAll(s.Stack), exitCodes: s.ExitCode}
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	c.compileText(s, cc, add)
	c.compileOwners(s, add)
	add("exitCode", checkExitCodes(s.ExitCode))
	for k, v := range s.Labels {
		c.labels = append(c.labels, [2]string{strings.ToLower(k), strings.ToLower(v)})
	}
	for _, r := range s.K8sReason {
		c.k8sReasons = append(c.k8sReasons, strings.TrimSpace(r))
	}
	c.compileHealth(s, add)
	for i := range s.Any {
		sub, err := compileCond(&s.Any[i], cc, depth+1)
		add(fmt.Sprintf("any[%d]", i), err)
		c.any = append(c.any, sub)
	}
	if s.Not != nil {
		var err error
		c.not, err = compileCond(s.Not, cc, depth+1)
		add("not", err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, errors.New("no condition: a rule that matches everything belongs in unknownRoute")
	}
	return c, nil
}

// compileText compiles the conditions on sources, classes and messages.
func (c *cond) compileText(s *condSpec, cc *compiler, add func(string, error)) {
	for _, src := range s.Source {
		bit, ok := sourceBits[fleet.Source(src)]
		if !ok {
			add("source", fmt.Errorf("%q: want flink_rest, checkpoint, operator, k8s or health", src))
		}
		c.sources |= bit
	}
	var err error
	c.classes, err = cc.set(s.Class)
	add("class", err)
	c.root, err = cc.set(s.Root)
	add("root", err)
	c.message, err = cc.pattern(s.Message)
	add("message", err)
	c.rootMsg, err = cc.pattern(s.RootMessage)
	add("rootMessage", err)
	c.k8sMessage, err = cc.pattern(s.K8sMessage)
	add("k8sMessage", err)
}

// compileOwners compiles the conditions on who owns code and resources.
func (c *cond) compileOwners(s *condSpec, add func(string, error)) {
	code := ownerTenant | ownerPlatform | ownerQuery
	resource := ownerTenant | ownerPlatform
	for _, o := range []struct {
		field   string
		names   strList
		allowed owner
		dst     *owner
	}{
		{"frame", s.Frame, code, &c.frame},
		{"caller", s.Caller, code, &c.caller},
		{"mentions", s.Mentions, resource, &c.mentions},
		{"storage", s.Storage, resource, &c.storage},
		{"image", s.Image, resource, &c.image},
		{"connector", s.Connector, resource, &c.connector},
	} {
		var err error
		*o.dst, err = owners(o.names, o.allowed)
		add(o.field, err)
	}
}

func (c *cond) empty() bool {
	return c.sources == 0 && c.classes == nil && c.message == nil && c.root == nil && c.rootMsg == nil &&
		c.frame == 0 && c.caller == 0 && len(c.stack) == 0 && c.mentions == 0 && c.storage == 0 &&
		c.image == 0 && c.connector == 0 && len(c.labels) == 0 && len(c.k8sReasons) == 0 &&
		c.k8sMessage == nil && len(c.exitCodes) == 0 && len(c.reasons) == 0 && len(c.states) == 0 &&
		len(c.any) == 0 && c.not == nil
}

// compileHealth compiles the conditions on a job's health: its unhealthy
// reasons and its state. Only the known values are accepted, so that a
// typo cannot leave a rule that never matches.
func (c *cond) compileHealth(s *condSpec, add func(string, error)) {
	for _, r := range s.Reason {
		r := fleet.Reason(strings.TrimSpace(r))
		if !r.Known() {
			add("reason", fmt.Errorf("%q: want one of %s", r, joinReasons(fleet.Reasons)))
			continue
		}
		c.reasons = append(c.reasons, r)
	}
	for _, st := range s.State {
		st := fleet.JobState(strings.ToUpper(strings.TrimSpace(st)))
		if !st.Known() {
			add("state", fmt.Errorf("%q is not a Flink job state", st))
			continue
		}
		c.states = append(c.states, st)
	}
}

// health reports whether c (or a block inside it) conditions on health,
// which makes its rule a health rule.
func (c *cond) health() bool {
	if c.sources&sourceBits[fleet.SourceHealth] != 0 || len(c.reasons) > 0 || len(c.states) > 0 {
		return true
	}
	for _, sub := range c.any {
		if sub.health() {
			return true
		}
	}
	return c.not != nil && c.not.health()
}

func joinReasons(rs []fleet.Reason) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, ", ")
}

func owners(names []string, allowed owner) (owner, error) {
	var o owner
	for _, n := range names {
		var v owner
		switch strings.TrimSpace(n) {
		case "platform":
			v = ownerPlatform
		case "tenant", "user":
			v = ownerTenant
		case "query":
			v = ownerQuery
		}
		if v == 0 || v&allowed == 0 {
			return 0, fmt.Errorf("%q: want %s", n, ownerNames(allowed))
		}
		o |= v
	}
	return o, nil
}

func ownerNames(o owner) string {
	var names []string
	for _, v := range []owner{ownerTenant, ownerPlatform, ownerQuery} {
		if o&v != 0 {
			names = append(names, v.String())
		}
	}
	return strings.Join(names, " or ")
}

func checkExitCodes(codes []int) error {
	for _, c := range codes {
		if c < 0 || c > 255 {
			return fmt.Errorf("%d is not a container exit code (0-255)", c)
		}
	}
	return nil
}

func trimAll(l []string) []string {
	var out []string
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
