package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/cli"
	"github.com/flinkslo/flinkslo/internal/daemon"
	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// demoCmd runs a self-contained simulated fleet: JobManagers of every
// supported Flink line going through every failure mode flinkslo watches,
// a Kafka cluster with Flink-like consumer groups, and the real exporter,
// classifier and router against them.
type demoCmd struct {
	cycles  int
	noTable bool
	noKafka bool
	noStory bool
}

func (c *demoCmd) Register(app *kingpin.Application, e *cli.Env) *kingpin.CmdClause {
	cmd := app.Command("demo", "Run a self-contained simulated fleet with the real exporter: nothing to install or configure.")
	cmd.Flag("cycles", "Stop after this many scrape cycles (0: run until interrupted).").IntVar(&c.cycles)
	cmd.Flag("no-table", "Do not print the health table each cycle.").BoolVar(&c.noTable)
	cmd.Flag("no-kafka", "Do not start the simulated Kafka cluster.").BoolVar(&c.noKafka)
	cmd.Flag("no-story", "Keep the fleet healthy: do not play the story of failures and recoveries.").BoolVar(&c.noStory)
	return cmd
}

// demoDeployment is one simulated Flink deployment of the demo.
type demoDeployment struct {
	name, namespace string
	version         flinkfake.Version
	group           string // Kafka consumer group, if any
	suspended       bool
}

// demoFleet is a believable fleet of twenty deployments on every supported
// Flink line: healthy when the demo starts, one suspended. The story
// (story.go) then breaks some of them, the way production does, and lets
// them recover.
var demoFleet = []demoDeployment{
	{"orders-enrichment", "checkout", flinkfake.V1_20, "orders-enrichment", false},
	{"payments-fraud", "payments", flinkfake.V1_19, "payments-fraud", false},
	{"clickstream-sessions", "analytics", flinkfake.V2_0, "clickstream-sessions", false},
	{"inventory-sync", "supply", flinkfake.V1_18, "", false},
	{"fraud-scoring", "risk", flinkfake.V2_1, "", false},
	{"shipment-tracker", "logistics", flinkfake.V1_17, "", false},
	{"recommendations", "personalisation", flinkfake.V2_2, "", false},
	{"ad-attribution", "ads", flinkfake.V1_15, "", false},
	{"search-indexer", "search", flinkfake.V2_3, "", false},
	{"campaign-metrics", "marketing", flinkfake.V1_16, "", false},
	{"user-profiles", "identity", flinkfake.V1_20, "", false},
	{"price-alerts", "pricing", flinkfake.V2_1, "", false},
	{"ledger-balances", "finance", flinkfake.V1_19, "", false},
	{"email-events", "messaging", flinkfake.V1_18, "", false},
	{"geo-enrichment", "mobility", flinkfake.V2_0, "", false},
	{"session-replay", "web", flinkfake.V2_2, "", false},
	{"sensor-rollup", "iot", flinkfake.V1_17, "", false},
	{"churn-features", "datascience", flinkfake.V2_3, "", false},
	{"audit-log", "compliance", flinkfake.V1_16, "", false},
	{"quarterly-reports", "bi", flinkfake.V2_3, "", true},
}

