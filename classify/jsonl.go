package classify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/flinkslo/flinkslo/fleet"
	"io"
	"time"
)

// MaxLineBytes bounds one JSON line (and plain-text input); longer input
// gets an error object.
const MaxLineBytes = 4 << 20

// MaxDocumentBytes bounds input whose first JSON value spans lines (a
// /jobs/:jobid/exceptions body as Flink, curl or jq prints it): all of it
// is read before anything is classified.
const MaxDocumentBytes = 32 << 20

// Line is one failure of the CLI's JSON input: a Flink /jobs/:jobid/exceptions
// history entry as Flink sends it (fields it does not use, such as endpoint,
// are ignored; its concurrentExceptions are classified too), an operator
// status.error, a Kubernetes signal, or several of these together.
type Line struct {
	ExceptionName string            `json:"exceptionName"`
	Stacktrace    string            `json:"stacktrace"`
	TaskName      string            `json:"taskName"`
	Timestamp     int64             `json:"timestamp"` // epoch milliseconds
	FailureLabels map[string]string `json:"failureLabels"`
	// ConcurrentExceptions are the failures Flink recorded with this one.
	ConcurrentExceptions []Line `json:"concurrentExceptions"`
	// OperatorError is the status.error string as the operator writes it
	// (JSON inside a JSON string); the decoded object is accepted too.
	OperatorError     json.RawMessage `json:"operatorError"`
	K8sReason         string          `json:"k8sReason"`
	K8sMessage        string          `json:"k8sMessage"`
	ExitCode          int             `json:"exitCode"`
	Source            fleet.Source    `json:"source"`
	RecentOccurrences int             `json:"recentOccurrences"`
}

// Output is what the CLI writes for each failure. All text is redacted.
type Output struct {
	// Line is the input line of the failure, or where its JSON document
	// begins; Entry says which failure of that document or line it is
	// ("exceptionHistory.entries[0].concurrentExceptions[1]"), empty for
	// a failure that is the whole line.
	Line        int         `json:"line"`
	Entry       string      `json:"entry,omitempty"`
	Route       fleet.Route `json:"route,omitempty"`
	Category    string      `json:"category,omitempty"`
	Reason      string      `json:"reason,omitempty"`
	Hint        string      `json:"hint,omitempty"`
	Rule        string      `json:"rule,omitempty"`
	Escalated   bool        `json:"escalated,omitempty"`
	Occurrences int         `json:"occurrences,omitempty"`
	Root        string      `json:"root,omitempty"`
	Message     string      `json:"message,omitempty"`
	// Culprit is the stack frame the rule relied on, when it looked at
	// who owns the code (the frame a "fix the code at the top tenant
	// frame" hint means), and CulpritOwner whose code that is: tenant,
	// platform or query.
	Culprit      string `json:"culprit,omitempty"`
	CulpritOwner string `json:"culpritOwner,omitempty"`
	Error        string `json:"error,omitempty"`
}

// Input converts a line into a classifier input.
func (l *Line) Input() (fleet.Evidence, error) {
	in := fleet.Evidence{
		Source: l.Source, ExceptionName: l.ExceptionName, Stacktrace: l.Stacktrace, TaskName: l.TaskName,
		FailureLabels: l.FailureLabels, K8sReason: l.K8sReason, K8sMessage: l.K8sMessage,
		ExitCode: l.ExitCode, RecentOccurrences: l.RecentOccurrences,
	}
	if l.Timestamp > 0 {
		in.Timestamp = time.UnixMilli(l.Timestamp).UTC()
	}
	if op := bytes.TrimSpace(l.OperatorError); len(op) > 0 && !bytes.Equal(op, []byte("null")) {
		if op[0] == '"' {
			if err := json.Unmarshal(op, &in.OperatorError); err != nil {
				return in, fmt.Errorf("operatorError: %w", err)
			}
		} else {
			in.OperatorError = string(op)
		}
	}
	if in.Source != "" && sourceBits[in.Source] == 0 {
		return in, fmt.Errorf("source %q: want flink_rest, checkpoint, operator or k8s", in.Source)
	}
	if in.ExceptionName == "" && in.Stacktrace == "" && in.OperatorError == "" && in.K8sReason == "" && in.K8sMessage == "" {
		return in, errors.New("no failure: want exceptionName/stacktrace, operatorError or k8sReason/k8sMessage")
	}
	if in.RecentOccurrences < 0 || in.ExitCode < 0 {
		return in, errors.New("recentOccurrences and exitCode must not be negative")
	}
	return in, nil
}

