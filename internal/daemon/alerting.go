package daemon

import (
	"context"
	"fmt"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/alerting/datadog"
	"github.com/flinkslo/flinkslo/export/dogstatsd"
	"github.com/flinkslo/flinkslo/internal/config"
)

// leader is the Lease's say on who sends; nil (always this replica)
// without leader election. It is an interface value only when there is an
// elector: a nil *Elector in an interface would not be nil.
func (kp kubeParts) leader() alerting.Leader {
	if kp.elector == nil {
		return nil
	}
	return kp.elector
}

// buildAlerting routes classified failures and health changes. Only the
// leader sends; open incidents persist next to the counter state when a
// stateFile is set, or in the Lease with leader election.
func (d *Daemon) buildAlerting(cfg *config.Config, o Options, kp kubeParts) error {
	var events datadog.EventSender
	if dd := cfg.Datadog; dd != nil {
		// Every route sends events when datadog.events is on, and routes
		// with datadog: true do regardless (alerting.BuildSinks decides).
		c, err := statsd.New(dd.Address, statsd.WithoutTelemetry(), statsd.WithTags(dd.Tags))
		if err != nil {
			return fmt.Errorf("datadog events client: %w", err)
		}
		events = c
		d.closers = append(d.closers, c.Close)
	}
	acfg := alerting.ConfigFrom(cfg)
	sinks, err := alerting.BuildSinks(acfg, alerting.SinkOptions{
		Getenv: o.Getenv, Events: events, Console: o.Console, JSON: o.JSON,
		ForceConsole: o.ForceConsole, DryRun: o.DryRun, DryRunOutput: o.DryRunOut, Logger: o.Log.With("component", "alerting"),
	})
	if err != nil {
		return err
	}
	var store alerting.StateStore
	switch {
	case kp.elector != nil:
		store = kp.elector.StateStore()
	case cfg.StateFile != "":
		store = alerting.FileStore{Path: cfg.StateFile + ".incidents"}
	}
	r, err := alerting.New(alerting.Options{
		Config: acfg, Sinks: sinks, Leader: kp.leader(), Store: store,
		Logger: o.Log, Registerer: d.Registry, Now: o.Now, HealthWait: o.HealthWait,
	})
	if err != nil {
		return err
	}
	d.Store.AddObserver(r)
	d.router = r
	d.runners = append(d.runners, r.Run)
	return nil
}

// registerLeader exports whether this replica sends notifications (and,
// with Datadog, metrics): always without leader election.
func registerLeader(el interface {
	IsLeader() bool
	Lease() string
}, reg prometheus.Registerer) error {
	var labels prometheus.Labels
	leads := func() bool { return true }
	if el != nil {
		labels = prometheus.Labels{"lease": el.Lease()}
		leads = el.IsLeader
	}
	err := reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "flinkslo_leader",
		Help:        "1 if this replica sends notifications: it holds its shard's Lease (label lease), or leader election is off.",
		ConstLabels: labels,
	}, func() float64 {
		if leads() {
			return 1
		}
		return 0
	}))
	if err != nil {
		return fmt.Errorf("register leader metric: %w", err)
	}
	return nil
}

// buildDatadog sends the signals to a DogStatsD agent.
func (d *Daemon) buildDatadog(cfg *config.Config, o Options, kp kubeParts) error {
	if cfg.Datadog == nil {
		return nil
	}
	opts := []dogstatsd.Option{dogstatsd.WithRegisterer(d.Registry)}
	if l := kp.leader(); l != nil {
		opts = append(opts, dogstatsd.WithLeader(l))
	}
	em, err := dogstatsd.New(*cfg.Datadog, o.Log, opts...)
	if err != nil {
		return fmt.Errorf("datadog: %w", err)
	}
	d.Store.AddObserver(em)
	d.runners = append(d.runners, func(ctx context.Context) error {
		defer em.Close()
		return em.Run(ctx)
	})
	return nil
}
