package alerting

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/pdfake"
	"github.com/flinkslo/flinkslo/internal/slackfake"
)

// rig is the whole path: flinkfake JobManagers scraped by the real
// collector loop with the real classifier and escalator, the router built
// from a YAML config by BuildSinks, and fake Slack and PagerDuty behind the
// real sinks. One fake clock drives Flink, the collector and the router.
type rig struct {
	clock *flinkfake.Clock
	jms   map[string]*flinkfake.JobManager
	loop  *collector.Loop
	r     *Router
	pd    *pdfake.Server
	slack *slackfake.Server
	stop  func()
}

const e2eYAML = `
targets:
  - {name: cart, namespace: checkout, team: checkout, url: %s}
  - {name: enrich, namespace: orders, team: orders, url: %s}
  - {name: scoring, namespace: risk, team: risk, url: %s}
teams:
  checkout: {slackChannel: "#checkout-alerts"}
  orders: {slackChannel: "#orders-alerts"}
  risk: {slackChannel: "#risk-alerts"}
alerting:
  page: {pagerduty: {routingKeyEnv: PD_KEY}}
  monitor: {slack: {channel: "#flink-platform"}}
  notify: {slack: {}}
  slack: {tokenEnv: SLACK_TOKEN, apiURL: %q}
  pagerduty: {eventsURL: %q}
  resolveAfter: 2m
classify:
  escalation: {count: 3, window: 30m}
  platformStorage: ["s3a://plat-state-", "s3://plat-state-"]
`

func newRig(t *testing.T) *rig {
	t.Helper()
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	g := &rig{clock: flinkfake.NewClock(start), jms: map[string]*flinkfake.JobManager{}, pd: pdfake.New(), slack: slackfake.New()}
	t.Cleanup(g.pd.Close)
	t.Cleanup(g.slack.Close)
	var urls []any
	for _, name := range []string{"cart", "enrich", "scoring"} {
		jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: g.clock.Now, Cluster: name, Jobs: []flinkfake.JobSpec{{Name: name}}})
		g.jms[name] = jm
		urls = append(urls, srv.URL)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(e2eYAML, append(urls, g.slack.APIURL(), g.pd.URL())...)))
	require.NoError(t, err)

	cls, err := classify.New(cfg.Classify)
	require.NoError(t, err)
	store := fleet.NewStore()
	g.loop, err = collector.NewLoop(collector.Options{
		Sources: []collector.TargetSource{collector.StaticSource(collector.StaticTargets(cfg))},
		Store:   store, Config: collector.ConfigFrom(cfg), Policy: classify.NewPolicy(cls, g.clock.Now),
		Now: g.clock.Now, Logger: slog.New(slog.DiscardHandler), Registerer: prometheus.NewRegistry(),
	})
	require.NoError(t, err)

	// Slack paces the platform channel to one post a second, and the test
	// makes minutes pass in milliseconds: give the queues time to drain.
	d := fastDelivery()
	d.Drain = 30 * time.Second
	env := map[string]string{"PD_KEY": testRoutingKey, "SLACK_TOKEN": testSlackToken}
	sinks, err := BuildSinks(ConfigFrom(cfg), SinkOptions{Getenv: func(k string) string { return env[k] }})
	require.NoError(t, err)
	g.r, err = New(Options{Config: ConfigFrom(cfg), Sinks: sinks, Now: g.clock.Now, Start: start, Delivery: d})
	require.NoError(t, err)
	store.AddObserver(g.r)

	// The sink queues run for real; the routing steps are taken by the
	// test after each scrape, so that what the router decided is known.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, q := range g.r.queues {
		wg.Go(func() { q.run(ctx) })
	}
	var once sync.Once
	g.stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(g.stop)
	return g
}

// cycles scrapes and routes n times, 15s apart.
func (g *rig) cycles(n int) {
	for range n {
		g.clock.Advance(15 * time.Second)
		g.loop.RunOnce(context.Background())
		g.r.step(context.Background())
	}
}

func (g *rig) set(t *testing.T, job string, s flinkfake.Scenario, k flinkfake.FailureKind) {
	t.Helper()
	require.NoError(t, g.jms[job].SetJobScenario(job, s, k))
}

// route is where the router has the open incident of job in category, or "".
func (g *rig) route(ns, job, category string) fleet.Route {
	g.r.mu.Lock()
	defer g.r.mu.Unlock()
	if inc, ok := g.r.eng.open[incident.Key{JobRef: fleet.JobRef{Namespace: ns, Deployment: job, Job: job}, Category: category}]; ok {
		return inc.route
	}
	return ""
}

