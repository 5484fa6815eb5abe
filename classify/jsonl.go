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

// Line is one failure of the CLI's JSON Lines input: a Flink
// /jobs/:jobid/exceptions history entry as Flink sends it (fields it does
// not use, such as endpoint or concurrentExceptions, are ignored), an
// operator status.error, a Kubernetes signal, or several of these together.
type Line struct {
	ExceptionName string            `json:"exceptionName"`
	Stacktrace    string            `json:"stacktrace"`
	TaskName      string            `json:"taskName"`
	Timestamp     int64             `json:"timestamp"` // epoch milliseconds
	FailureLabels map[string]string `json:"failureLabels"`
	// OperatorError is the status.error string as the operator writes it
	// (JSON inside a JSON string); the decoded object is accepted too.
	OperatorError     json.RawMessage `json:"operatorError"`
	K8sReason         string          `json:"k8sReason"`
	K8sMessage        string          `json:"k8sMessage"`
	ExitCode          int             `json:"exitCode"`
	Source            fleet.Source    `json:"source"`
	RecentOccurrences int             `json:"recentOccurrences"`
}

// Output is what the CLI writes for each input line. All text is redacted.
type Output struct {
	Line        int         `json:"line"`
	Route       fleet.Route `json:"route,omitempty"`
	Category    string      `json:"category,omitempty"`
	Reason      string      `json:"reason,omitempty"`
	Hint        string      `json:"hint,omitempty"`
	Rule        string      `json:"rule,omitempty"`
	Escalated   bool        `json:"escalated,omitempty"`
	Occurrences int         `json:"occurrences,omitempty"`
	Root        string      `json:"root,omitempty"`
	Message     string      `json:"message,omitempty"`
	Error       string      `json:"error,omitempty"`
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

// RunJSONL classifies r and writes one JSON object per failure to w. When
// the first non-blank byte of r is '{', r is JSON Lines: each line is one
// failure (a Line), answered in order by an Output; a malformed line gets an
// Output with only line and error, and the lines after it are still
// classified. Otherwise all of r is one plain-text stack trace (RunText).
// The error is only for reading, writing or ctx.
func RunJSONL(ctx context.Context, r io.Reader, w io.Writer, c *Classifier) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if !startsWithJSON(br) {
		return RunText(ctx, br, w, c)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, tooLong, err := readLine(br)
		if len(bytes.TrimSpace(line)) > 0 || tooLong {
			if werr := enc.Encode(classifyLine(c, n, line, tooLong)); werr != nil {
				return fmt.Errorf("write result of line %d: %w", n, werr)
			}
		}
		if errors.Is(err, io.EOF) {
			return flush(bw)
		}
		if err != nil {
			return fmt.Errorf("read line %d: %w", n, err)
		}
	}
}

func classifyLine(c *Classifier, n int, line []byte, tooLong bool) Output {
	if tooLong {
		return Output{Line: n, Error: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
	}
	var l Line
	if err := json.Unmarshal(line, &l); err != nil {
		return Output{Line: n, Error: Redact("decode: " + err.Error())}
	}
	in, err := l.Input()
	if err != nil {
		return Output{Line: n, Error: Redact(err.Error())}
	}
	return output(n, c.Classify(in))
}

func output(n int, r fleet.Decision) Output {
	return Output{
		Line: n, Route: r.Route, Category: r.Category, Reason: Redact(r.Reason), Hint: Redact(r.Hint),
		Rule: r.Rule, Escalated: r.Escalated, Occurrences: r.Occurrences, Root: r.Root, Message: Redact(r.Message),
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

// startsWithJSON peeks past blank space for a '{'.
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
		case '{':
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
