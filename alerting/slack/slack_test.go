package slack

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/slackfake"
)

const token = "xoxb-test-token-123"

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func newSink(t *testing.T, s *slackfake.Server, o Options) *Sink {
	t.Helper()
	if o.Token.IsZero() && o.WebhookURL.IsZero() {
		o.Token = config.NewSecret(token)
	}
	o.APIURL = s.APIURL()
	sink, err := New(o)
	require.NoError(t, err)
	return sink
}

func notifyNotification() incident.Notification {
	return incident.Notification{
		Key:    incident.Key{JobRef: fleet.JobRef{Namespace: "checkout", Deployment: "cart-sessions", Job: "cart-sessions"}, Category: "kafka_topic_authorization"},
		Action: incident.Trigger, Route: fleet.Notify, Team: "checkout", JobID: "9f8e",
		Source: fleet.SourceFlinkREST, Exception: "org.apache.kafka.common.errors.TopicAuthorizationException",
		Excerpt:     "org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [payments.v1]\n\tat org.apache.flink.connector.kafka.source.reader.KafkaPartitionSplitReader.fetch(KafkaPartitionSplitReader.java:110)",
		FailureTime: t0, At: t0, Opened: t0, Count: 1, Total: 1,
		Links: []incident.Link{
			{Text: "Flink UI", URL: "https://flink.example.com/checkout/cart-sessions/#/job/9f8e/overview"},
			{Text: "Runbook", URL: "https://runbooks.example.com/flink/kafka_topic_authorization"},
		},
		SlackChannel: "#checkout-alerts",
		Decision:     fleet.Decision{Reason: "the job's principal may not read topic <payments.v1>", Hint: "grant READ on payments.v1 to the job's principal", Rule: "kafka-topic-acl"},
	}
}

func TestIncidentThread(t *testing.T) {
	s := slackfake.New()
	defer s.Close()
	sink := newSink(t, s, Options{})
	ctx := context.Background()

	n := notifyNotification()
	rc, err := sink.Send(ctx, n)
	require.NoError(t, err)

	rep := n
	rep.Action, rep.Count, rep.Total, rep.Window, rep.At = incident.Repeat, 3, 4, 5*time.Minute, t0.Add(5*time.Minute)
	_, err = sink.Send(ctx, rep)
	require.NoError(t, err)

	res := n
	res.Action, res.Total, res.At = incident.Resolve, 4, t0.Add(20*time.Minute)
	_, err = sink.Send(ctx, res)
	require.NoError(t, err)

	msgs := s.Messages()
	require.Len(t, msgs, 3)
	first := msgs[0]
	require.Equal(t, incident.Receipt{Channel: "#checkout-alerts", ThreadTS: first.TS}, rc, "the receipt names the new thread")
	require.Equal(t, "#checkout-alerts", first.Channel)
	require.Empty(t, first.ThreadTS, "a new incident starts a top-level message")
	require.Equal(t, token, first.Token)
	require.Equal(t, "NOTIFY: checkout/cart-sessions kafka_topic_authorization: the job's principal may not read topic &lt;payments.v1&gt;", first.Text)

	for i, want := range []string{
		"*3 more occurrences in the last 5m (4 since opened)*\nLatest: the job's principal may not read topic &lt;payments.v1&gt;",
		":white_check_mark: *Resolved*: healthy again; open for 20m (4 occurrences)",
	} {
		m := msgs[i+1]
		require.Equal(t, "#checkout-alerts", m.Channel)
		require.Equal(t, first.TS, m.ThreadTS, "follow-up %d goes in the incident's thread", i+1)
		require.False(t, m.ReplyBroadcast)
		require.Equal(t, want, sectionText(t, m))
	}

	// After the resolve the thread is forgotten: the next incident of the
	// same key is a new message.
	_, err = sink.Send(ctx, n)
	require.NoError(t, err)
	require.Empty(t, s.Messages()[3].ThreadTS)
}

func TestThreadFromAnEarlierProcess(t *testing.T) {
	s := slackfake.New()
	defer s.Close()
	n := notifyNotification()
	n.Action, n.Count, n.Total, n.Window = incident.Remind, 0, 9, 0
	n.At = t0.Add(4 * time.Hour)
	n.Threads = map[string]string{"#checkout-alerts": "1690000000.000042"}
	_, err := newSink(t, s, Options{}).Send(context.Background(), n)
	require.NoError(t, err)
	m := s.Messages()[0]
	require.Equal(t, "1690000000.000042", m.ThreadTS)
	require.True(t, m.ReplyBroadcast, "a reminder is also shown in the channel")
}

