package classify

import (
	"github.com/flinkslo/flinkslo/fleet"
	"strings"
)

// facts is what one classification knows about its failure. The chain is
// parsed once; everything derived from it that some rules need (lower-cased
// text, frame owners, resources named) is computed on first use.
type facts struct {
	c      *Classifier
	in     *fleet.Evidence
	srcBit uint8
	links  []link
	trunc  bool

	done                             uint16 // bit per lazily computed fact
	thrower, callers                 owner
	frameLink                        int      // link whose frames gave thrower and callers, -1 if none
	relied                           reliance // what the conditions that held used of frame ownership
	mentions, storage, image, connec owner
	k8sLits                          textLits
	union                            textLits // OR of every link's literals
	budget                           int      // regexp input left, bytes
}

// link is one exception of the cause chain, outermost first.
type link struct {
	t      *Throwable
	simple string
	fqID   int32
	simID  int32
	lits   textLits
}

const (
	doneFrames uint16 = 1 << iota
	doneMentions
	doneStorage
	doneImage
	doneConnector
)

// maxExpansions bounds the causes recovered from messages.
const maxExpansions = 4

func (c *Classifier) newFacts(in *fleet.Evidence) *facts {
	f := &facts{c: c, in: in, srcBit: sourceBits[sourceOf(in)], budget: maxRegexpBytes, frameLink: -1}
	if in.CheckpointFailure != "" && strings.Contains(in.Stacktrace, "tolerable failure threshold") {
		// The tolerable-failures exception carries no cause: the failed
		// checkpoint's own message tells storage denied from throttling.
		in.Stacktrace += "\nCaused by: " + in.CheckpointFailure
	}
	in.K8sMessage = boundText(in.K8sMessage)
	in.OperatorError = boundText(in.OperatorError)
	var chain []*Throwable
	if in.Stacktrace != "" {
		t := ParseTrace(in.Stacktrace)
		chain, f.trunc = t.Chain, t.Truncated
	}
	if len(chain) == 0 && in.ExceptionName != "" {
		chain = []*Throwable{{Class: in.ExceptionName}}
	}
	if in.OperatorError != "" {
		opChain, reason := parseOperatorError(in.OperatorError)
		chain = append(chain, opChain...)
		if in.K8sReason == "" {
			in.K8sReason = reason
		}
	}
	if in.K8sMessage != "" && hasJavaHeader(in.K8sMessage) {
		chain = append(chain, ParseTrace(in.K8sMessage).Chain...)
	}
	chain = expandEmbedded(chain)
	f.links = make([]link, len(chain))
	// One allocation for every text's literal bits.
	w := c.lits.words()
	bits := make([]uint64, w*(len(chain)+2))
	f.k8sLits.bits = bits[:w:w]
	f.union.bits = bits[w*(len(chain)+1):]
	for i, t := range chain {
		l := &f.links[i]
		l.t = t
		l.lits.bits = bits[w*(i+1) : w*(i+2) : w*(i+2)]
		l.simple = t.Class[strings.LastIndexByte(t.Class, '.')+1:]
		l.fqID, l.simID = c.classID(t.Class), c.classID(l.simple)
	}
	return f
}

// boundText cuts the texts that are not parsed as traces to the same bound.
func boundText(s string) string {
	if len(s) > MaxTraceBytes {
		return s[:MaxTraceBytes]
	}
	return s
}

// sourceOf is the input's source, inferred when not given.
func sourceOf(in *fleet.Evidence) fleet.Source {
	switch {
	case in.Source != "":
		return in.Source
	case in.Stacktrace == "" && in.ExceptionName == "" && in.OperatorError != "":
		return fleet.SourceOperator
	case in.Stacktrace == "" && in.ExceptionName == "" && in.OperatorError == "":
		return fleet.SourceK8s
	}
	return fleet.SourceFlinkREST
}

