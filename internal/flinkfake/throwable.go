package flinkfake

import (
	"strconv"
	"strings"
)

// throwable is a Java exception with its full stack, outermost first.
// Frames are written without the leading "at ", e.g.
// "org.apache.flink.runtime.taskmanager.Task.run(Task.java:562)".
type throwable struct {
	class  string
	msg    string // "" prints no ": message", like a null message
	frames []string
	cause  *throwable
}

// String renders the trace the way Throwable.printStackTrace does, which
// is what Flink's ExceptionUtils.stringifyException puts into the REST API:
// a cause's frames that it shares with the enclosing trace's tail are
// folded into "\t... N more", and the text ends with a newline.
func (t *throwable) String() string {
	var b strings.Builder
	var enclosing []string
	for c := t; c != nil; c = c.cause {
		if c != t {
			b.WriteString("Caused by: ")
		}
		b.WriteString(c.class)
		if c.msg != "" {
			b.WriteString(": ")
			b.WriteString(c.msg)
		}
		b.WriteByte('\n')
		shown, common := splitCommon(c.frames, enclosing)
		for _, f := range shown {
			b.WriteString("\tat ")
			b.WriteString(f)
			b.WriteByte('\n')
		}
		if common > 0 {
			b.WriteString("\t... ")
			b.WriteString(strconv.Itoa(common))
			b.WriteString(" more\n")
		}
		enclosing = c.frames
	}
	return b.String()
}

// splitCommon returns the frames of trace to print and how many frames at
// its end it has in common with enclosing.
func splitCommon(trace, enclosing []string) ([]string, int) {
	m, n := len(trace)-1, len(enclosing)-1
	for m >= 0 && n >= 0 && trace[m] == enclosing[n] {
		m--
		n--
	}
	return trace[:m+1], len(trace) - 1 - m
}

// stack joins frame groups into one stack, innermost first.
func stack(groups ...[]string) []string {
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	out := make([]string, 0, n)
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
