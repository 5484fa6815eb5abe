package classify

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Classifier routes failures by an ordered rule list. It is immutable
// after New and safe for concurrent use.
type Classifier struct {
	rules     []*rule
	terminal  []*cond
	classIDs  map[string]int32
	lits      *litSet
	pkgs      packages
	own       ownership
	unknown   fleet.Route
	escCount  int
	escWindow time.Duration
	byID      map[string]*rule
}

// rule is a compiled rule: the first whose conditions hold decides, except
// that a veto rule only replaces a later decision whose route it vetoes.
type rule struct {
	id       string
	when     *cond
	route    fleet.Route
	category string
	reason   string
	hint     string
	vetoes   []fleet.Route
	// escalatedHint is the hint of the page a monitor cause escalates to.
	escalatedHint string
	// health: the rule routes unhealthy jobs (SourceHealth), not failures.
	health bool
	// escalateAfter: a health rule's monitor outage pages after this long.
	escalateAfter time.Duration
	// echo: what the rule recognises follows from another failure.
	echo bool
}

// Option configures New.
type Option func(*options)

type options struct {
	log      *slog.Logger
	readFile func(string) ([]byte, error)
}

// WithLogger sets the logger; by default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithReadFile replaces os.ReadFile for cfg.RulesFiles.
func WithReadFile(fn func(string) ([]byte, error)) Option {
	return func(o *options) { o.readFile = fn }
}

// New builds a classifier from the classify section of the config: the
// embedded default rules, merged with cfg.RulesFiles (see mergeRules for
// how), and the ownership lists. Zero escalation values and an empty
// unknownRoute take the config package's defaults.
func New(cfg config.Classify, opts ...Option) (*Classifier, error) {
	o := options{log: slog.New(slog.DiscardHandler), readFile: os.ReadFile}
	for _, opt := range opts {
		opt(&o)
	}
	c := &Classifier{
		pkgs:      newPackages(cfg.PlatformPackages, cfg.TenantPackages),
		own:       newOwnership(cfg.PlatformStorage, cfg.PlatformImageRegistries, cfg.PlatformConnectors),
		unknown:   fleet.Route(cmpOr(cfg.UnknownRoute, config.DefaultUnknownRoute)),
		escCount:  cmpOr(cfg.Escalation.Count, config.DefaultEscalationCount),
		escWindow: cmpOr(cfg.Escalation.Window.D(), config.DefaultEscalationWindow),
	}
	if !validRoute(c.unknown) {
		return nil, fmt.Errorf("classify.unknownRoute %q: want page, monitor or notify", c.unknown)
	}
	defaults, err := parseRuleFile("default_rules.yaml", defaultRules)
	if err != nil {
		return nil, fmt.Errorf("load default rules: %w", err)
	}
	user, terminal, err := loadRulesFiles(cfg.RulesFiles, o.readFile)
	if err != nil {
		return nil, err
	}
	terminal = append(defaults.Terminal, terminal...)
	specs, err := mergeRules(defaults.Rules, user)
	if err != nil {
		return nil, err
	}
	if err := c.compile(specs, terminal); err != nil {
		return nil, err
	}
	o.log.Debug("classifier rules loaded", "rules", len(c.rules), "rules_files", len(cfg.RulesFiles))
	return c, nil
}

// loadRulesFiles reads and strictly parses the user's rules files.
func loadRulesFiles(paths []string, readFile func(string) ([]byte, error)) (rules [][]ruleSpec, terminal []condSpec, err error) {
	for _, path := range paths {
		data, err := readFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("read rules file: %w", err)
		}
		f, err := parseRuleFile(path, data)
		if err != nil {
			return nil, nil, err
		}
		rules = append(rules, f.Rules)
		terminal = append(terminal, f.Terminal...)
	}
	return rules, terminal, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func validRoute(r fleet.Route) bool {
	return r == fleet.Page || r == fleet.Monitor || r == fleet.Notify
}