func TestEscalationInTheThreadIsBroadcast(t *testing.T) {
	s := slackfake.New()
	defer s.Close()
	sink := newSink(t, s, Options{})
	n := notifyNotification()
	n.Route, n.SlackChannel = fleet.Monitor, "#flink-platform"
	_, err := sink.Send(context.Background(), n)
	require.NoError(t, err)
	n.Route, n.EscalatedFrom = fleet.Page, fleet.Monitor
	_, err = sink.Send(context.Background(), n)
	require.NoError(t, err)
	msgs := s.Messages()
	require.Equal(t, msgs[0].TS, msgs[1].ThreadTS)
	require.True(t, msgs[1].ReplyBroadcast)
	require.Equal(t, "🚨 PAGE · kafka_topic_authorization", headerText(t, msgs[1]))
}

func TestErrorsSayWhetherToRetry(t *testing.T) {
	cases := []struct {
		name        string
		fault       slackfake.Fault
		rejected    bool
		after       time.Duration
		everyone    bool
		unconfirmed bool
	}{
		{name: "server error", fault: slackfake.Fault{Status: 503}},
		{name: "rate limited", fault: slackfake.Fault{Status: 429, RetryAfter: "2"}, after: 2 * time.Second, everyone: true},
		{name: "rate limited without Retry-After", fault: slackfake.Fault{Status: 429}},
		{name: "closed connection", fault: slackfake.Fault{CloseConn: true}, unconfirmed: true},
		{name: "answer lost after the post", fault: slackfake.Fault{Lost: true}, unconfirmed: true},
		{name: "slack internal_error", fault: slackfake.Fault{SlackError: "internal_error"}},
		{name: "channel not found", fault: slackfake.Fault{SlackError: "channel_not_found"}, rejected: true},
		{name: "bot not in channel", fault: slackfake.Fault{SlackError: "not_in_channel"}, rejected: true},
		{name: "bad request", fault: slackfake.Fault{Status: 400}, rejected: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := slackfake.New()
			defer s.Close()
			s.Inject(tc.fault)
			_, err := newSink(t, s, Options{}).Send(context.Background(), notifyNotification())
			require.Error(t, err)
			require.Equal(t, tc.rejected, incident.IsRejected(err), "rejected: %v", err)
			require.Equal(t, tc.after, incident.RetryAfterOf(err))
			require.Equal(t, tc.everyone, incident.HoldsAllDestinations(err), "a 429 holds every channel: %v", err)
			require.Equal(t, tc.unconfirmed, incident.IsUnconfirmed(err), "unconfirmed: %v", err)
			require.NotContains(t, err.Error(), token)
		})
	}
}

func TestNoAnswerBeforeTheConnectionIsConfirmedNotSent(t *testing.T) {
	s := slackfake.New()
	s.Close() // nothing listens: the post never left
	sink := newSink(t, s, Options{})
	_, err := sink.Send(context.Background(), notifyNotification())
	require.Error(t, err)
	require.False(t, incident.IsUnconfirmed(err), "a refused connection delivered nothing: %v", err)
}

func TestDestinationsAndPacing(t *testing.T) {
	s := slackfake.New()
	defer s.Close()
	n := notifyNotification()
	bot := newSink(t, s, Options{PerChannel: 1, Burst: 3})
	require.Equal(t, "#checkout-alerts", bot.Destination(n), "each channel is its own destination")
	require.Equal(t, incident.Pacing{PerSecond: 1, Burst: 3, InFlight: 2}, bot.Pacing("#checkout-alerts"))
	hook := newSink(t, s, Options{WebhookURL: config.NewSecret(s.WebhookURL()), PerChannel: 1, Burst: 3})
	require.Equal(t, "webhook", hook.Destination(n), "an incoming webhook posts to one channel whatever the notification says")
}

// The notification's id travels in the post's metadata, so that a post
// whose answer was lost can be found.
func TestPostsCarryTheirNotification(t *testing.T) {
	s := slackfake.New()
	defer s.Close()
	n := notifyNotification()
	n.ID = "42"
	_, err := newSink(t, s, Options{}).Send(context.Background(), n)
	require.NoError(t, err)
	md := s.Messages()[0].Metadata
	require.Equal(t, "flinkslo_notification", md.EventType)
	require.Equal(t, map[string]any{"incident": "checkout/cart-sessions/cart-sessions/kafka_topic_authorization", "notification": "42"}, md.EventPayload)
}

