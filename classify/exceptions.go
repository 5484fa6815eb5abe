package classify

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// input is one JSON object of the CLI's input: a failure (a Line: an
// exception-history entry, an operator error, a Kubernetes signal) or a
// whole GET /jobs/:jobid/exceptions body, in the shape of any Flink from
// 1.15 to 2.x: the exception history (the only part 2.x serves) and the
// legacy root-exception and all-exceptions that 1.x sends beside it.
// Line's fields are promoted, so one decoding tells the two apart.
type input struct {
	Line
	RootException    *string           `json:"root-exception"`
	AllExceptions    []legacyException `json:"all-exceptions"`
	ExceptionHistory *struct {
		Entries []Line `json:"entries"`
	} `json:"exceptionHistory"`
}

// legacyException is an item of 1.x's all-exceptions: a failed task.
type legacyException struct {
	Exception string `json:"exception"` // the stack trace
	Task      string `json:"task"`
	Timestamp int64  `json:"timestamp"`
}

// entry is one failure of an input and where it is in it ("" for a Line
// itself).
type entry struct {
	name string
	line Line
}

// errNoException: an exceptions body of a job that has not failed.
var errNoException = errors.New("the exceptions response holds no exception: the job has not failed (or Flink kept none)")

func (in *input) isResponse() bool {
	return in.ExceptionHistory != nil || in.RootException != nil || in.AllExceptions != nil
}

// entries lists every failure of the input, each root cause followed by
// the exceptions that happened with it (concurrentExceptions). A response
// with a history is read from it; the legacy fields repeat its newest
// entry and are read only when there is none.
func (in *input) entries() ([]entry, error) {
	if !in.isResponse() {
		return withConcurrent("", in.Line), nil
	}
	var out []entry
	if h := in.ExceptionHistory; h != nil && len(h.Entries) > 0 {
		for i, e := range h.Entries {
			out = append(out, withConcurrent("exceptionHistory.entries["+strconv.Itoa(i)+"]", e)...)
		}
		return out, nil
	}
	if in.RootException != nil && *in.RootException != "" {
		out = append(out, entry{"root-exception", Line{Stacktrace: *in.RootException, Timestamp: in.Timestamp}})
	}
	for i, e := range in.AllExceptions {
		out = append(out, entry{fmt.Sprintf("all-exceptions[%d]", i), Line{Stacktrace: e.Exception, TaskName: e.Task, Timestamp: e.Timestamp}})
	}
	if len(out) == 0 {
		return nil, errNoException
	}
	return out, nil
}

// withConcurrent is the entry l and its concurrent exceptions, which are
// failures of their own (another subtask, another TaskManager).
func withConcurrent(name string, l Line) []entry {
	out := []entry{{name, l}}
	prefix := name
	if prefix != "" {
		prefix += "."
	}
	for j, c := range l.ConcurrentExceptions {
		c.ConcurrentExceptions = nil // Flink nests one level only
		out = append(out, entry{fmt.Sprintf("%sconcurrentExceptions[%d]", prefix, j), c})
	}
	return out
}

// decodeValue decodes one JSON value of the input: an object, or an array
// of objects (say, jq's .exceptionHistory.entries), into its entries.
func decodeValue(raw []byte) ([]entry, error) {
	v := trimSpace(raw)
	if len(v) > 0 && v[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		if len(items) == 0 {
			return nil, errors.New("an empty array holds no failure")
		}
		var out []entry
		for i, item := range items {
			es, err := decodeObject(item)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			for _, e := range es {
				e.name = joinEntry("["+strconv.Itoa(i)+"]", e.name)
				out = append(out, e)
			}
		}
		return out, nil
	}
	return decodeObject(v)
}

func decodeObject(raw []byte) ([]entry, error) {
	v := trimSpace(raw)
	if len(v) == 0 || v[0] != '{' {
		return nil, errors.New("want a JSON object: a failure or a /jobs/:jobid/exceptions body")
	}
	var in input
	if err := json.Unmarshal(v, &in); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return in.entries()
}

func joinEntry(outer, inner string) string {
	if inner == "" {
		return outer
	}
	return outer + "." + inner
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