// expandEmbedded recovers exceptions that only survive as text: a
// SerializedThrowable or class-less link whose message starts with
// "pkg.SomeException: …", and a root cause whose message embeds a further
// cause (ExecutionException style, or the operator's "CrashLoop - …").
func expandEmbedded(chain []*Throwable) []*Throwable {
	for _, t := range chain {
		if t.Class == "" || t.Class == "org.apache.flink.util.SerializedThrowable" {
			if class, msg := splitHeader(t.Message); class != "" && exceptionLike(class) {
				t.Class, t.Message = class, msg
			}
		}
	}
	for n := 0; n < maxExpansions && len(chain) > 0 && len(chain) < maxThrowables; n++ {
		root := chain[len(chain)-1]
		msg := root.Message
		if _, after, ok := strings.Cut(msg, "CrashLoop - "); ok {
			msg = after
		}
		class, rest := splitHeader(firstLine(msg))
		if class == "" || !exceptionLike(class) || class == root.Class && rest == root.Message {
			return chain
		}
		chain = append(chain, ParseTrace(msg).Chain...)
	}
	return chain
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// hasJavaHeader reports whether text carries a Java exception line, as a
// container termination message with a stack trace does.
func hasJavaHeader(text string) bool {
	for rest := text; rest != ""; {
		line := firstLine(rest)
		rest = rest[len(line):]
		rest = strings.TrimPrefix(rest, "\n")
		if _, after, ok := strings.Cut(line, "CrashLoop - "); ok {
			line = after
		}
		if class, _ := splitHeader(strings.TrimSpace(line)); class != "" && exceptionLike(class) {
			return true
		}
	}
	return false
}

func (f *facts) root() *link {
	if len(f.links) == 0 {
		return nil
	}
	return &f.links[len(f.links)-1]
}

func (f *facts) linkLits(l *link) *textLits { return l.lits.get(f.c.lits, l.t.Message) }

// unionLits holds the literals found in any message of the chain: a
// message pattern none of whose literals occur anywhere is rejected with
// one test instead of one per exception.
func (f *facts) unionLits() *textLits {
	u := &f.union
	if !u.done {
		u.done, u.safe = true, true
		for i := range f.links {
			tl := f.linkLits(&f.links[i])
			u.safe = u.safe && tl.safe
			for j, w := range tl.bits {
				u.bits[j] |= w
			}
		}
	}
	return u
}

// frames computes the throwing frame's owner and the callers' owners from
// the root cause, or the nearest enclosing exception that has frames.
func (f *facts) frames() {
	if f.done&doneFrames != 0 {
		return
	}
	f.done |= doneFrames
	for i := len(f.links) - 1; i >= 0; i-- {
		if fr := f.links[i].t.Frames; len(fr) > 0 {
			f.thrower, f.callers = f.c.pkgs.frameOwners(fr)
			f.frameLink = i
			return
		}
	}
}

func (f *facts) stackHas(prefixes []string) bool {
	for i := range f.links {
		for _, fr := range f.links[i].t.Frames {
			class := fr.Class()
			for _, p := range prefixes {
				if strings.HasPrefix(class, p) {
					return true
				}
			}
		}
	}
	return false
}

// scan ORs what fn finds in every message and the Kubernetes message.
func (f *facts) scan(bit uint16, dst *owner, fn func(string) owner) owner {
	if f.done&bit == 0 {
		f.done |= bit
		for i := range f.links {
			*dst |= fn(f.links[i].t.Message)
		}
		*dst |= fn(f.in.K8sMessage)
	}
	return *dst
}

func (f *facts) mentionsOwners() owner {
	return f.scan(doneMentions, &f.mentions, f.c.pkgs.mentionedClasses)
}

func (f *facts) storageOwners() owner {
	return f.scan(doneStorage, &f.storage, f.c.own.storageOwners)
}

func (f *facts) imageOwners() owner { return f.scan(doneImage, &f.image, f.c.own.imageOwners) }

func (f *facts) connectorOwners() owner {
	return f.scan(doneConnector, &f.connec, f.c.own.connectorOwners)
}

func (f *facts) k8sMessageLits() *textLits { return f.k8sLits.get(f.c.lits, f.in.K8sMessage) }

func (f *facts) hasLabels(want [][2]string) bool {
	for _, kv := range want {
		found := false
		for k, v := range f.in.FailureLabels {
			if strings.EqualFold(k, kv[0]) && strings.EqualFold(v, kv[1]) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