var (
	ruleIDRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,99}$`)
	categoryRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

func (c *Classifier) compile(specs []ruleSpec, terminal []condSpec) error {
	cc := &compiler{classes: map[string]int32{}}
	var errs []error
	seen := map[string]string{}
	for i := range specs {
		s := &specs[i]
		r, err := compileRule(s, cc)
		if err == nil && seen[s.ID] != "" {
			err = fmt.Errorf("duplicate id, first at %s", seen[s.ID])
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: rule %q: %w", s.where(), s.ID, err))
			continue
		}
		seen[s.ID] = s.where()
		c.rules = append(c.rules, r)
	}
	c.byID = make(map[string]*rule, len(c.rules))
	for _, r := range c.rules {
		c.byID[r.id] = r
	}
	for i := range terminal {
		t, err := compileCond(&terminal[i], cc, 0)
		if err != nil {
			errs = append(errs, fmt.Errorf("terminal[%d]: %w", i, err))
			continue
		}
		c.terminal = append(c.terminal, t)
	}
	c.classIDs, c.lits = cc.classes, cc.literals()
	return errors.Join(errs...)
}

func compileRule(s *ruleSpec, cc *compiler) (*rule, error) {
	var errs []error
	if !ruleIDRE.MatchString(s.ID) {
		errs = append(errs, errors.New("id: want lower-case letters, digits, '-', '_' or '.'"))
	}
	if !validRoute(fleet.Route(s.Route)) {
		errs = append(errs, fmt.Errorf("route %q: want page, monitor or notify", s.Route))
	}
	if !categoryRE.MatchString(s.Category) {
		errs = append(errs, fmt.Errorf("category %q: want a snake_case id", s.Category))
	}
	for _, fv := range [][2]string{{"reason", s.Reason}, {"hint", s.Hint}, {"escalatedHint", s.EscalatedHint}} {
		v := fv[1]
		if v == "" && fv[0] == "escalatedHint" {
			continue
		}
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "\n\r") || len(v) > 500 {
			errs = append(errs, fmt.Errorf("%s: want one line of text (at most 500 bytes)", fv[0]))
		}
	}
	r := &rule{id: s.ID, route: fleet.Route(s.Route), category: s.Category, reason: s.Reason, hint: s.Hint,
		escalatedHint: s.EscalatedHint, escalateAfter: s.EscalateAfter.D(), echo: s.Echo}
	for _, v := range s.Vetoes {
		if !validRoute(fleet.Route(v)) {
			errs = append(errs, fmt.Errorf("vetoes %q: want page, monitor or notify", v))
		}
		r.vetoes = append(r.vetoes, fleet.Route(v))
	}
	when, err := compileCond(&s.When, cc, 0)
	if err != nil {
		errs = append(errs, fmt.Errorf("when: %w", err))
	}
	r.when = when
	if when != nil {
		errs = append(errs, r.checkHealth()...)
	}
	return r, errors.Join(errs...)
}

// checkHealth sets r.health and checks what only health rules may, or
// must, say.
func (r *rule) checkHealth() []error {
	r.health = r.when.health()
	var errs []error
	switch {
	case r.health && r.category != fleet.CategoryUnhealthy:
		errs = append(errs, fmt.Errorf("category %q: a health rule's category is %s (a job has one health incident, whatever its reasons)", r.category, fleet.CategoryUnhealthy))
	case !r.health && r.escalateAfter > 0:
		errs = append(errs, errors.New("escalateAfter: only health rules (source: health, reason, state) escalate by duration"))
	case r.escalateAfter > 0 && r.route != fleet.Monitor:
		errs = append(errs, fmt.Errorf("escalateAfter: only a monitor route escalates, this rule routes %s", r.route))
	case r.escalateAfter < 0:
		errs = append(errs, errors.New("escalateAfter: want a positive duration"))
	}
	return errs
}

func (c *Classifier) classID(name string) int32 {
	if id, ok := c.classIDs[name]; ok {
		return id
	}
	return -1
}

// Rules returns the ids of the rules in evaluation order.
func (c *Classifier) Rules() []string {
	ids := make([]string, len(c.rules))
	for i, r := range c.rules {
		ids[i] = r.id
	}
	return ids
}

// Escalation returns the repeat count and window after defaults.
func (c *Classifier) Escalation() (count int, window time.Duration) {
	return c.escCount, c.escWindow
}
