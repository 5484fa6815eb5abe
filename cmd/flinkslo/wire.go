package main

import (
	"context"
	"fmt"

	"github.com/DataDog/datadog-go/v5/statsd"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/alerting/datadog"
	"github.com/flinkslo/flinkslo/collector/dogstatsd"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/internal/config"
)

// The wire* functions connect the optional parts. Each does nothing when
// its section of the config is absent.

func wireClassifier(cfg *config.Config, o buildOptions, lo *collector.Options) error {
	c, err := classify.New(cfg.Classify, classify.WithLogger(o.log))
	if err != nil {
		return err
	}
	lo.Classifier = c
	lo.Escalator = classify.NewEscalator(cfg.Classify.Escalation, o.now)
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

func wireKube(ctx context.Context, cfg *config.Config, e *env, o buildOptions, p *parts, lo *collector.Options) error {
	return nil
}

// wireAlerting routes classified failures and health changes. Only the
// leader sends (o.leader nil: always); open incidents persist next to the
// counter state when a stateFile is set, or in the Lease (o.store).
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
		ForceConsole: o.console, DryRun: o.dryRun,
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

// wireDatadog sends the signals to a DogStatsD agent.
func wireDatadog(cfg *config.Config, e *env, o buildOptions, p *parts) error {
	if cfg.Datadog == nil {
		return nil
	}
	em, err := dogstatsd.New(*cfg.Datadog, o.log, dogstatsd.WithRegisterer(p.reg))
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
