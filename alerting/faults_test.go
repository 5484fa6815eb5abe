package alerting

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	slackapi "github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/pdfake"
	"github.com/flinkslo/flinkslo/internal/slackfake"
)

const (
	testRoutingKey = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00"
	testSlackToken = "xoxb-fault-test"
)

// receivers are a fake PagerDuty and a fake Slack behind the real sinks.
type receivers struct {
	pd    *pdfake.Server
	slack *slackfake.Server
	r     *Router
}

func newReceivers(t *testing.T, d Delivery) *receivers {
	t.Helper()
	rc := &receivers{pd: pdfake.New(), slack: slackfake.New()}
	t.Cleanup(rc.pd.Close)
	t.Cleanup(rc.slack.Close)
	cfg := testConfig()
	cfg.Alerting.PagerDuty.EventsURL = rc.pd.URL()
	cfg.Alerting.Slack = config.SlackConnection{TokenEnv: "SLACK_TOKEN", APIURL: rc.slack.APIURL()}
	env := map[string]string{"PD_KEY": testRoutingKey, "SLACK_TOKEN": testSlackToken}
	sinks, err := BuildSinks(ConfigFrom(cfg), SinkOptions{Getenv: func(k string) string { return env[k] }})
	require.NoError(t, err)
	rc.r = newRouter(t, Options{Config: ConfigFrom(cfg), Sinks: sinks, Delivery: d})
	return rc
}

// settled reports how many notifications of sink were sent and dropped.
func (rc *receivers) settled(sink string) (sent, dropped float64) {
	return testutil.ToFloat64(rc.r.m.notifications.WithLabelValues("page", sink, resultSent)),
		testutil.ToFloat64(rc.r.m.notifications.WithLabelValues("page", sink, resultDropped))
}

func TestFaultsDeliverOnceOrCountADrop(t *testing.T) {
	always := func(f pdfake.Fault) []pdfake.Fault {
		out := make([]pdfake.Fault, 1000)
		for i := range out {
			out[i] = f
		}
		return out
	}
	cases := []struct {
		name       string
		pd         []pdfake.Fault
		slack      []slackfake.Fault
		pdEvents   int
		slackPosts int
		dropReason map[string]string // sink → reason
	}{
		{name: "pagerduty 500 twice", pd: []pdfake.Fault{{Status: 500}, {Status: 500}}, pdEvents: 1, slackPosts: 1},
		{name: "pagerduty 429 with Retry-After", pd: []pdfake.Fault{{Status: 429, RetryAfter: "1"}}, pdEvents: 1, slackPosts: 1},
		{name: "pagerduty hangs", pd: []pdfake.Fault{{Hang: true}}, pdEvents: 1, slackPosts: 1},
		{name: "pagerduty closes the connection", pd: []pdfake.Fault{{CloseConn: true}}, pdEvents: 1, slackPosts: 1},
		{name: "pagerduty rejects the event", pd: []pdfake.Fault{{Status: 400}}, slackPosts: 1,
			dropReason: map[string]string{SinkPagerDuty: dropRejected}},
		{name: "pagerduty down for good", pd: always(pdfake.Fault{Status: 503}), slackPosts: 1,
			dropReason: map[string]string{SinkPagerDuty: dropRetriesExhausted}},
		{name: "slack 429 with Retry-After", slack: []slackfake.Fault{{Status: 429, RetryAfter: "1"}}, pdEvents: 1, slackPosts: 1},
		{name: "slack 503", slack: []slackfake.Fault{{Status: 503}}, pdEvents: 1, slackPosts: 1},
		{name: "slack internal_error", slack: []slackfake.Fault{{SlackError: "internal_error"}}, pdEvents: 1, slackPosts: 1},
		{name: "slack hangs", slack: []slackfake.Fault{{Hang: true}}, pdEvents: 1, slackPosts: 1},
		{name: "slack closes the connection", slack: []slackfake.Fault{{CloseConn: true}}, pdEvents: 1, slackPosts: 1},
		{name: "slack channel not found", slack: []slackfake.Fault{{SlackError: "channel_not_found"}}, pdEvents: 1,
			dropReason: map[string]string{SinkSlack: dropRejected}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := fastDelivery()
			d.MaxAge = 3 * time.Second
			rc := newReceivers(t, d)
			rc.pd.Inject(tc.pd...)
			rc.slack.Inject(tc.slack...)
			run(t, rc.r)
			rc.r.Observe(withFailures(failure("orders", "enrich", "platform_code_exception", fleet.Page, time.Now())))

			for _, sink := range []string{SinkPagerDuty, SinkSlack} {
				require.Eventually(t, func() bool { s, d := rc.settled(sink); return s+d == 1 }, 10*time.Second, 10*time.Millisecond,
					"%s settles the notification", sink)
				_, dropped := rc.settled(sink)
				if reason, ok := tc.dropReason[sink]; ok {
					require.Equal(t, 1.0, dropped)
					require.Equal(t, 1.0, testutil.ToFloat64(rc.r.m.dropped.WithLabelValues(sink, reason)), "dropped as %s", reason)
				} else {
					require.Zero(t, dropped, "%s delivered", sink)
				}
			}
			require.Len(t, rc.pd.Events(), tc.pdEvents, "PagerDuty events, no duplicates")
			require.Len(t, rc.slack.Messages(), tc.slackPosts, "Slack posts, no duplicates")
			for _, e := range rc.pd.Events() {
				require.Equal(t, "trigger", e.Action)
				require.Equal(t, "flinkslo/orders/enrich/enrich/platform_code_exception", e.DedupKey)
				require.Equal(t, "critical", e.Payload.Severity)
			}
			for _, m := range rc.slack.Messages() {
				require.Equal(t, "#flink-platform", m.Channel, "a copy of the page in the platform channel")
				require.Equal(t, testSlackToken, m.Token)
			}
		})
	}
}

