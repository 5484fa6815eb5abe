package main

import (
	"context"
	"fmt"
	"os"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/alerting/datadog"
	"github.com/flinkslo/flinkslo/collector/dogstatsd"
	"github.com/flinkslo/flinkslo/fleet"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/collector/kube"
	"github.com/flinkslo/flinkslo/collector/shard"
	"github.com/flinkslo/flinkslo/internal/config"
)

// The wire* functions connect the optional parts. Each does nothing when
// its section of the config is absent.

func wireClassifier(cfg *config.Config, o buildOptions, lo *collector.Options) error {
	c, err := classify.New(cfg.Classify, classify.WithLogger(o.log))
	if err != nil {
		return err
	}
	// A failure may precede the last healthy sighting of its job by up to
	// a scrape cycle (Flink's clock against the scrape's), and explain it.
	lo.Policy = classify.NewPolicy(c, o.now, classify.WithExplainSlack(2*cfg.ScrapeInterval.D()))
	return nil
}

// wireKafka measures consumer lag when a Kafka cluster is configured.
func wireKafka(cfg *config.Config, e *env, o buildOptions, p *parts, lo *collector.Options) error {
	if len(cfg.Kafka.Brokers) == 0 && len(cfg.Kafka.Clusters) == 0 {
		return nil
	}
	k, err := kafka.New(cfg.Kafka, e.getenv, o.log, o.kafkaOpts...)
	if err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	if err := p.reg.Register(k); err != nil {
		return fmt.Errorf("register kafka metrics: %w", err)
	}
	lo.Lag = k
	p.runners = append(p.runners, func(ctx context.Context) error {
		defer k.Close()
		return k.Run(ctx)
	})
	return nil
}

// wireKube shards the targets and, when the config has a kubernetes
// section, discovers Flink resources, reads pod failures and elects the
// replica that sends notifications. It returns the reporter that must be
// pointed at the Loop once the Loop exists (informers start only in Run,
// so nothing is reported before).
func wireKube(cfg *config.Config, e *env, o *buildOptions, p *parts, lo *collector.Options) (*loopReporter, error) {
	sh, err := shard.New(o.shardIndex, max(o.shardCount, 1))
	if err != nil {
		return nil, err
	}
	var owner kube.Owner // nil: this replica owns every target
	if sh.Count > 1 {
		owner = sh
		// The Loop splits every source's targets, static ones included;
		// discovery also skips the resources it does not own, so it builds
		// neither their targets nor their failure reports.
		lo.Filter = func(t fleet.Target) bool { return sh.Owns(t.Key()) }
	}
	kc := cfg.Kubernetes
	if kc == nil {
		return nil, nil
	}
	// client-go logs through klog; send it where everything else goes.
	klog.SetSlogLogger(o.log.With("component", "client-go"))
	rc, err := kube.RESTConfig(o.kubeconfig, e.getenv("KUBECONFIG"))
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %w", err)
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("kubernetes dynamic client: %w", err)
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	rep := &loopReporter{}
	d, err := kube.New(kube.Options{
		Config: kc, Dynamic: dyn, Client: client,
		Shard: owner, Reporter: rep, Logger: o.log.With("component", "kubernetes"),
	})
	if err != nil {
		return nil, err
	}
	lo.Sources = append(lo.Sources, d)
	p.runners = append(p.runners, d.Run)
	p.checks = append(p.checks, d.Ready)

	if !kc.LeaderElection.Enabled {
		return rep, nil
	}
	le := kc.LeaderElection
	le.LeaseName = kube.LeaseName(le.LeaseName, sh.Index, sh.Count)
	if le.Namespace == "" {
		le.Namespace = e.getenv("POD_NAMESPACE")
	}
	if le.Namespace == "" {
		if le.Namespace, err = kube.InClusterNamespace(); err != nil {
			return nil, fmt.Errorf("kubernetes.leaderElection.namespace is unset, $POD_NAMESPACE is empty, and %w", err)
		}
	}
	id := e.getenv("POD_NAME")
	if id == "" {
		if id, err = os.Hostname(); err != nil {
			return nil, fmt.Errorf("leader election identity: set $POD_NAME: %w", err)
		}
	}
	el, err := kube.NewElector(client, le, id, o.log.With("component", "leader-election"))
	if err != nil {
		return nil, err
	}
	p.last = append(p.last, el.Run)
	o.leader, o.lease, o.incidents = el, el.Lease(), el.StateStore()
	return rep, nil
}

