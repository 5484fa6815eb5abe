package daemon

import (
	"fmt"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"

	"github.com/flinkslo/flinkslo/export/otlp"
	"github.com/flinkslo/flinkslo/export/promexport"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// buildOTLP pushes what /metrics serves to an OTLP receiver when the config
// has an otlp section: the registry's metrics, and the snapshot's series
// as the exporter renders them.
func (d *Daemon) buildOTLP(cfg *config.Config, o Options) error {
	if cfg.OTLP == nil {
		return nil
	}
	log := o.Log.With("component", "otlp")
	// The SDK reports some errors through its global handler and logger;
	// send them where everything else goes, as buildKube does for klog.
	otel.SetLogger(logr.FromSlogHandler(log.Handler()))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("opentelemetry sdk error", "err", err) }))
	x, err := otlp.New(*cfg.OTLP, prometheus.Gatherers{d.Registry}, o.Getenv, log,
		otlp.WithRegisterer(d.Registry), otlp.WithVersion(o.Version),
		otlp.WithSnapshot(d.Store, func(s *fleet.Store) prometheus.Collector { return promexport.NewExporter(s) }))
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	d.runners = append(d.runners, x.Run)
	return nil
}
