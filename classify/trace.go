package classify

import (
	"strconv"
	"strings"
)

// Bounds on what the parser keeps, so hostile or runaway input (a restart
// loop that nests the same cause a thousand times, a 1 MB message) costs
// bounded time and memory.
const (
	// MaxTraceBytes is how much of a stack trace is parsed; the rest is
	// ignored and Trace.Truncated is set.
	MaxTraceBytes = 1 << 20
	// maxThrowables bounds the exceptions kept: chain, suppressed and their causes.
	maxThrowables = 64
	// maxFrames bounds the frames kept per exception.
	maxFrames = 256
	// maxMessage bounds one exception's message.
	maxMessage = 64 << 10
)

// Throwable is one exception of a parsed Java stack trace.
type Throwable struct {
	// Class is the fully qualified class name; empty when the text had
	// none (a bare message such as a checkpoint's failure_message).
	Class   string
	Message string
	Frames  []Frame
	// Omitted is the N of "... N more": frames shared with the enclosing
	// exception and not repeated.
	Omitted    int
	Cause      *Throwable
	Suppressed []*Throwable

	indent     int
	firstFrame int // index into the parser's frame buffer
	frameCount int
}

// Trace is a parsed stack trace.
type Trace struct {
	// Chain is the cause chain, outermost first: Chain[len-1] is the root cause.
	Chain []*Throwable
	// Truncated is set when a bound was hit and part of the input was dropped.
	Truncated bool
}

// Root returns the root cause, or nil for an empty trace.
func (t Trace) Root() *Throwable {
	if len(t.Chain) == 0 {
		return nil
	}
	return t.Chain[len(t.Chain)-1]
}

// ParseTrace parses the text of Throwable.printStackTrace: the header line
// "class: message" (the message may span lines), "at" frames, "... N more",
// "Caused by:" and indented "Suppressed:" blocks with their own causes. Text
// that is not a stack trace becomes one Throwable with an empty Class and the
// text as its message. It never fails; it does no regexp work, so it is cheap
// enough to run on every failure.
func ParseTrace(s string) Trace {
	p := parser{all: make([]*Throwable, 0, 8)}
	if len(s) > MaxTraceBytes {
		s, p.truncated = s[:MaxTraceBytes], true
	}
	p.frames = make([]Frame, 0, min(strings.Count(s, "\n")+1, maxThrowables*maxFrames))
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		p.line(strings.TrimSuffix(line, "\r"))
	}
	return p.finish()
}

type parser struct {
	slab      []Throwable  // throwables are carved from here, a few allocations per trace
	all       []*Throwable // in order of appearance
	top       *Throwable
	cur       *Throwable
	frames    []Frame
	msgOpen   bool // the current exception's message may continue
	truncated bool
}

func (p *parser) line(raw string) {
	indent := 0
	for indent < len(raw) && (raw[indent] == ' ' || raw[indent] == '\t') {
		indent++
	}
	trimmed := raw[indent:]
	switch {
	case p.top == nil:
		if trimmed != "" {
			p.start(nil, trimmed, 0, false)
		}
	case strings.HasPrefix(trimmed, "at ") && p.frame(trimmed[3:]):
	case strings.HasPrefix(trimmed, "Caused by: "):
		p.start(p.causeParent(indent), trimmed[len("Caused by: "):], indent, false)
	case strings.HasPrefix(trimmed, "Suppressed: "):
		p.start(p.suppressedParent(indent), trimmed[len("Suppressed: "):], indent, true)
	case len(trimmed) > 9 && strings.HasPrefix(trimmed, "... ") && strings.HasSuffix(trimmed, " more"):
		if n, err := strconv.Atoi(trimmed[4 : len(trimmed)-5]); err == nil && n >= 0 {
			p.cur.Omitted = n
			p.msgOpen = false
			return
		}
		p.text(raw, trimmed, indent)
	default:
		p.text(raw, trimmed, indent)
	}
}

// text handles a line that is neither a frame nor a header: a continuation
// of a multi-line message, or the real start of a trace after a preamble
// (log lines before the exception).
func (p *parser) text(raw, trimmed string, indent int) {
	if p.top.Class == "" && p.top.Cause == nil && p.top.frameCount == 0 && indent == 0 {
		if class, _ := splitHeader(trimmed); class != "" && exceptionLike(class) {
			p.all, p.top, p.cur = p.all[:0], nil, nil
			p.start(nil, trimmed, 0, false)
			return
		}
	}
	if p.msgOpen && len(p.cur.Message) < maxMessage {
		p.cur.Message = boundMessage(p.cur.Message + "\n" + raw)
	}
}

