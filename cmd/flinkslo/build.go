package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kafka"
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
	now     func() time.Time
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
	// metrics (see collector.Exposition).
	exporter *collector.Exporter
	runners  []func(context.Context) error
	// last run until every runner has stopped: the leader election, so
	// that the Lease is released only after the router's last save (the
	// next leader starts from it, and a save racing the release would
	// keep the Lease held).
	last   []func(context.Context) error
	checks []func() error
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

// start runs every part in g; they stop when ctx ends, and the last ones
// once all the others have.
func (p *parts) start(g *errgroup.Group, ctx context.Context) {
	lastCtx, stopLast := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, r := range p.runners {
		wg.Add(1)
		g.Go(func() error { defer wg.Done(); return r(ctx) })
	}
	for _, r := range p.last {
		g.Go(func() error { return r(lastCtx) })
	}
	go func() { wg.Wait(); stopLast() }()
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
	p.exporter = collector.NewExporter(p.store)
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
func exposition(p *parts) *collector.Exposition { return collector.NewExposition(p.exporter, p.reg) }

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
