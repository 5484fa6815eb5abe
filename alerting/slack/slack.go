// Package slack posts incidents to Slack with slack-go: a Block Kit message
// per incident in the route's channel, follow-ups and the recovery in its
// thread. Each channel (or the webhook) is its own destination for the
// router, paced to Slack's ≈1 message per second; a 429 holds every
// channel for its Retry-After, as Slack's limits are per workspace too.
//
// Delivery guarantee: a top-level message is posted once. Every post
// carries the notification's id in its message metadata; when an attempt
// ended without an answer (a timeout, a reset, a crash), the sink first
// looks for that id in the channel's recent history (conversations.history,
// bounded) and, if the message is there, adopts it instead of posting
// again. Thread replies, and everything sent through an incoming webhook
// (which has neither history nor ts), are at least once: an unanswered
// attempt may show twice.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Options configures a Sink. One of Token and WebhookURL is required; the
// token wins when both are given because only it can thread.
type Options struct {
	Token      config.Secret
	WebhookURL config.Secret
	// APIURL is the Web API base (default Slack's).
	APIURL string
	// Transport is the HTTP transport; http.DefaultTransport when nil.
	// Timeouts come from the context of each Send.
	Transport http.RoundTripper
	// PerChannel and Burst pace posts per channel (default 1/s, burst 3).
	PerChannel rate.Limit
	Burst      int
	// Logger says when an earlier post cannot be looked for (a missing
	// scope); discarded when nil.
	Logger *slog.Logger
}

// Sink posts notifications to Slack.
type Sink struct {
	api     *slack.Client // nil in webhook mode
	webhook config.Secret
	http    *http.Client
	limit   rate.Limit
	burst   int
	log     *slog.Logger

	mu      sync.Mutex
	threads map[string]string // incident key + channel → thread ts
	history *history
}

// New builds a sink; it does no I/O.
func New(o Options) (*Sink, error) {
	if o.Token.IsZero() && o.WebhookURL.IsZero() {
		return nil, errors.New("new slack sink: neither a token nor a webhook URL is configured")
	}
	if o.APIURL == "" {
		o.APIURL = config.DefaultSlackAPIURL
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	if o.PerChannel == 0 {
		o.PerChannel = 1
	}
	if o.Burst == 0 {
		o.Burst = 3
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	hc := &http.Client{Transport: o.Transport}
	s := &Sink{webhook: o.WebhookURL, http: hc, limit: o.PerChannel, burst: o.Burst, log: o.Logger,
		threads: map[string]string{}, history: newHistory()}
	if !o.Token.IsZero() {
		s.api = slack.New(o.Token.Reveal(), slack.OptionAPIURL(o.APIURL), slack.OptionHTTPClient(hc))
	}
	return s, nil
}

// Accepts every notification people read; single occurrences are grouped.
func (s *Sink) Accepts(a incident.Action) bool { return a != incident.Occurrence }

var errNoChannel = errors.New("no slack channel for this notification")

// Destination is the channel n is posted to, or "webhook" with an incoming
// webhook, which posts to its own channel.
func (s *Sink) Destination(n incident.Notification) string {
	if s.api == nil {
		return "webhook"
	}
	return n.SlackChannel
}

// Pacing holds each channel (and the webhook) to Slack's rate, with two
// posts in flight so that one that hangs does not stall the channel.
func (s *Sink) Pacing(string) incident.Pacing {
	return incident.Pacing{PerSecond: float64(s.limit), Burst: s.burst, InFlight: 2}
}

// Send posts n to n.SlackChannel, in the incident's thread when one is
// known. A top-level message whose earlier attempt is unconfirmed is
// looked for first.
func (s *Sink) Send(ctx context.Context, n incident.Notification) (incident.Receipt, error) {
	ch := n.SlackChannel
	if ch == "" {
		return incident.Receipt{}, incident.Reject(errNoChannel)
	}
	thread := s.thread(n, ch)
	msg := render(n, thread != "")
	if s.api == nil {
		return incident.Receipt{}, s.classify(s.postWebhook(ctx, ch, msg))
	}
	if thread == "" && !n.Unconfirmed.IsZero() && n.ID != "" {
		ts, found, err := s.lookup(ctx, ch, n)
		if err != nil {
			return incident.Receipt{}, s.classify(fmt.Errorf("look for an earlier post of %s of %s in slack channel %s: %w", n.Action, n.Key, ch, err))
		}
		if found {
			return s.remember(n, ch, "", ts), nil
		}
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(msg.text, false),
		slack.MsgOptionBlocks(msg.blocks...),
		slack.MsgOptionDisableLinkUnfurl(),
	}
	if n.ID != "" {
		opts = append(opts, slack.MsgOptionMetadata(marker(n)))
	}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
		if msg.broadcast {
			opts = append(opts, slack.MsgOptionBroadcast())
		}
	}
	id, ts, err := s.api.PostMessageContext(ctx, ch, opts...)
	if err != nil {
		return incident.Receipt{}, s.classify(fmt.Errorf("post %s of %s to slack channel %s: %w", n.Action, n.Key, ch, err))
	}
	s.history.learn(ch, id)
	if thread == "" {
		s.history.posted(id, n, ts)
	}
	return s.remember(n, ch, thread, ts), nil
}

// thread is the ts to reply under: what this sink posted, else what an
// earlier process or replica recorded.
func (s *Sink) thread(n incident.Notification, ch string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts, ok := s.threads[n.Key.String()+"\x00"+ch]; ok {
		return ts
	}
	return n.Threads[ch]
}

// remember keeps the ts of a new top-level message for follow-ups, and
// forgets the thread once the incident is resolved.
func (s *Sink) remember(n incident.Notification, ch, thread, ts string) incident.Receipt {
	k := n.Key.String() + "\x00" + ch
	s.mu.Lock()
	defer s.mu.Unlock()
	if n.Action == incident.Resolve {
		delete(s.threads, k)
		return incident.Receipt{}
	}
	if thread != "" || ts == "" {
		return incident.Receipt{}
	}
	s.threads[k] = ts
	return incident.Receipt{Channel: ch, ThreadTS: ts}
}

func (s *Sink) postWebhook(ctx context.Context, ch string, m message) error {
	blocks := slack.Blocks{BlockSet: m.blocks}
	err := slack.PostWebhookCustomHTTPContext(ctx, s.webhook.Reveal(), s.http,
		&slack.WebhookMessage{Channel: ch, Text: m.text, Blocks: &blocks})
	if err == nil {
		return nil
	}
	// The webhook URL is a secret and net/http puts it in its errors.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s slack webhook: %w", ue.Op, ue.Err)
	}
	return fmt.Errorf("post to slack webhook for channel %s: %w", ch, err)
}

// Describe says what Send would post, for --alerting.dry-run.
func (s *Sink) Describe(n incident.Notification) []incident.Field {
	thread := "new"
	switch {
	case s.api == nil:
		thread = "none (webhook)"
	case s.thread(n, n.SlackChannel) != "":
		thread = s.thread(n, n.SlackChannel)
	}
	m := render(n, thread != "new" && s.api != nil)
	return []incident.Field{
		{Key: "channel", Value: n.SlackChannel},
		{Key: "thread_ts", Value: thread},
		{Key: "text", Value: m.text},
	}
}
