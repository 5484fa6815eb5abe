package incident

import (
	"errors"
	"time"
)

// DeliveryError is how a sink says what to do about a failed delivery. The
// router retries any other error with exponential backoff; a DeliveryError
// can forbid that (the receiver rejected the message: retrying sends the
// same bad message again) or name the wait the receiver asked for.
type DeliveryError struct {
	Err error
	// Rejected: the receiver refused the message (HTTP 4xx other than 408
	// and 429, Slack channel_not_found, …). Do not retry.
	Rejected bool
	// RetryAfter is the receiver's Retry-After; zero means back off as usual.
	RetryAfter time.Duration
}

func (e *DeliveryError) Error() string { return e.Err.Error() }
func (e *DeliveryError) Unwrap() error { return e.Err }

// Reject marks err as a refusal not worth retrying.
func Reject(err error) error { return &DeliveryError{Err: err, Rejected: true} }

// RetryAfter marks err as retryable after d.
func RetryAfter(err error, d time.Duration) error { return &DeliveryError{Err: err, RetryAfter: d} }

// IsRejected reports whether err says the receiver refused the message.
func IsRejected(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Rejected
}

// RetryAfterOf returns the wait the receiver asked for, or 0.
func RetryAfterOf(err error) time.Duration {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.RetryAfter
	}
	return 0
}

// Receipt is what a sink learned by delivering: the Slack channel and
// thread timestamp of a new top-level message, for follow-ups to thread on.
type Receipt struct {
	Channel  string
	ThreadTS string
}

// Field is one key=value of a dry-run or console line, in a stable order.
type Field struct {
	Key   string
	Value string
}
