package slack

import (
	"errors"
	"net"
	"net/http"

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

// classify tells the router whether err is worth retrying. A 429 holds
// every channel for its Retry-After: Slack limits a workspace as well as
// each channel, and the answer does not say which limit it was. An error
// without an answer from Slack, after the connection was made, may hide a
// post that went through.
func (s *Sink) classify(err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return incident.RetryAllAfter(err, rl.RetryAfter)
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		if sc.Code == http.StatusTooManyRequests || sc.Code == http.StatusRequestTimeout || sc.Code >= 500 {
			return err
		}
		return incident.Reject(err)
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		if !retryableCodes[se.Err] {
			return incident.Reject(err)
		}
		return err
	}
	var de *incident.DeliveryError
	if errors.As(err, &de) || neverSent(err) {
		return err
	}
	return incident.Unconfirmed(err)
}

// neverSent: the request failed before it could reach Slack (no
// connection, no DNS answer).
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