// pdActions lists the PagerDuty event actions for job's incidents.
func (g *rig) pdActions(job string) []string {
	var out []string
	for _, e := range g.pd.Events() {
		if strings.Contains(e.DedupKey, "/"+job+"/"+job+"/") {
			out = append(out, e.Action)
		}
	}
	return out
}

func (g *rig) inChannel(ch string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range g.slack.Messages() {
		if m.Channel == ch {
			out = append(out, m)
		}
	}
	return out
}

// TestEndToEnd follows three jobs from healthy through their failures to
// recovery: a user configuration error, a platform bug and a transient
// TaskManager loss that keeps repeating.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	g := newRig(t)
	g.cycles(1) // all healthy: nothing to say
	require.Empty(t, g.r.eng.out)

	g.set(t, "cart", flinkfake.Failed, flinkfake.UserConfig)
	g.set(t, "enrich", flinkfake.RestartLoop, flinkfake.PlatformBug)
	g.set(t, "scoring", flinkfake.RestartLoop, flinkfake.Transient)

	// The first restarts: the transient cause is a monitor message, not a page.
	g.cycles(3)
	cat := "tm_heartbeat_timeout"
	require.Equal(t, fleet.Monitor, g.route("risk", "scoring", cat), "a first TaskManager loss is watched, not paged")
	require.Eventually(t, func() bool { return len(g.inChannel("#flink-platform")) >= 1 }, 10*time.Second, 10*time.Millisecond)
	require.Empty(t, g.pdActions("scoring"), "no page for a transient cause")

	// It keeps repeating: past the escalation threshold it pages.
	g.cycles(8)
	require.Equal(t, fleet.Page, g.route("risk", "scoring", cat), "repeated past the threshold, it escalates")

	// The platform bug is fixed and the TaskManagers are back: both jobs
	// recover once their restarts leave the restart window.
	g.set(t, "enrich", flinkfake.Healthy, flinkfake.PlatformBug)
	g.set(t, "scoring", flinkfake.Healthy, flinkfake.Transient)
	g.cycles(4 * 16) // 16 minutes
	g.stop()         // drain the queues

	t.Run("a user configuration error is one message in the team's channel", func(t *testing.T) {
		msgs := g.inChannel("#checkout-alerts")
		require.Len(t, msgs, 1)
		require.Empty(t, msgs[0].ThreadTS)
		require.Contains(t, msgs[0].Text, "NOTIFY: checkout/cart")
		require.Empty(t, g.pdActions("cart"), "nobody is paged for it")
		require.Empty(t, g.inChannel("#orders-alerts"), "pages and monitors stay out of team channels")
		require.Empty(t, g.inChannel("#risk-alerts"))
	})
	t.Run("a platform failure is one trigger and after recovery one resolve", func(t *testing.T) {
		require.Equal(t, []string{"trigger", "resolve"}, g.pdActions("enrich"))
	})
	t.Run("a transient failure pages only once it repeats", func(t *testing.T) {
		require.Equal(t, []string{"trigger", "resolve"}, g.pdActions("scoring"))
		var first *slackfake.Message
		for _, m := range g.inChannel("#flink-platform") {
			if m.ThreadTS == "" && strings.Contains(m.Text, "risk/scoring") {
				first = &m
				break
			}
		}
		require.NotNil(t, first, "a monitor message in the platform channel")
		require.Contains(t, first.Text, "MONITOR: risk/scoring "+cat)
		var thread []string
		for _, m := range g.inChannel("#flink-platform") {
			if m.ThreadTS == first.TS {
				thread = append(thread, m.Text)
			}
		}
		require.NotEmpty(t, thread)
		require.Contains(t, thread[0], "PAGE: risk/scoring "+cat, "the escalation follows in the thread")
		require.True(t, strings.HasPrefix(thread[len(thread)-1], "healthy again"), "and the recovery: %q", thread[len(thread)-1])
	})
	t.Run("every notification was delivered", func(t *testing.T) {
		for _, sink := range []string{SinkPagerDuty, SinkSlack} {
			for _, reason := range dropReasons {
				require.Zero(t, testutil.ToFloat64(g.r.m.dropped.WithLabelValues(sink, reason)), "%s dropped as %s", sink, reason)
			}
		}
	})
	t.Run("nothing stays open", func(t *testing.T) {
		require.Empty(t, g.pd.Open())
	})
}
