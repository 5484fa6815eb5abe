package main

import (
	"fmt"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"

	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/export/otlp"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// wireOTLP pushes what /metrics serves to an OTLP receiver when the config
// has an otlp section: the registry's metrics, and the snapshot's series
// as the exporter renders them.
func wireOTLP(cfg *config.Config, e *env, o buildOptions, p *parts) error {
	if cfg.OTLP == nil {
		return nil
	}
	log := o.log.With("component", "otlp")
	// The SDK reports some errors through its global handler and logger;
	// send them where everything else goes, as wireKube does for klog.
	otel.SetLogger(logr.FromSlogHandler(log.Handler()))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("opentelemetry sdk error", "err", err) }))
	x, err := otlp.New(*cfg.OTLP, prometheus.Gatherers{p.reg}, e.getenv, log,
		otlp.WithRegisterer(p.reg), otlp.WithVersion(version),
		otlp.WithSnapshot(p.store, func(s *fleet.Store) prometheus.Collector { return collector.NewExporter(s) }))
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	p.runners = append(p.runners, x.Run)
	return nil
}
