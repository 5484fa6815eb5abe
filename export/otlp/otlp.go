// Package otlp pushes flinkslo's metrics to an OpenTelemetry (OTLP)
// receiver: the same series as /metrics, gathered from the same
// Prometheus gatherers, converted by the OpenTelemetry Prometheus bridge
// and sent with the SDK's OTLP exporter (gRPC or HTTP). A large snapshot is
// gathered and sent a part at a time (see WithSnapshot).
//
// The push runs on its own goroutine every interval. It reads what the
// gatherers hold (the exporter renders the latest published snapshot), so
// the scrape loop never waits on it; a slow or absent receiver costs one
// bounded request per interval, counted and logged once per failing streak.
package otlp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	dto "github.com/prometheus/client_model/go"
	promb "go.opentelemetry.io/contrib/bridges/prometheus"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/flinkslo/flinkslo/internal/config"
)

// metricExporter is the part of the SDK's OTLP exporters the push uses.
type metricExporter interface {
	Export(ctx context.Context, rm *metricdata.ResourceMetrics) error
	Shutdown(ctx context.Context) error
}

// shutdownTimeout bounds closing the connection once the last push is done.
const shutdownTimeout = 5 * time.Second

// Exporter pushes the gatherers' metrics, and the snapshot's, every interval.
type Exporter struct {
	log      *slog.Logger
	endpoint string
	client   metricExporter
	res      *resource.Resource
	interval time.Duration
	timeout  time.Duration
	maxBatch int

	gatherers prometheus.Gatherers
	snapshot  *snapshotSource // nil: none

	exports  *prometheus.CounterVec
	duration prometheus.Gauge
	points   prometheus.Gauge

	// The streak state is only touched by push, which Run calls from one
	// goroutine; gatherErr is written by the gatherers during Produce.
	failing      bool
	failed       int
	gatherFailed bool
	mu           sync.Mutex // guards gatherErr
	gatherErr    error
}

// Option adjusts New.
type Option func(*options)

type options struct {
	snapshot *snapshotSource
	reg      prometheus.Registerer
	version  string
	hostname func() (string, error)
}

// WithRegisterer registers the exporter's own metrics with reg (a private
// registry by default). Registering them with a gatherer that is pushed
// sends them along.
func WithRegisterer(reg prometheus.Registerer) Option { return func(o *options) { o.reg = reg } }

// WithVersion sets the service.version resource attribute.
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// WithHostname replaces os.Hostname for service.instance.id (tests).
func WithHostname(f func() (string, error)) Option { return func(o *options) { o.hostname = f } }

// New builds the push for cfg (defaults applied, validated) of the
// gatherers' metrics (and of a snapshot's, see WithSnapshot); getenv reads the secret headers and POD_NAME/POD_NAMESPACE.
// Nothing is sent before Run; a receiver that is not up yet is no error.
func New(cfg config.OTLP, gatherers prometheus.Gatherers, getenv func(string) string, logger *slog.Logger, opts ...Option) (*Exporter, error) {
	o := options{version: "dev"}
	for _, opt := range opts {
		opt(&o)
	}
	if o.reg == nil {
		o.reg = prometheus.NewRegistry()
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	res, err := newResource(getenv, o.hostname, o.version, cfg.ResourceAttributes)
	if err != nil {
		return nil, fmt.Errorf("otlp resource: %w", err)
	}
	headers, err := readHeaders(cfg, getenv)
	if err != nil {
		return nil, err
	}
	client, err := newClient(cfg, headers)
	if err != nil {
		return nil, fmt.Errorf("otlp %s exporter for %s: %w", cfg.Protocol, cfg.Endpoint, err)
	}
	e := &Exporter{
		log: logger, endpoint: cfg.Endpoint, client: client, res: res,
		interval: cfg.Interval.D(), timeout: cfg.Timeout.D(), maxBatch: cfg.MaxBatchSize,
		gatherers: gatherers, snapshot: o.snapshot,
	}
	e.registerMetrics(o.reg)
	return e, nil
}

func (e *Exporter) registerMetrics(reg prometheus.Registerer) {
	f := promauto.With(reg)
	e.exports = f.NewCounterVec(prometheus.CounterOpts{
		Name: "flinkslo_otlp_exports_total",
		Help: "Pushes of the metrics to the OTLP receiver, by result: success or failure (some or all data points not accepted).",
	}, []string{"result"})
	for _, r := range []string{"success", "failure"} {
		e.exports.WithLabelValues(r)
	}
	e.duration = f.NewGauge(prometheus.GaugeOpts{
		Name: "flinkslo_otlp_export_duration_seconds",
		Help: "Duration of the last push to the OTLP receiver, gathering included.",
	})
	e.points = f.NewGauge(prometheus.GaugeOpts{
		Name: "flinkslo_otlp_data_points",
		Help: "Data points sent by the last successful push to the OTLP receiver.",
	})
}

// Run pushes every interval until ctx ends, then pushes once more (the
// final values) and closes the connection, both bounded on a fresh context.
func (e *Exporter) Run(ctx context.Context) error {
	t := time.NewTicker(e.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return e.stop()
		case <-t.C:
			e.push(ctx)
		}
	}
}

