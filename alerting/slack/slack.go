// Package slack posts incidents to Slack with slack-go: a Block Kit message
// per incident in the route's channel, follow-ups and the recovery in its
// thread. It paces each channel to Slack's ≈1 message per second and honours
// 429 Retry-After for the whole channel. With an incoming webhook instead of
// a bot token there is no message ts, so follow-ups are new messages that
// name the incident.
package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

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
}

// Sink posts notifications to Slack.
type Sink struct {
	api     *slack.Client // nil in webhook mode
	webhook config.Secret
	http    *http.Client
	limit   rate.Limit
	burst   int

	mu       sync.Mutex
	channels map[string]*channel
	threads  map[string]string // incident key + channel → thread ts
}

// channel is one channel's pacing.
type channel struct {
	limiter *rate.Limiter
	// blockedUntil is set by a 429: nothing goes to the channel before.
	blockedUntil time.Time
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
	hc := &http.Client{Transport: o.Transport}
	s := &Sink{webhook: o.WebhookURL, http: hc, limit: o.PerChannel, burst: o.Burst,
		channels: map[string]*channel{}, threads: map[string]string{}}
	if !o.Token.IsZero() {
		s.api = slack.New(o.Token.Reveal(), slack.OptionAPIURL(o.APIURL), slack.OptionHTTPClient(hc))
	}
	return s, nil
}

// Accepts every notification people read; single occurrences are grouped.
func (s *Sink) Accepts(a incident.Action) bool { return a != incident.Occurrence }

var errNoChannel = errors.New("no slack channel for this notification")

// Send posts n to n.SlackChannel, in the incident's thread when one is known.
func (s *Sink) Send(ctx context.Context, n incident.Notification) (incident.Receipt, error) {
	ch := n.SlackChannel
	if ch == "" {
		return incident.Receipt{}, incident.Reject(errNoChannel)
	}
	if err := s.wait(ctx, ch); err != nil {
		return incident.Receipt{}, fmt.Errorf("wait for slack channel %s: %w", ch, err)
	}
	thread := s.thread(n, ch)
	msg := render(n, thread != "")
	if s.api == nil {
		return incident.Receipt{}, s.classify(ch, s.postWebhook(ctx, ch, msg))
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(msg.text, false),
		slack.MsgOptionBlocks(msg.blocks...),
		slack.MsgOptionDisableLinkUnfurl(),
	}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
		if msg.broadcast {
			opts = append(opts, slack.MsgOptionBroadcast())
		}
	}
	_, ts, err := s.api.PostMessageContext(ctx, ch, opts...)
	if err != nil {
		return incident.Receipt{}, s.classify(ch, fmt.Errorf("post %s of %s to slack channel %s: %w", n.Action, n.Key, ch, err))
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

// wait paces posts to ch and holds them while a 429 is in force.
func (s *Sink) wait(ctx context.Context, ch string) error {
	c := s.channel(ch)
	s.mu.Lock()
	until := c.blockedUntil
	s.mu.Unlock()
	if d := time.Until(until); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return c.limiter.Wait(ctx)
}

func (s *Sink) channel(ch string) *channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[ch]
	if !ok {
		c = &channel{limiter: rate.NewLimiter(s.limit, s.burst)}
		s.channels[ch] = c
	}
	return c
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