func (c *demoCmd) Run(ctx context.Context, e *cli.Env) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	urls, jms, err := serveDemoFleet(ctx)
	if err != nil {
		return err
	}
	var brokers []string
	g, gctx := errgroup.WithContext(ctx)
	if !c.noKafka {
		kc, err := kafkafake.Start()
		if err != nil {
			return err
		}
		defer kc.Close()
		sim, err := kafkafake.NewSim(ctx, kc, demoGroups())
		if err != nil {
			return err
		}
		g.Go(func() error { return sim.Run(gctx) })
		brokers = kc.Brokers()
	}
	cfg, err := config.Parse([]byte(demoConfig(urls, brokers, storyWindows)))
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	log := e.Logger()
	// The demo routes as a platform would (PagerDuty, the platform channel,
	// each team's channel) but sends nothing: each console line says where
	// a notification would have gone.
	d, err := daemon.Build(cfg, daemon.Options{
		Log: log, Getenv: e.Getenv, Console: e.Stdout, JSON: e.JSON(),
		ForceConsole: true, DryRun: true, DryRunOut: io.Discard, HealthWait: storyWindows.healthWait, DisableUI: e.Web.DisableUI,
	})
	if err != nil {
		return err
	}
	srv, err := daemon.NewServer(e.Web.Listen, daemon.Endpoints{
		Telemetry: e.Web.Telemetry, Metrics: d.Metrics(), Ready: d.Ready,
		Status: d.Status(e.Web.Telemetry), WebConfigFile: e.Web.ConfigFile, Pprof: e.Web.EnablePprof,
	}, log)
	if err != nil {
		return err
	}
	c.banner(e, srv.Addr(), brokers)
	if !c.noTable && !e.JSON() {
		d.Observe(&tablePrinter{w: e.Stdout})
	}
	if c.cycles > 0 {
		d.Observe(stopAfter(c.cycles, cancel))
	}
	g.Go(func() error { return srv.Run(gctx) })
	if !c.noStory {
		g.Go(func() error { return tell(gctx, e.Stdout, e.JSON(), jms, time.Now()) })
	}
	d.Start(gctx, g)
	err = g.Wait()
	d.Close()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// banner says what runs and where; as a JSON line with --log.format=json,
// so that stdout stays JSON only.
func (c *demoCmd) banner(e *cli.Env, addr string, brokers []string) {
	scheme := "http"
	if e.Web.ConfigFile != "" {
		scheme = "http(s)" // the web config says whether it is TLS
	}
	lines := []string{
		fmt.Sprintf("flinkslo demo: %d simulated Flink deployments (Flink 1.15–2.3)%s on loopback.", len(demoFleet), kafkaNote(brokers)),
	}
	if !e.Web.DisableUI {
		lines = append(lines, fmt.Sprintf("Status page at %s://%s/ui/ — open it to watch the story: failures appearing, routed, resolving.", scheme, addr))
	}
	lines = append(lines,
		fmt.Sprintf("Metrics at %s://%s%s. The health table prints when the fleet's health changes; notifications print as they are routed, with where they go. Ctrl-C stops.", scheme, addr, e.Web.Telemetry))
	if !c.noStory {
		lines = append(lines, "In the next three minutes: a team's ACL error, the platform's checkpoint bucket, TaskManagers lost again and again, a team's bug, a JobManager answering 500, a stuck source, a slow operator — and their recoveries.")
	}
	for _, l := range lines {
		if e.JSON() {
			b, _ := json.Marshal(map[string]string{"time": time.Now().UTC().Format(time.RFC3339Nano), "demo": l, "url": "http://" + addr})
			fmt.Fprintf(e.Stdout, "%s\n", b)
			continue
		}
		fmt.Fprintln(e.Stdout, l)
	}
}

func kafkaNote(brokers []string) string {
	if len(brokers) == 0 {
		return ""
	}
	return " and a Kafka cluster with three Flink-like consumer groups"
}

// serveDemoFleet starts one loopback server per simulated JobManager and
// returns their URLs, in demoFleet order. They stop with ctx.
func serveDemoFleet(ctx context.Context) ([]string, map[string]*flinkfake.JobManager, error) {
	urls := make([]string, len(demoFleet))
	jms := make(map[string]*flinkfake.JobManager, len(demoFleet))
	for i, d := range demoFleet {
		jm := flinkfake.New(flinkfake.Options{
			Version: d.version, Cluster: d.name, Seed: d.namespace,
			Jobs:               []flinkfake.JobSpec{{Name: d.name}},
			CheckpointInterval: 5 * time.Second, RestartEvery: 20 * time.Second, RestartDelay: 5 * time.Second,
		})
		jms[d.name] = jm
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("listen for simulated jobmanager: %w", err)
		}
		srv := &http.Server{Handler: jm, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
		urls[i] = "http://" + ln.Addr().String()
	}
	return urls, jms, nil
}

