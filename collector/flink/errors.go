package flink

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ErrNotFound is a 404: the job vanished between two requests, or the
// endpoint does not exist on this Flink version.
var ErrNotFound = errors.New("not found")

// ErrCheckpointingDisabled is the 404 Flink answers on the checkpoint
// endpoints of a job that has checkpointing off.
var ErrCheckpointingDisabled = errors.New("checkpointing not enabled")

// StatusError is a non-200 answer. Messages holds Flink's `errors` list,
// truncated; they may carry exception text and must be redacted before
// leaving the process.
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

// DecodeError is a body that is not the JSON the endpoint should send.
type DecodeError struct{ Err error }

func (e *DecodeError) Error() string { return "decode response: " + e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

const maxErrorBody = 4 << 10

func statusError(code int, body io.Reader) error {
	data, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	e := &StatusError{Code: code}
	var eb struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(data, &eb) == nil {
		for _, m := range eb.Errors {
			first, _, _ := strings.Cut(m, "\n")
			if len(first) > 300 {
				first = first[:300] + "…"
			}
			e.Messages = append(e.Messages, first)
		}
	}
	return e
}

// checkpointingErr maps the 404 of a job without checkpointing.
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