// RunJSONL classifies r and writes one JSON object (an Output) per failure
// to w. When the first non-blank byte of r opens a JSON object or array, r
// is JSON, one of:
//   - JSON Lines: each line a failure (a Line) or a whole exceptions body;
//     a malformed line gets an Output with only line and error, and the
//     lines after it are still classified;
//   - JSON values that span lines, one after another: a
//     /jobs/:jobid/exceptions body as Flink or jq prints it (every entry of
//     its history, root and concurrent, is classified), a Line, or an
//     array of them. It is read whole (up to MaxDocumentBytes) first; if a
//     value does not decode, the values before it are classified and one
//     error says where it broke, unless some line is a JSON object by
//     itself: then it is JSON Lines whose first line is broken.
//
// The format is told by the first non-blank line: a complete JSON value
// (JSON Lines) or not (a document).
//
// Otherwise all of r is one plain-text stack trace (RunText). The error is
// only for reading, writing or ctx.
func RunJSONL(ctx context.Context, r io.Reader, w io.Writer, c *Classifier) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if !startsWithJSON(br) {
		return RunText(ctx, br, w, c)
	}
	out := newResults(w)
	head, first, n, tooLong, err := readFirstLine(br)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read line %d: %w", n, err)
	}
	if tooLong {
		if err := out.put(Output{Line: n, Error: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}); err != nil {
			return err
		}
		return out.lines(ctx, c, br, n+1)
	}
	lines := io.MultiReader(bytes.NewReader(head), br)
	if !json.Valid(first) {
		// The first value goes on past its line: a document.
		doc, err := io.ReadAll(io.LimitReader(lines, MaxDocumentBytes+1))
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		if len(doc) <= MaxDocumentBytes {
			// A document that breaks is still not JSON Lines when no line
			// is an object of its own: what decoded is classified, and
			// one error says where the rest broke.
			if values, at, err := splitValues(doc); err == nil || !hasObjectLine(doc) {
				return out.documents(ctx, c, doc, values, at, err)
			}
		}
		lines = io.MultiReader(bytes.NewReader(doc), br)
	}
	return out.lines(ctx, c, bufio.NewReaderSize(lines, 64<<10), 1)
}

// results writes Outputs as JSON Lines.
type results struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

func newResults(w io.Writer) *results {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &results{bw: bw, enc: enc}
}

// lines classifies br as JSON Lines, the first numbered first.
func (o *results) lines(ctx context.Context, c *Classifier, br *bufio.Reader, first int) error {
	for n := first; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, tooLong, err := readLine(br)
		switch {
		case tooLong:
			if werr := o.put(Output{Line: n, Error: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}); werr != nil {
				return werr
			}
		case len(bytes.TrimSpace(line)) > 0:
			if werr := o.value(c, n, line); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return flush(o.bw)
		}
		if err != nil {
			return fmt.Errorf("read line %d: %w", n, err)
		}
	}
}

// value classifies every failure of one JSON value.
func (o *results) value(c *Classifier, n int, raw []byte) error {
	entries, err := decodeValue(raw)
	if err != nil {
		return o.put(Output{Line: n, Error: Redact(err.Error())})
	}
	for _, e := range entries {
		res := Output{Line: n, Entry: e.name}
		if in, err := e.line.Input(); err != nil {
			res.Error = Redact(err.Error())
		} else {
			res = output(n, c.Classify(in))
			res.Entry = e.name
		}
		if err := o.put(res); err != nil {
			return err
		}
	}
	return nil
}

func (o *results) put(res Output) error {
	if err := o.enc.Encode(res); err != nil {
		return fmt.Errorf("write result of line %d: %w", res.Line, err)
	}
	return nil
}

func output(n int, r fleet.Decision) Output {
	return Output{
		Line: n, Route: r.Route, Category: r.Category, Reason: Redact(r.Reason), Hint: Redact(r.Hint),
		Rule: r.Rule, Escalated: r.Escalated, Occurrences: r.Occurrences, Root: r.Root, Message: Redact(r.Message),
		Culprit: Redact(r.Culprit), CulpritOwner: r.CulpritOwner,
	}
}

// RunText classifies all of r as one plain-text stack trace (a Flink
// exception as printed in a log or the web UI) and writes one Output.
func RunText(ctx context.Context, r io.Reader, w io.Writer, c *Classifier) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxLineBytes+1))
	if err != nil {
		return fmt.Errorf("read stack trace: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	out := Output{Line: 1, Error: "empty input"}
	switch text := bytes.TrimSpace(data); {
	case len(data) > MaxLineBytes:
		out.Error = fmt.Sprintf("input longer than %d bytes", MaxLineBytes)
	case len(text) > 0:
		out = output(1, c.Classify(fleet.Evidence{Source: fleet.SourceFlinkREST, Stacktrace: string(text)}))
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return flush(bw)
}

func flush(bw *bufio.Writer) error {
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// readFirstLine reads up to and including the first non-blank line: head is
// all it read (newlines restored), first that line, n its number.
func readFirstLine(br *bufio.Reader) (head, first []byte, n int, tooLong bool, err error) {
	for {
		line, long, err := readLine(br)
		n++
		if long {
			return head, nil, n, true, err
		}
		head = append(head, line...)
		if err == nil {
			head = append(head, '\n')
		}
		if len(bytes.TrimSpace(line)) > 0 || err != nil {
			return head, line, n, false, err
		}
	}
}

// startsWithJSON peeks past blank space for a '{' or '['.
func startsWithJSON(br *bufio.Reader) bool {
	for n := 1; n <= 4096; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			return false
		}
		switch b[n-1] {
		case ' ', '\t', '\r', '\n':
			if err != nil {
				return false
			}
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

// readLine returns the next line without its newline. A line longer than
// MaxLineBytes is consumed and reported as too long.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes {
			tooLong = true
			buf = buf[:0]
		} else if !tooLong {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(buf, "\r\n"), tooLong, err
	}
}