// demoGroups are the consumer groups of the fleet's Kafka jobs, keeping up
// with their input (their lag is the checkpoint sawtooth).
func demoGroups() []kafkafake.Job {
	jobs := kafkafake.DemoJobs()
	for i := range jobs {
		jobs[i].Scenario, jobs[i].ConsumeRatio = kafkafake.KeepingUp, 0
	}
	return jobs
}

// demoWindows are the demo's windows that decide how soon a failure shows
// and a recovery resolves: the configuration's, and healthWait, how long
// an unexplained unhealthy job waits for a failure to explain it.
type demoWindows struct {
	scrape, detail, startupGrace, stuckAfter, backpressureAfter, resolveAfter, healthWait time.Duration
}

// storyWindows are short enough for the story to play out within about
// three minutes: a detail read every other scrape, so that a stuck job
// (stuckAfter 30 s) pages and a back-pressured one (backpressureAfter
// 20 s) reaches the platform channel about a minute after its beat.
var storyWindows = demoWindows{
	scrape: 5 * time.Second, detail: 10 * time.Second, startupGrace: 30 * time.Second,
	stuckAfter: 30 * time.Second, backpressureAfter: 20 * time.Second, resolveAfter: 30 * time.Second,
	healthWait: 10 * time.Second,
}

// demoConfig is the configuration a user would write for the demo fleet,
// with windows shortened so that everything happens within minutes.
func demoConfig(urls, brokers []string, w demoWindows) string {
	var b strings.Builder
	fmt.Fprintf(&b, `scrapeInterval: %s
scrapeTimeout: %s
detailInterval: %s
health:
  startupGrace: %s
  restartWindow: 1m
  restartThreshold: 3
  checkpointWindowFloor: 30s
  kafkaLagUnhealthyAfter: 30s
  stuckAfter: %s
  backpressureAfter: %s
classify:
  platformStorage: ["s3://plat-state-", "s3a://plat-state-"]
  escalation: { count: 3, window: 5m }
alerting:
  groupWindow: 1m
  resolveAfter: %s
  page: { pagerduty: { routingKeyEnv: PAGERDUTY_ROUTING_KEY } }
  monitor: { slack: { channel: "#flink-platform" } }
  notify: { slack: {} }
  slack: { tokenEnv: SLACK_BOT_TOKEN }
targets:
`, dur(w.scrape), dur(min(2*time.Second, w.scrape)), dur(w.detail), dur(w.startupGrace),
		dur(w.stuckAfter), dur(w.backpressureAfter), dur(w.resolveAfter))
	for i, d := range demoFleet {
		fmt.Fprintf(&b, "  - { name: %s, namespace: %s, team: %s, url: %q", d.name, d.namespace, d.namespace, urls[i])
		if d.suspended {
			b.WriteString(", suspended: true")
		}
		if d.group != "" && len(brokers) > 0 {
			fmt.Fprintf(&b, ", kafka: { consumerGroups: [%s] }", d.group)
		}
		b.WriteString(" }\n")
	}
	b.WriteString("teams:\n")
	for _, d := range demoFleet {
		fmt.Fprintf(&b, "  %s: { slackChannel: \"#%s-alerts\" }\n", d.namespace, d.namespace)
	}
	if len(brokers) > 0 {
		quoted := make([]string, len(brokers))
		for i, br := range brokers {
			quoted[i] = fmt.Sprintf("%q", br)
		}
		fmt.Fprintf(&b, "kafka:\n  brokers: [%s]\n  pollInterval: 5s\n  evaluationWindow: 1m\n", strings.Join(quoted, ", "))
	}
	return b.String()
}

func dur(d time.Duration) string { return config.Duration(d).String() }

// stopAfter cancels once n snapshots have been published.
type stopAfterObserver struct {
	left   int
	cancel func()
}

func stopAfter(n int, cancel func()) *stopAfterObserver {
	return &stopAfterObserver{left: n, cancel: cancel}
}

func (s *stopAfterObserver) Observe(*fleet.Snapshot) {
	if s.left--; s.left == 0 {
		s.cancel()
	}
}
