package incident

import (
	"errors"
	"time"
)

// DeliveryError is how a sink says what to do about a failed delivery. The
// router retries any other error with exponential backoff; a DeliveryError
// can forbid that (the receiver rejected the message: retrying sends the
// same bad message again), name the wait the receiver asked for, or say
// that the receiver may have the message after all.
type DeliveryError struct {
	Err error
	// Rejected: the receiver refused the message (HTTP 4xx other than 408
	// and 429, Slack channel_not_found, …). Do not retry.
	Rejected bool
	// RetryAfter is the receiver's Retry-After; zero means back off as usual.
	RetryAfter time.Duration
	// AllDestinations: the wait holds for every destination of the sink,
	// not only the one that answered (Slack's rate limits are per workspace
	// as well as per channel).
	AllDestinations bool
	// Unconfirmed: the request may have reached the receiver although no
	// answer said so (a timeout, or a connection reset after the request
	// was written). The router retries as usual and tells the sink so on
	// the retry (Notification.Unconfirmed).
	Unconfirmed bool
}

func (e *DeliveryError) Error() string { return e.Err.Error() }
func (e *DeliveryError) Unwrap() error { return e.Err }

// Reject marks err as a refusal not worth retrying.
func Reject(err error) error { return &DeliveryError{Err: err, Rejected: true} }

// RetryAfter marks err as retryable after d.
func RetryAfter(err error, d time.Duration) error { return &DeliveryError{Err: err, RetryAfter: d} }

// RetryAllAfter marks err as retryable after d, and every other
// destination of the sink as having to wait as long.
func RetryAllAfter(err error, d time.Duration) error {
	return &DeliveryError{Err: err, RetryAfter: d, AllDestinations: true}
}

// Unconfirmed marks err as a failure after which the receiver may have the
// message anyway.
func Unconfirmed(err error) error { return &DeliveryError{Err: err, Unconfirmed: true} }

// IsRejected reports whether err says the receiver refused the message.
func IsRejected(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Rejected
}

// IsUnconfirmed reports whether err says the message may have been
// delivered although the attempt failed.
func IsUnconfirmed(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Unconfirmed
}

// RetryAfterOf returns the wait the receiver asked for, or 0.
func RetryAfterOf(err error) time.Duration {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.RetryAfter
	}
	return 0
}

// HoldsAllDestinations reports whether the wait err asks for holds for
// every destination of the sink.
func HoldsAllDestinations(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.AllDestinations
}

// Receipt is what a sink learned by delivering: the Slack channel and
// thread timestamp of a new top-level message, for follow-ups to thread on.
type Receipt struct {
	Channel  string
	ThreadTS string
}

// Pacing is how a sink wants the deliveries to one of its destinations
// paced: on average at most PerSecond (0: unpaced) with bursts of Burst,
// and at most InFlight at once. Zero Burst and InFlight mean 1.
type Pacing struct {
	PerSecond float64
	Burst     int
	InFlight  int
}

// Field is one key=value of a dry-run or console line, in a stable order.
type Field struct {
	Key   string
	Value string
}
