package pagerduty

import (
	"net/http"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// retryAfterKey carries a *time.Duration through a request's context for
// the transport to fill: go-pagerduty's errors do not expose headers.
type retryAfterKey struct{}

type retryAfterTransport struct{ base http.RoundTripper }

func (t retryAfterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if resp != nil {
		if p, ok := r.Context().Value(retryAfterKey{}).(*time.Duration); ok {
			*p = incident.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return resp, err
}
