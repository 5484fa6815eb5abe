package status

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/history"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// rig is the whole of flinkslo behind the pages, with one fake clock:
// flinkfake JobManagers and a kfake Kafka cluster with Flink-like consumer
// groups, scraped by the real collector loop with the real classifier,
// policy and Kafka lag collector; the real history; the real router,
// delivering to sinks that answer like receivers do (one team's Slack
// channel does not exist). The fleet is a small version of the demo's.
type rig struct {
	clock  *flinkfake.Clock
	jms    map[string]*flinkfake.JobManager
	loop   *collector.Loop
	lag    *kafka.Collector
	sim    *kafkafake.Sim
	store  *fleet.Store
	hist   *history.History
	router *alerting.Router
	status *Handler
	// steps counts the router's steps (each reads the clock once), so
	// that a cycle waits for the router to have taken it.
	steps   atomic.Int64
	stopped chan error
	stop    func()
}

var rigStart = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// rigFleet is namespace (also the team), deployment, Kafka group.
var rigFleet = []struct{ ns, name, group string }{
	{"checkout", "orders-enrichment", "orders-enrichment"},
	{"payments", "payments-fraud", "payments-fraud"},
	{"supply", "inventory-sync", ""},
	{"logistics", "shipment-tracker", ""},
	{"risk", "fraud-scoring", ""},
	{"ads", "ad-attribution", ""},
	{"search", "search-indexer", ""},
	{"bi", "quarterly-reports", ""},
}

const rigYAML = `scrapeInterval: 15s
health:
  startupGrace: 30s
  restartWindow: 5m
  restartThreshold: 3
  checkpointWindowFloor: 1m
  kafkaLagUnhealthyAfter: 1m
classify:
  platformStorage: ["s3://plat-state-", "s3a://plat-state-"]
  escalation: { count: 3, window: 30m }
alerting:
  groupWindow: 2m
  resolveAfter: 2m
  page: { pagerduty: { routingKeyEnv: PD_KEY } }
  monitor: { slack: { channel: "#flink-platform" } }
  notify: { slack: {} }
  slack: { tokenEnv: SLACK_TOKEN }
  runbookURLTemplate: "https://runbooks.example.com/flink/{category}"
  flinkUIURLTemplate: "{url}/#/job/{job_id}/overview"
kafka:
  brokers: [%s]
  pollInterval: 15s
  evaluationWindow: 2m
targets:
%steams:
%s`

// receiver is a sink that answers as PagerDuty or Slack would; a Slack
// channel in missing does not exist.
type receiver struct {
	accepts func(incident.Action) bool
	missing string
}

func (s *receiver) Accepts(a incident.Action) bool { return s.accepts(a) }

func (s *receiver) Send(_ context.Context, n incident.Notification) (incident.Receipt, error) {
	if s.missing != "" && n.SlackChannel == s.missing {
		return incident.Receipt{}, incident.Reject(errors.New("slack: channel_not_found"))
	}
	return incident.Receipt{}, nil
}

type applier struct{ h *history.History }

