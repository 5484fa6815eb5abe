package flink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNotFound is a 404: the job vanished between two requests, or the
// endpoint does not exist on this Flink version.
var ErrNotFound = errors.New("not found")

// ErrCheckpointingDisabled is the 404 Flink answers on the checkpoint
// endpoints of a job that has checkpointing off.
var ErrCheckpointingDisabled = errors.New("checkpointing not enabled")

// StatusError is a non-200 answer. Messages holds the first line of each of
// Flink's `errors` (at most maxErrorMessages, each at most maxMessageLen
// bytes); they may carry exception text and must be redacted before leaving
// the process.
type StatusError struct {
	Code     int
	Messages []string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("http %d %s", e.Code, http.StatusText(e.Code))
	if len(e.Messages) > 0 {
		msg += ": " + strings.Join(e.Messages, "; ")
	}
	return msg
}

// Is lets errors.Is(err, ErrNotFound) match a 404.
func (e *StatusError) Is(target error) bool {
	return target == ErrNotFound && e.Code == http.StatusNotFound
}

// DecodeError is a body that is not the JSON the endpoint should send: not
// JSON at all, cut short, of the wrong shape, or larger than MaxBodyBytes.
type DecodeError struct {
	Err error
	// ContentType is what the server said it sent, e.g. text/html from a
	// proxy's error page.
	ContentType string
}

func (e *DecodeError) Error() string {
	msg := "decode response: " + e.Err.Error()
	if e.ContentType != "" && !strings.Contains(e.ContentType, "json") {
		msg += " (content type " + e.ContentType + ")"
	}
	return msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

const (
	// maxErrorBody bounds how much of an error body is read: Flink puts
	// whole stack traces in it, and only the first lines are kept.
	maxErrorBody     = 64 << 10
	maxErrorMessages = 5
	maxMessageLen    = 300
)

// statusError reads Flink's {"errors":[...]} body. A body cut at
// maxErrorBody (a long stack trace) still yields the messages, or the part
// of one, before the cut.
func statusError(code int, body io.Reader) error {
	e := &StatusError{Code: code}
	data, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	var eb struct {
		Errors []string `json:"errors"`
	}
	err := json.Unmarshal(data, &eb)
	msgs := eb.Errors
	if err != nil {
		msgs = partialErrors(data)
	}
	for _, m := range msgs[:min(len(msgs), maxErrorMessages)] {
		e.Messages = append(e.Messages, firstLine(m))
	}
	return e
}

// partialErrors reads the strings of the "errors" array of a JSON body
// that may be cut short, keeping the beginning of a cut string.
func partialErrors(data []byte) []string {
	i := bytes.Index(data, []byte(`"errors"`))
	if i < 0 {
		return nil
	}
	rest := bytes.TrimLeft(data[i+len(`"errors"`):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return nil
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '[' {
		return nil
	}
	rest = rest[1:]
	var out []string
	for len(out) < maxErrorMessages {
		rest = bytes.TrimLeft(rest, " \t\r\n,")
		if len(rest) == 0 || rest[0] != '"' {
			return out
		}
		s, n, complete := readString(rest[1:])
		out = append(out, s)
		if !complete {
			return out
		}
		rest = rest[1+n:]
	}
	return out
}

// readString unescapes a JSON string body up to its closing quote or the
// end of b, keeping at most 4 KiB. It returns the text, the bytes consumed
// including the quote, and whether the quote was found.
func readString(b []byte) (string, int, bool) {
	var out []byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"':
			return string(out), i + 1, true
		case c != '\\':
			if len(out) < 4<<10 {
				out = append(out, c)
			}
			continue
		case i+1 >= len(b):
			return string(out), len(b), false
		}
		i++
		switch b[i] {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r', 'b', 'f':
		case 'u':
			if i+4 >= len(b) {
				return string(out), len(b), false
			}
			r, err := strconv.ParseUint(string(b[i+1:i+5]), 16, 32)
			if err != nil {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, rune(r))
			i += 4
		default:
			out = append(out, b[i])
		}
	}
	return string(out), len(b), false
}

// firstLine keeps the line that says what happened. Flink wraps a handler's
// unexpected exception as "<Exception on server side:\n…"; the exception is
// on the next line.
func firstLine(m string) string {
	m = strings.TrimPrefix(m, "<Exception on server side:\n")
	first, _, _ := strings.Cut(m, "\n")
	first = strings.TrimSpace(first)
	if len(first) > maxMessageLen {
		cut := maxMessageLen
		for cut > 0 && !utf8.RuneStart(first[cut]) {
			cut--
		}
		first = first[:cut] + "…"
	}
	return first
}

// checkpointingErr maps the 404 of a job without checkpointing: "Checkpointing
// has not been enabled." or "Checkpointing is not enabled for this job".
func checkpointingErr(err error) error {
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		for _, m := range se.Messages {
			lm := strings.ToLower(m)
			if strings.Contains(lm, "checkpointing") && strings.Contains(lm, "not") && strings.Contains(lm, "enabled") {
				return fmt.Errorf("%w: %w", ErrCheckpointingDisabled, err)
			}
		}
	}
	return err
}