func TestExpiredInTheQueue(t *testing.T) {
	d := fastDelivery()
	d.RequestTimeout, d.MaxAge = 300*time.Millisecond, 200*time.Millisecond
	hung := &recSink{hang: true}
	r := newRouter(t, Options{Sinks: map[string]Sink{SinkConsole: hung}, Delivery: d})
	run(t, r)
	// Two incidents in the console's single lane: the first holds the
	// worker past the second's time.
	r.Observe(withFailures(
		failure("orders", "a", "platform_code_exception", fleet.Page, time.Now()),
		failure("orders", "b", "platform_code_exception", fleet.Page, time.Now())))
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(r.m.dropped.WithLabelValues(SinkConsole, dropExpired)) == 1 &&
			testutil.ToFloat64(r.m.dropped.WithLabelValues(SinkConsole, dropRetriesExhausted)) == 1
	}, 5*time.Second, 10*time.Millisecond, "one timed out retrying, the other expired waiting")
}

func TestSlackThreadsAcrossTheRouter(t *testing.T) {
	rc := newReceivers(t, fastDelivery())
	clk := newClock(t0)
	rc.r.now = clk.now
	rc.r.eng.cfg.since = t0.Add(-time.Hour)
	run(t, rc.r)
	f := failure("checkout", "cart", "sql_validation_error", fleet.Notify, t0)
	rc.r.Observe(&fleet.Snapshot{Failures: []fleet.Failure{f}, Targets: snap(unhealthy("checkout", "cart", &f, fleet.ReasonNotRunning)).Targets})
	require.Eventually(t, func() bool { return len(rc.slack.Messages()) == 1 }, 5*time.Second, 5*time.Millisecond)
	for i := 1; i <= 3; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		clk.set(at)
		rc.r.Observe(withFailures(failure("checkout", "cart", "sql_validation_error", fleet.Notify, at)))
	}
	clk.set(t0.Add(6 * time.Minute))
	rc.r.Observe(snap(healthy("checkout", "cart")))
	require.Eventually(t, func() bool { return len(rc.slack.Messages()) == 2 }, 5*time.Second, 5*time.Millisecond)
	// The router's ticker may have sent the repeat before it read the
	// healthy snapshot: the clock moves on only once it has.
	require.Eventually(t, func() bool {
		rc.r.mu.Lock()
		defer rc.r.mu.Unlock()
		jh := rc.r.eng.jobs[fleet.JobRef{Namespace: "checkout", Deployment: "cart", Job: "cart"}]
		return jh != nil && jh.healthy
	}, 5*time.Second, time.Millisecond)
	clk.set(t0.Add(11 * time.Minute))
	rc.r.Observe(snap(healthy("checkout", "cart")))
	require.Eventually(t, func() bool { return len(rc.slack.Messages()) == 3 }, 5*time.Second, 5*time.Millisecond)

	msgs := rc.slack.Messages()
	require.Equal(t, "#checkout-alerts", msgs[0].Channel)
	require.Empty(t, msgs[0].ThreadTS)
	for i, m := range msgs[1:] {
		require.Equal(t, "#checkout-alerts", m.Channel)
		require.Equal(t, msgs[0].TS, m.ThreadTS, "follow-up %d in the thread", i+1)
	}
	sec, ok := msgs[1].Blocks.BlockSet[0].(*slackapi.SectionBlock)
	require.True(t, ok)
	require.Equal(t, "*3 more occurrences in the last 6m (4 since opened)*\nLatest: sql_validation_error happened", sec.Text.Text)
	require.Empty(t, rc.pd.Events(), "a user error pages nobody")
}