// The Lease store says how much it holds, so that the router keeps the
// state within it.
var _ interface{ Limit() int } = (*kube.StateStore)(nil)

// loopReporter forwards operator and pod failures to the Loop, which is
// built after discovery.
type loopReporter struct{ loop *collector.Loop }

func (r *loopReporter) ReportFailure(f fleet.FailureReport) { r.loop.ReportFailure(f) }

// wireAlerting routes classified failures and health changes. Only the
// leader sends (o.leader nil: always); open incidents persist next to the
// counter state when a stateFile is set, or in the Lease (o.incidents).
func wireAlerting(cfg *config.Config, e *env, o buildOptions, p *parts) error {
	var events datadog.EventSender
	if d := cfg.Datadog; d != nil {
		// Every route sends events when datadog.events is on, and routes
		// with datadog: true do regardless (alerting.BuildSinks decides).
		c, err := statsd.New(d.Address, statsd.WithoutTelemetry(), statsd.WithTags(d.Tags))
		if err != nil {
			return fmt.Errorf("datadog events client: %w", err)
		}
		events = c
		p.closers = append(p.closers, c.Close)
	}
	sinks, err := alerting.BuildSinks(cfg, alerting.SinkOptions{
		Getenv: e.getenv, Events: events, Console: e.stdout, JSON: e.jsonOutput(),
		ForceConsole: o.console, DryRun: o.dryRun, Logger: o.log.With("component", "alerting"),
	})
	if err != nil {
		return err
	}
	store := o.incidents
	if store == nil && cfg.StateFile != "" {
		store = alerting.FileStore{Path: cfg.StateFile + ".incidents"}
	}
	r, err := alerting.New(alerting.Options{
		Config: cfg, Sinks: sinks, Leader: o.leader, Store: store,
		Logger: o.log, Registerer: p.reg, Now: o.now, HealthWait: o.healthWait,
	})
	if err != nil {
		return err
	}
	p.store.AddObserver(r)
	p.runners = append(p.runners, r.Run)
	return nil
}

// registerLeader exports whether this replica sends notifications (and,
// with Datadog, metrics): always without leader election.
func registerLeader(o buildOptions, reg prometheus.Registerer) error {
	var lease prometheus.Labels
	if o.lease != "" {
		lease = prometheus.Labels{"lease": o.lease}
	}
	err := reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "flinkslo_leader",
		Help:        "1 if this replica sends notifications: it holds its shard's Lease (label lease), or leader election is off.",
		ConstLabels: lease,
	}, func() float64 {
		if o.leader == nil || o.leader.IsLeader() {
			return 1
		}
		return 0
	}))
	if err != nil {
		return fmt.Errorf("register leader metric: %w", err)
	}
	return nil
}

// wireDatadog sends the signals to a DogStatsD agent.
func wireDatadog(cfg *config.Config, e *env, o buildOptions, p *parts) error {
	if cfg.Datadog == nil {
		return nil
	}
	opts := []dogstatsd.Option{dogstatsd.WithRegisterer(p.reg)}
	if o.leader != nil {
		opts = append(opts, dogstatsd.WithLeader(o.leader))
	}
	em, err := dogstatsd.New(*cfg.Datadog, o.log, opts...)
	if err != nil {
		return fmt.Errorf("datadog: %w", err)
	}
	p.store.AddObserver(em)
	p.runners = append(p.runners, func(ctx context.Context) error {
		defer em.Close()
		return em.Run(ctx)
	})
	return nil
}