func (e *Exporter) stop() error {
	fctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	e.push(fctx)
	cancel()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := e.client.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down otlp exporter: %w", err)
	}
	return nil
}

// push sends everything once and records the outcome. A push never runs
// into the next: it is cut off after one interval.
func (e *Exporter) push(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, e.interval)
	defer cancel()
	start := time.Now()
	n, err := e.export(ctx)
	e.duration.Set(time.Since(start).Seconds())
	e.logGatherErrors()
	if err != nil {
		e.exports.WithLabelValues("failure").Inc()
		e.failed++
		if !e.failing {
			e.failing = true
			e.log.Warn("otlp export failing, retrying every interval", "endpoint", e.endpoint, "err", err)
		}
		return
	}
	e.exports.WithLabelValues("success").Inc()
	e.points.Set(float64(n))
	if e.failing {
		e.log.Info("otlp export recovered", "endpoint", e.endpoint, "failed_exports", e.failed)
		e.failing, e.failed = false, 0
	}
}

// export gathers and sends one part at a time, each in batches of at
// most maxBatch data points, and stops at the first batch the receiver
// does not take: a receiver that is down costs one timeout, not one per
// batch, and nothing more is gathered for it.
func (e *Exporter) export(ctx context.Context) (int, error) {
	sent := 0
	for g := range e.parts() {
		p := promb.NewMetricProducer(promb.WithGatherer(continuing{g: g, report: e.gatherFailedWith}))
		scopes, err := p.Produce(ctx)
		if err != nil {
			return sent, fmt.Errorf("gather metrics: %w", err)
		}
		rm := &metricdata.ResourceMetrics{Resource: e.res, ScopeMetrics: scopes}
		for b := range batches(rm, e.maxBatch) {
			n := dataPointsOf(b)
			if err := e.client.Export(ctx, b); err != nil {
				return sent, fmt.Errorf("send data points %d-%d: %w", sent+1, sent+n, err)
			}
			sent += n
		}
	}
	return sent, nil
}

// continuing gathers like promhttp's ContinueOnError, as /metrics does:
// an error in one collector must not withhold every other series (the
// bridge drops a gatherer's whole result when it returns an error).
type continuing struct {
	g      prometheus.Gatherer
	report func(error)
}

func (c continuing) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := c.g.Gather()
	if err != nil {
		c.report(err)
	}
	return mfs, nil
}

func (e *Exporter) gatherFailedWith(err error) {
	e.mu.Lock()
	e.gatherErr = errors.Join(e.gatherErr, err)
	e.mu.Unlock()
}

// logGatherErrors warns once per streak of incomplete gathers.
func (e *Exporter) logGatherErrors() {
	e.mu.Lock()
	err := e.gatherErr
	e.gatherErr = nil
	e.mu.Unlock()
	switch {
	case err != nil && !e.gatherFailed:
		e.log.Warn("otlp export incomplete, sending the metrics that could be gathered", "err", err)
	case err == nil && e.gatherFailed:
		e.log.Info("otlp export complete again")
	}
	e.gatherFailed = err != nil
}