// causeParent is the exception a "Caused by:" at this indent belongs to:
// the latest one whose header had the same indent (the main chain at 0,
// a suppressed exception's own chain deeper).
func (p *parser) causeParent(indent int) *Throwable {
	for i := len(p.all) - 1; i >= 0; i-- {
		if p.all[i].indent <= indent {
			return p.all[i]
		}
	}
	return p.top
}

// suppressedParent is the exception a "Suppressed:" at this indent belongs
// to: the latest one whose header is less indented.
func (p *parser) suppressedParent(indent int) *Throwable {
	for i := len(p.all) - 1; i >= 0; i-- {
		if p.all[i].indent < indent {
			return p.all[i]
		}
	}
	return p.top
}

func (p *parser) start(parent *Throwable, header string, indent int, suppressed bool) {
	if len(p.all) >= maxThrowables {
		p.truncated = true
		p.cur, p.msgOpen = &Throwable{}, false // swallow the rest of this block
		return
	}
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]Throwable, 0, 8)
	}
	p.slab = append(p.slab, Throwable{indent: indent, firstFrame: len(p.frames)})
	t := &p.slab[len(p.slab)-1]
	t.Class, t.Message = splitHeader(header)
	t.Message = boundMessage(t.Message)
	switch {
	case parent == nil:
		p.top = t
	case suppressed:
		parent.Suppressed = append(parent.Suppressed, t)
	default:
		for parent.Cause != nil { // a second "Caused by" at one level extends the chain
			parent = parent.Cause
		}
		parent.Cause = t
	}
	p.all = append(p.all, t)
	p.cur, p.msgOpen = t, true
}

// frame records an "at" line; false when the line is not a frame after all
// (a message line that happens to start with "at "): a frame is one word,
// usually followed by "(File.java:N)".
func (p *parser) frame(s string) bool {
	end := strings.IndexByte(s, '(')
	if end < 0 {
		end = len(s)
	}
	if end < 3 || strings.IndexByte(s[:end], ' ') >= 0 || strings.IndexByte(s[:end], '.') < 0 {
		return false
	}
	p.msgOpen = false
	if p.cur.frameCount >= maxFrames || p.cur.firstFrame+p.cur.frameCount != len(p.frames) {
		p.truncated = p.truncated || p.cur.frameCount >= maxFrames
		return true
	}
	p.frames = append(p.frames, Frame(s))
	p.cur.frameCount++
	return true
}

func (p *parser) finish() Trace {
	if p.top == nil {
		return Trace{Truncated: p.truncated}
	}
	for _, t := range p.all {
		t.Frames = p.frames[t.firstFrame : t.firstFrame+t.frameCount : t.firstFrame+t.frameCount]
	}
	var chain []*Throwable
	for t := p.top; t != nil && len(chain) < maxThrowables; t = t.Cause {
		chain = append(chain, t)
	}
	return Trace{Chain: chain, Truncated: p.truncated}
}

// splitHeader splits "pkg.Class: message" into class and message. A header
// whose first word is not a class name is all message.
func splitHeader(h string) (class, msg string) {
	name, rest, found := strings.Cut(h, ":")
	if !validClassName(name) {
		return "", h
	}
	if !found {
		return name, ""
	}
	return name, strings.TrimPrefix(rest, " ")
}

// validClassName reports whether s looks like a Java class name: dotted
// identifiers, or a single identifier ending in Exception or Error (as
// Throwable.toString prints classes in the default package).
func validClassName(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	prevDot := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' || c >= 0x80:
			if prevDot && c < 0x80 {
				return false
			}
		default:
			return false
		}
		prevDot = false
	}
	if prevDot {
		return false
	}
	return strings.IndexByte(s, '.') > 0 || exceptionLike(s)
}

// exceptionLike reports whether a class name reads like a Throwable.
func exceptionLike(class string) bool {
	return strings.HasSuffix(class, "Exception") || strings.HasSuffix(class, "Error") ||
		strings.HasSuffix(class, "Throwable") || strings.HasSuffix(class, "Failure")
}

func boundMessage(m string) string {
	if len(m) <= maxMessage {
		return m
	}
	return m[:maxMessage]
}
