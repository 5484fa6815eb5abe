package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/collector"
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
}

func (c *demoCmd) register(app *kingpin.Application, e *env) *kingpin.CmdClause {
	cmd := app.Command("demo", "Run a self-contained simulated fleet with the real exporter: nothing to install or configure.")
	cmd.Flag("cycles", "Stop after this many scrape cycles (0: run until interrupted).").IntVar(&c.cycles)
	cmd.Flag("no-table", "Do not print the health table each cycle.").BoolVar(&c.noTable)
	cmd.Flag("no-kafka", "Do not start the simulated Kafka cluster.").BoolVar(&c.noKafka)
	return cmd
}

// demoDeployment is one simulated Flink deployment of the demo.
type demoDeployment struct {
	name, namespace string
	version         flinkfake.Version
	scenario        flinkfake.Scenario
	failure         flinkfake.FailureKind
	group           string // Kafka consumer group, if any
	suspended       bool
}

// demoFleet covers every scenario and failure route across Flink 1.15–2.3.
var demoFleet = []demoDeployment{
	{"orders-enrichment", "checkout", flinkfake.V1_20, flinkfake.Healthy, 0, "orders-enrichment", false},
	{"payments-fraud", "payments", flinkfake.V1_19, flinkfake.RestartLoop, flinkfake.UserConfig, "payments-fraud", false},
	{"clickstream-sessions", "analytics", flinkfake.V2_0, flinkfake.CheckpointsStalled, 0, "clickstream-sessions", false},
	{"inventory-sync", "supply", flinkfake.V1_18, flinkfake.CheckpointsFailing, flinkfake.CheckpointStorage, "", false},
	{"fraud-scoring", "risk", flinkfake.V2_1, flinkfake.Failed, flinkfake.PlatformBug, "", false},
	{"shipment-tracker", "logistics", flinkfake.V1_17, flinkfake.RestartLoop, flinkfake.Transient, "", false},
	{"recommendations", "personalisation", flinkfake.V2_2, flinkfake.TasksNotRunning, 0, "", false},
	{"ad-attribution", "ads", flinkfake.V1_15, flinkfake.HTTP500, 0, "", false},
	{"search-indexer", "search", flinkfake.V2_3, flinkfake.InvalidJSON, 0, "", false},
	{"campaign-metrics", "marketing", flinkfake.V1_16, flinkfake.Slow, 0, "", false},
	{"quarterly-reports", "bi", flinkfake.V2_3, flinkfake.Healthy, 0, "", true},
}

func (c *demoCmd) run(ctx context.Context, e *env) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	urls, err := serveDemoFleet(ctx)
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
		sim, err := kafkafake.NewSim(ctx, kc, kafkafake.DemoJobs())
		if err != nil {
			return err
		}
		g.Go(func() error { return sim.Run(gctx) })
		brokers = kc.Brokers()
	}
	cfg, err := config.Parse([]byte(demoConfig(urls, brokers)))
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	log := e.logger()
	static := &reloadable{}
	static.set(collector.StaticTargets(cfg))
	p, err := build(e, cfg, buildOptions{log: log, static: static, console: true, healthWait: 10 * time.Second})
	if err != nil {
		return err
	}
	srv, err := newServer(e.web.listen, e.web.telemetry, exposition(p), p.ready, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "flinkslo demo: %d simulated Flink deployments (Flink 1.15–2.3)%s on loopback.\n", len(demoFleet), kafkaNote(brokers))
	fmt.Fprintf(e.stdout, "Metrics at http://%s%s — health table every %s; notifications print as they are routed. Ctrl-C stops.\n",
		srv.addr(), e.web.telemetry, cfg.ScrapeInterval)
	if !c.noTable {
		p.store.AddObserver(&tablePrinter{w: e.stdout})
	}
	if c.cycles > 0 {
		p.store.AddObserver(stopAfter(c.cycles, cancel))
	}
	g.Go(func() error { return srv.Run(gctx) })
	p.start(g, gctx)
	err = g.Wait()
	p.close()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func kafkaNote(brokers []string) string {
	if len(brokers) == 0 {
		return ""
	}
	return " and a Kafka cluster with three Flink-like consumer groups"
}

// serveDemoFleet starts one loopback server per simulated JobManager and
// returns their URLs, in demoFleet order. They stop with ctx.
func serveDemoFleet(ctx context.Context) ([]string, error) {
	urls := make([]string, len(demoFleet))
	for i, d := range demoFleet {
		jm := flinkfake.New(flinkfake.Options{
			Version: d.version, Cluster: d.name, Seed: d.namespace,
			Jobs:               []flinkfake.JobSpec{{Name: d.name, Scenario: d.scenario, Failure: d.failure}},
			CheckpointInterval: 5 * time.Second, RestartEvery: 20 * time.Second, RestartDelay: 5 * time.Second,
		})
		if d.scenario >= flinkfake.Slow {
			jm.SetScenario(d.scenario)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("listen for simulated jobmanager: %w", err)
		}
		srv := &http.Server{Handler: jm, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
		urls[i] = "http://" + ln.Addr().String()
	}
	return urls, nil
}

// demoConfig is the configuration a user would write for the demo fleet,
// with windows shortened so that everything happens within minutes.
func demoConfig(urls, brokers []string) string {
	var b strings.Builder
	b.WriteString(`scrapeInterval: 5s
scrapeTimeout: 2s
health:
  startupGrace: 30s
  restartWindow: 2m
  restartThreshold: 3
  checkpointWindowFloor: 30s
  kafkaLagUnhealthyAfter: 30s
classify:
  platformStorage: ["s3://plat-state-", "s3a://plat-state-"]
  escalation: { count: 3, window: 5m }
alerting:
  groupWindow: 1m
  resolveAfter: 30s
targets:
`)
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
