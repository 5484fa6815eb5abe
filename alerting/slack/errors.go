package slack

import (
	"errors"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// retryableCodes are the Web API error codes that say "try again later";
// every other ok:false answer (channel_not_found, not_in_channel,
// invalid_auth, invalid_blocks, …) will not change on a retry.
var retryableCodes = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true,
	"request_timeout": true, "ratelimited": true, "team_added_to_org": true,
}

// classify tells the router whether err is worth retrying, and blocks the
// channel for the Retry-After of a 429 so that the posts queued behind this
// one wait too.
func (s *Sink) classify(ch string, err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		s.mu.Lock()
		if c := s.channels[ch]; c != nil {
			c.blockedUntil = time.Now().Add(rl.RetryAfter)
		}
		s.mu.Unlock()
		return incident.RetryAfter(err, rl.RetryAfter)
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		if sc.Code == http.StatusTooManyRequests || sc.Code == http.StatusRequestTimeout || sc.Code >= 500 {
			return err
		}
		return incident.Reject(err)
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && !retryableCodes[se.Err] {
		return incident.Reject(err)
	}
	return err
}
