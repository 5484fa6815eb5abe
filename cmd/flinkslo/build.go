package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/export/promexport"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// buildOptions are what `run` and `demo` decide differently.
type buildOptions struct {
	log        *slog.Logger
	static     collector.TargetSource
	kubeconfig string
	shardIndex int
	shardCount int
	dryRun     bool
	// console forces the console sink next to any configured ones (demo).
	console bool
	// dryRunOut receives the dry-run lines; stdout when nil.
	dryRunOut io.Writer
	now       func() time.Time
	// kafkaOpts are extra options of the Kafka collector (tests).
	kafkaOpts []kafka.Option
	// leader and incidents come from leader election (nil: always leader,
	// incidents in the state file or memory).
	leader    alerting.Leader
	incidents alerting.StateStore
	lease     string // namespace/name of the Lease; "" without election
	// healthWait overrides how long an unexplained unhealthy job waits
	// before it opens an incident (demo).
	healthWait time.Duration
}

// parts are the running pieces of the daemon, built from the config.
type parts struct {
	reg   *prometheus.Registry
	store *fleet.Store
	loop  *collector.Loop
	// exporter renders the snapshot; /metrics serves it after reg's own
	// metrics (see promexport.Exposition).
	exporter *promexport.Exporter
	runners  []func(context.Context) error
	checks   []func() error
	// closers run after every runner has stopped.
	closers []func() error
}

// ready is the /readyz check: the first snapshot is published and every
// part that needs a warm-up (discovery) has it.
func (p *parts) ready() error {
	if p.store.Load() == nil {
		return errors.New("first scrape cycle not finished")
	}
	for _, c := range p.checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

// start runs every part in g; they stop when ctx ends.
func (p *parts) start(g *errgroup.Group, ctx context.Context) {
	for _, r := range p.runners {
		g.Go(func() error { return r(ctx) })
	}
}

// close releases what the parts hold once they have stopped.
func (p *parts) close() {
	for _, c := range p.closers {
		_ = c()
	}
}

func build(e *env, cfg *config.Config, o buildOptions) (*parts, error) {
	if o.now == nil {
		o.now = time.Now
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("flinkslo"),
	)
	p := &parts{reg: reg, store: fleet.NewStore()}
	lopts := collector.Options{
		Sources:    []collector.TargetSource{o.static},
		Store:      p.store,
		Config:     cfg,
		Logger:     o.log,
		Registerer: reg,
		Getenv:     e.getenv,
		Now:        o.now,
	}
	if err := wireClassifier(cfg, o, &lopts); err != nil {
		return nil, err
	}
	if err := wireKafka(cfg, e, o, p, &lopts); err != nil {
		return nil, err
	}
	rep, err := wireKube(cfg, e, &o, p, &lopts)
	if err != nil {
		return nil, err
	}
	loop, err := collector.NewLoop(lopts)
	if err != nil {
		return nil, err
	}
	p.loop = loop
	if rep != nil {
		rep.loop = loop
	}
	p.exporter = promexport.NewExporter(p.store)
	p.runners = append(p.runners, loop.Run)
	if err := registerLeader(o, p.reg); err != nil {
		return nil, err
	}
	if err := wireAlerting(cfg, e, o, p); err != nil {
		return nil, err
	}
	if err := wireDatadog(cfg, e, o, p); err != nil {
		return nil, err
	}
	return p, nil
}

// exposition is the /metrics handler: the registry's own metrics, then the
// snapshot's series.
func exposition(p *parts) *promexport.Exposition { return promexport.NewExposition(p.exporter, p.reg) }

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