func (a applier) Observe(s *fleet.Snapshot) { a.h.Apply(s) }

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	g := &rig{clock: flinkfake.NewClock(rigStart), jms: map[string]*flinkfake.JobManager{}, stopped: make(chan error, 1)}
	kc, err := kafkafake.Start()
	require.NoError(t, err)
	t.Cleanup(kc.Close)
	var groups []kafkafake.Job
	for _, j := range kafkafake.DemoJobs() {
		if j.Group == "orders-enrichment" || j.Group == "payments-fraud" {
			j.Scenario, j.ConsumeRatio = kafkafake.KeepingUp, 0
			groups = append(groups, j)
		}
	}
	g.sim, err = kafkafake.NewSim(ctx, kc, groups, kafkafake.WithClock(g.clock.Now))
	require.NoError(t, err)

	var targets, teams strings.Builder
	for _, d := range rigFleet {
		jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: g.clock.Now, Cluster: d.name, Seed: d.ns, Jobs: []flinkfake.JobSpec{{Name: d.name}},
			CheckpointInterval: 10 * time.Second, RestartEvery: 40 * time.Second, RestartDelay: 10 * time.Second})
		g.jms[d.name] = jm
		fmt.Fprintf(&targets, "  - { name: %s, namespace: %s, team: %s, url: %q", d.name, d.ns, d.ns, srv.URL)
		if d.name == "quarterly-reports" {
			targets.WriteString(", suspended: true")
		}
		if d.group != "" {
			fmt.Fprintf(&targets, ", kafka: { consumerGroups: [%s] }", d.group)
		}
		targets.WriteString(" }\n")
		fmt.Fprintf(&teams, "  %s: { slackChannel: \"#%s-alerts\" }\n", d.ns, d.ns)
	}
	brokers := `"` + strings.Join(kc.Brokers(), `", "`) + `"`
	cfg, err := config.Parse([]byte(fmt.Sprintf(rigYAML, brokers, targets.String(), teams.String())))
	require.NoError(t, err)

	log := slog.New(slog.DiscardHandler)
	g.lag, err = kafka.New(cfg.Kafka, func(string) string { return "" }, log, kafka.WithClock(g.clock.Now))
	require.NoError(t, err)
	t.Cleanup(g.lag.Close)
	cls, err := classify.New(cfg.Classify)
	require.NoError(t, err)
	g.store = fleet.NewStore()
	g.loop, err = collector.NewLoop(collector.Options{
		Sources: []collector.TargetSource{collector.StaticSource(collector.StaticTargets(cfg))},
		Store:   g.store, Config: collector.ConfigFrom(cfg), Policy: classify.NewPolicy(cls, g.clock.Now), Lag: g.lag,
		Now: g.clock.Now, Logger: log, Registerer: prometheus.NewRegistry(),
	})
	require.NoError(t, err)
	g.hist = history.New(history.Options{})
	g.store.AddObserver(applier{g.hist})

	pd := &receiver{accepts: func(a incident.Action) bool {
		return a == incident.Trigger || a == incident.Remind || a == incident.Resolve
	}}
	sl := &receiver{accepts: func(a incident.Action) bool { return a != incident.Occurrence }, missing: "#risk-alerts"}
	g.router, err = alerting.New(alerting.Options{
		Config: alerting.ConfigFrom(cfg), Sinks: map[string]alerting.Sink{alerting.SinkPagerDuty: pd, alerting.SinkSlack: sl},
		Now: func() time.Time { g.steps.Add(1); return g.clock.Now() }, Start: rigStart, Logger: log,
		HealthWait: 30 * time.Second, Tick: time.Hour,
		Delivery: alerting.Delivery{InitialBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond},
	})
	require.NoError(t, err)
	g.store.AddObserver(g.router)
	go func() { g.stopped <- g.router.Run(ctx) }()
	require.Eventually(t, func() bool { return g.steps.Load() > 0 }, 10*time.Second, time.Millisecond)

	g.status = New(Options{
		Snapshots: g.store, History: g.hist, Incidents: g.router, Now: g.clock.Now,
		Links: Links{FlinkUI: cfg.Alerting.FlinkUIURLTemplate, Runbook: cfg.Alerting.RunbookURLTemplate},
	})
	var once sync.Once
	g.stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-g.stopped)
		})
	}
	t.Cleanup(g.stop)
	return g
}

// cycles advances the clock and runs n scrape cycles, 15s apart, each
// routed before the next.
func (g *rig) cycles(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	for range n {
		// Kafka moves in between: records arrive all the time, offsets
		// are committed with each checkpoint (10s), so the lag polled is
		// the sawtooth of a Flink job.
		for range 3 {
			g.clock.Advance(5 * time.Second)
			require.NoError(t, g.sim.Step(ctx))
		}
		require.NoError(t, g.lag.Poll(ctx))
		before := g.steps.Load()
		g.loop.RunOnce(ctx)
		require.Eventually(t, func() bool { return g.steps.Load() > before }, 10*time.Second, time.Millisecond)
	}
}

func (g *rig) set(t *testing.T, name string, s flinkfake.Scenario, k flinkfake.FailureKind) {
	t.Helper()
	require.NoError(t, g.jms[name].SetJobScenario(name, s, k))
}

// story plays a short version of the demo's story: five failures, one
// per audience, and two recoveries; then stops the router so that every
// notification has been delivered.
func (g *rig) story(t *testing.T) {
	t.Helper()
	g.cycles(t, 20) // five healthy minutes
	g.set(t, "payments-fraud", flinkfake.RestartLoop, flinkfake.UserConfig)
	g.set(t, "inventory-sync", flinkfake.RestartLoop, flinkfake.CheckpointStorage)
	g.set(t, "shipment-tracker", flinkfake.RestartLoop, flinkfake.Transient)
	g.set(t, "fraud-scoring", flinkfake.Failed, flinkfake.UserCode)
	g.jms["ad-attribution"].SetScenario(flinkfake.HTTP500)
	g.cycles(t, 24) // six minutes of failures
	g.set(t, "payments-fraud", flinkfake.Healthy, flinkfake.UserConfig)
	g.jms["ad-attribution"].SetScenario(flinkfake.Healthy)
	g.cycles(t, 36) // nine minutes: two recover and resolve, three stay broken
	g.stop()
}
