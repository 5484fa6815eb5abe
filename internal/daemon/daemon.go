// Package daemon builds flinkslo's running parts from a configuration and
// wires them in the direction the data flows: discovery and the static
// targets feed the scrape loop, which publishes snapshots that the
// exporters, the alerting router and the status page consume. Every part
// gets its own section of the configuration; each build step returns what
// it made rather than changing shared state, so the order of the steps is
// only the order of the flow. Both binaries use it: `flinkslo run`, and the
// simulator's `demo`.
package daemon

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/export/promexport"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/history"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Options are what the commands decide differently about the same config.
type Options struct {
	Log    *slog.Logger
	Getenv func(string) string
	// Console receives the console sink's lines; JSON makes them JSON.
	Console io.Writer
	JSON    bool
	// Kubeconfig, when set, is where discovery finds the API server.
	Kubeconfig string
	// ShardIndex of ShardCount (1 when unset) is this replica's share.
	ShardIndex, ShardCount int
	// ShardFromStatefulSet derives the shard from $POD_NAME's StatefulSet
	// instead: its ordinal of the StatefulSet's replicas, followed live.
	ShardFromStatefulSet bool
	// DryRun sends nothing and prints what would be sent, to DryRunOut
	// (Console when nil).
	DryRun    bool
	DryRunOut io.Writer
	// ForceConsole prints every notification next to the configured sinks
	// (the demo).
	ForceConsole bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// KafkaOpts are extra options of the Kafka collector (tests).
	KafkaOpts []kafka.Option
	// HealthWait overrides how long an unexplained unhealthy job waits
	// before it opens an incident (the demo).
	HealthWait time.Duration
	// Version is the build's version, for the OTLP resource.
	Version string
	// DisableUI builds no status pages and keeps no history for them.
	DisableUI bool
}

// Daemon is flinkslo's running parts.
type Daemon struct {
	Registry *prometheus.Registry
	Store    *fleet.Store
	Loop     *collector.Loop

	static   *StaticTargets
	policy   *policySwitch
	exporter *promexport.Exporter
	kafka    *kafka.Collector // nil without Kafka
	reload   *reloadMetrics
	cfg      *config.Config // what runs now (replaced by a reload)
	log      *slog.Logger

	router  *alerting.Router
	history *history.History

	runners []func(context.Context) error
	// last run until every runner has stopped: the leader election, so
	// that the Lease is released only after the router's last save (the
	// next leader starts from it, and a save racing the release would
	// keep the Lease held).
	last   []func(context.Context) error
	checks []func() error
	// closers run after every runner has stopped.
	closers []func() error
}

// Build makes the parts; nothing does I/O until Start.
func Build(cfg *config.Config, o Options) (*Daemon, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Console == nil {
		o.Console = io.Discard
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(),
	)
	d := &Daemon{
		Registry: reg, Store: fleet.NewStore(), static: NewStaticTargets(collector.StaticTargets(cfg)),
		cfg: cfg, log: o.Log, reload: newReloadMetrics(reg, o.Now),
	}
	policy, err := newPolicy(cfg, o)
	if err != nil {
		return nil, err
	}
	d.policy = policy
	kube, err := d.buildKube(cfg, o)
	if err != nil {
		return nil, err
	}
	lag, err := d.buildKafka(cfg, o, kube.owns)
	if err != nil {
		return nil, err
	}
	sources := []collector.TargetSource{d.static}
	if kube.discovery != nil {
		sources = append(sources, kube.discovery)
	}
	loop, err := collector.NewLoop(collector.Options{
		Sources: sources, Filter: kube.filter, Store: d.Store, Config: collector.ConfigFrom(cfg),
		Policy: d.policy, Lag: lag, Logger: o.Log, Registerer: reg, Getenv: o.Getenv, Now: o.Now,
	})
	if err != nil {
		return nil, err
	}
	d.Loop = loop
	d.runners = append(d.runners, loop.Run)
	d.exporter = promexport.NewExporter(d.Store)
	var el interface {
		IsLeader() bool
		Lease() string
	}
	if kube.elector != nil {
		el = kube.elector
	}
	if err := registerLeader(el, reg); err != nil {
		return nil, err
	}
	if err := d.buildAlerting(cfg, o, kube); err != nil {
		return nil, err
	}
	if err := d.buildDatadog(cfg, o, kube); err != nil {
		return nil, err
	}
	if err := d.buildOTLP(cfg, o); err != nil {
		return nil, err
	}
	d.buildHistory(cfg, o)
	return d, nil
}

// Ready is the /readyz check: the first snapshot is published and every
// part that needs a warm-up (discovery) has it.
func (d *Daemon) Ready() error {
	if d.Store.Load() == nil {
		return errors.New("first scrape cycle not finished")
	}
	for _, c := range d.checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

// Start runs every part in g; they stop when ctx ends, and the last ones
// once all the others have.
func (d *Daemon) Start(ctx context.Context, g *errgroup.Group) {
	lastCtx, stopLast := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, r := range d.runners {
		wg.Add(1)
		g.Go(func() error { defer wg.Done(); return r(ctx) })
	}
	for _, r := range d.last {
		g.Go(func() error { return r(lastCtx) })
	}
	go func() { wg.Wait(); stopLast() }()
}

// Close releases what the parts hold once they have stopped.
func (d *Daemon) Close() {
	for _, c := range d.closers {
		_ = c()
	}
}

// Metrics is the /metrics handler: the registry's own metrics, then the
// snapshot's series and the Kafka views', each rendered once per cycle or
// poll.
func (d *Daemon) Metrics() http.Handler {
	if d.kafka == nil {
		return promexport.NewExposition(d.exporter, d.Registry)
	}
	return promexport.NewExposition(d.exporter, d.Registry, promexport.NewKafkaSource(d.kafka))
}

// Exporter renders the snapshot's series (tests compare its families with
// the README).
func (d *Daemon) Exporter() *promexport.Exporter { return d.exporter }

// Config is the configuration the daemon runs with.
func (d *Daemon) Config() *config.Config { return d.cfg }

// Observe adds o to the snapshot's readers (the demo's table).
func (d *Daemon) Observe(o fleet.Observer) { d.Store.AddObserver(o) }

// Alerting's part of the build: the router reads the snapshots.
var _ fleet.Observer = (*alerting.Router)(nil)