func TestUnconfirmedPostIsLookedForBeforeRepeating(t *testing.T) {
	cases := []struct {
		name string
		// fault answers the first post.
		fault slackfake.Fault
		// posts is how many messages the channel ends with; history the
		// conversations.history calls for two notifications.
		posts, history int
	}{
		{name: "the post went through and its answer was lost", fault: slackfake.Fault{Lost: true}, posts: 2, history: 1},
		{name: "the connection broke before the post", fault: slackfake.Fault{CloseConn: true}, posts: 2, history: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := slackfake.New()
			defer s.Close()
			s.ChannelID("#checkout-alerts") // the channel exists
			sink := newSink(t, s, Options{})
			ctx := context.Background()
			a := notifyNotification()
			a.ID, a.At = "1", time.Now()
			b := a
			b.ID, b.Key.Job = "2", "other"
			s.Inject(tc.fault, tc.fault)
			_, err := sink.Send(ctx, a)
			require.True(t, incident.IsUnconfirmed(err))
			_, err = sink.Send(ctx, b)
			require.True(t, incident.IsUnconfirmed(err))

			// The retries: each notification is in the channel once, and
			// one read of its history served both.
			a.Unconfirmed, b.Unconfirmed = time.Now(), time.Now()
			ra, err := sink.Send(ctx, a)
			require.NoError(t, err)
			rb, err := sink.Send(ctx, b)
			require.NoError(t, err)
			msgs := s.Messages()
			require.Len(t, msgs, tc.posts)
			require.Equal(t, incident.Receipt{Channel: "#checkout-alerts", ThreadTS: msgs[0].TS}, ra, "the thread is the post that got through")
			require.Equal(t, msgs[1].TS, rb.ThreadTS)
			require.Equal(t, tc.history, s.Calls("conversations.history"))

			// A follow-up threads under it.
			rep := a
			rep.Action, rep.Unconfirmed = incident.Repeat, time.Time{}
			_, err = sink.Send(ctx, rep)
			require.NoError(t, err)
			require.Equal(t, msgs[0].TS, s.Messages()[len(s.Messages())-1].ThreadTS)
		})
	}
}

func TestLookingNeedsTheChannelsHistory(t *testing.T) {
	s := slackfake.New()
	defer s.Close()
	s.ChannelID("#checkout-alerts")
	sink := newSink(t, s, Options{})
	n := notifyNotification()
	n.ID, n.At = "1", time.Now()
	// The answer is lost, and the token may not read the channel: the
	// post goes out again rather than not at all.
	s.Inject(slackfake.Fault{Lost: true}, slackfake.Fault{SlackError: "missing_scope"})
	_, err := sink.Send(context.Background(), n)
	require.True(t, incident.IsUnconfirmed(err))
	n.Unconfirmed = time.Now()
	_, err = sink.Send(context.Background(), n)
	require.NoError(t, err)
	require.Len(t, s.Messages(), 2, "at least once when the history cannot be read")

	// History answering 500 is worth a retry, not a second post.
	n.ID = "2"
	s.Inject(slackfake.Fault{Lost: true}, slackfake.Fault{Status: 500})
	_, err = sink.Send(context.Background(), n)
	require.True(t, incident.IsUnconfirmed(err))
	n.Unconfirmed = time.Now()
	_, err = sink.Send(context.Background(), n)
	require.Error(t, err)
	require.False(t, incident.IsRejected(err))
	require.Len(t, s.Messages(), 3)
}

func TestNoChannelIsRejected(t *testing.T) {
	s := slackfake.New()
	defer s.Close()
	n := notifyNotification()
	n.SlackChannel = ""
	_, err := newSink(t, s, Options{}).Send(context.Background(), n)
	require.True(t, incident.IsRejected(err))
	require.Zero(t, s.Requests())
}

func TestWebhook(t *testing.T) {
	s := slackfake.New()
	defer s.Close()
	sink := newSink(t, s, Options{WebhookURL: config.NewSecret(s.WebhookURL())})
	ctx := context.Background()
	n := notifyNotification()
	rc, err := sink.Send(ctx, n)
	require.NoError(t, err)
	require.Equal(t, incident.Receipt{}, rc, "a webhook gives no ts to thread on")
	res := n
	res.Action, res.At = incident.Resolve, t0.Add(10*time.Minute)
	_, err = sink.Send(ctx, res)
	require.NoError(t, err)

	msgs := s.Messages()
	require.Len(t, msgs, 2)
	for _, m := range msgs {
		require.True(t, m.Webhook)
		require.Empty(t, m.ThreadTS)
		require.Equal(t, "#checkout-alerts", m.Channel)
	}
	require.Equal(t, "✅ RESOLVED · NOTIFY · kafka_topic_authorization", headerText(t, msgs[1]),
		"a follow-up without a thread names the incident")

	s.Inject(slackfake.Fault{CloseConn: true})
	_, err = sink.Send(ctx, n)
	require.Error(t, err)
	require.False(t, incident.IsRejected(err))
	require.NotContains(t, err.Error(), "webhooksecret", "the webhook URL is a secret")
}

func TestNeedsTokenOrWebhook(t *testing.T) {
	_, err := New(Options{})
	require.Error(t, err)
}

func sectionText(t *testing.T, m slackfake.Message) string {
	t.Helper()
	for _, b := range m.Blocks.BlockSet {
		if sb, ok := b.(*slackSection); ok && sb.Text != nil {
			return sb.Text.Text
		}
	}
	t.Fatalf("no section block in %+v", m)
	return ""
}

func headerText(t *testing.T, m slackfake.Message) string {
	t.Helper()
	for _, b := range m.Blocks.BlockSet {
		if hb, ok := b.(*slackHeader); ok {
			return hb.Text.Text
		}
	}
	t.Fatalf("no header block in %+v", m)
	return ""
}
