package incident

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps what a receiver can make a notification wait.
const maxRetryAfter = 10 * time.Minute

// HTTPAnswer says what an HTTP receiver's answer to a delivery means for
// the router, for the sinks that post to a URL (Alertmanager, webhooks):
// nil for a 2xx; a retry, after the receiver's Retry-After when it sends
// one, for 408, 429 and 5xx; a rejection, not retried, for anything else
// (the same request would be refused again; a redirect, which the sinks'
// clients do not follow, is one). The error quotes the start
// of the body, which says why; the caller closes the body.
func HTTPAnswer(resp *http.Response, now time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	// The reason is in the body; a receiver's body is not a secret, but it
	// is bounded so that a log line stays one line.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	err := fmt.Errorf("http %d", code)
	if msg := strings.Join(strings.Fields(string(b)), " "); msg != "" {
		err = fmt.Errorf("http %d: %s", code, msg)
	}
	if code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 {
		return RetryAfter(err, ParseRetryAfter(resp.Header.Get("Retry-After"), now))
	}
	return Reject(err)
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date (RFC 9110 §10.2.3), at most 10 minutes. Anything else, or a
// date in the past, is 0.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = at.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
