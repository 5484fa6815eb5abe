package otlp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/flinkslo/flinkslo/export/promexport"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// testFleet is a small fleet with a healthy job, an unhealthy one with
// Kafka lag and failures, and a target that is down.
func testFleet(now time.Time) *fleet.Snapshot {
	return &fleet.Snapshot{Seq: 1, Started: now, Finished: now, Targets: []fleet.TargetStatus{
		{
			Target: fleet.Target{Deployment: "orders", Namespace: "checkout", Owner: fleet.Owner{Team: "checkout"}, Source: "static"},
			Up:     true, ScrapedAt: now, ScrapeDuration: 20 * time.Millisecond, FlinkVersion: "1.20.1", TaskManagers: 2, SlotsTotal: 8, SlotsAvailable: 1,
			Jobs: []fleet.JobStatus{{
				Name: "orders-enrichment", ID: "5f3c6e0a9d1b4a2c8e7f6a5b4c3d2e1f", State: fleet.StateRunning, Expected: true, Healthy: false,
				Reasons: []fleet.Reason{fleet.ReasonCheckpointsStalled}, Uptime: time.Hour, TasksTotal: 8, TasksRunning: 8,
				CheckpointingEnabled: true, CheckpointInterval: 10 * time.Second, CheckpointWindow: time.Minute, LastCheckpoint: now.Add(-20 * time.Minute),
				CheckpointsCompleted: 149, CheckpointsFailed: 3, Restarts: 2, RestartsInWindow: 1,
				Failures:    map[fleet.FailureKey]float64{{Route: fleet.Notify, Category: "kafka_topic_authorization"}: 2},
				HasKafkaLag: true, KafkaLagRecords: 1200, KafkaLagSeconds: 42, KafkaLagSecondsKnown: true,
			}},
		},
		{
			Target: fleet.Target{Deployment: "fraud", Namespace: "risk", Owner: fleet.Owner{Team: "risk"}, Source: "static"},
			Up:     true, ScrapedAt: now, ScrapeDuration: 10 * time.Millisecond, FlinkVersion: "2.1.0", TaskManagers: 1, SlotsTotal: 4,
			Jobs: []fleet.JobStatus{{
				Name: "fraud-scoring", ID: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", State: fleet.StateRunning, Expected: true, Healthy: true,
				Uptime: 2 * time.Hour, TasksTotal: 4, TasksRunning: 4, CheckpointsCompleted: 7,
			}},
		},
		{
			Target: fleet.Target{Deployment: "dead", Namespace: "bi", Owner: fleet.Owner{Team: "bi"}, Source: "static"},
			Up:     false, ErrorKind: fleet.ErrConnect, ScrapedAt: now, ScrapeDuration: time.Millisecond,
			ErrorCounts: map[fleet.ErrorKind]float64{fleet.ErrConnect: 3},
			Jobs:        []fleet.JobStatus{{Name: "reports", Expected: true, Stale: true, Reasons: []fleet.Reason{fleet.ReasonUnreachable}}},
		},
	}}
}

// testParts is what the daemon has: its own registry (with a counter of
// its own) and the store with the published snapshot, which the
// exporter renders for /metrics.
type testParts struct {
	self  *prometheus.Registry
	store *fleet.Store
	exp   *promexport.Exporter
}

func newTestParts(t *testing.T) testParts {
	t.Helper()
	store := fleet.NewStore()
	store.Publish(testFleet(time.Unix(1_800_000_000, 0)))
	self := prometheus.NewRegistry()
	cycles := prometheus.NewCounter(prometheus.CounterOpts{Name: "flinkslo_scrape_cycles_total", Help: "Scrape cycles completed."})
	cycles.Add(7)
	self.MustRegister(cycles)
	return testParts{self: self, store: store, exp: promexport.NewExporter(store)}
}

// newExporter is the push as the daemon wires it.
func (p testParts) newExporter(t testing.TB, cfg config.OTLP, log *slog.Logger, opts ...Option) *Exporter {
	t.Helper()
	opts = append([]Option{WithRegisterer(p.self), withSnapshotExporter(p.store)}, opts...)
	x, err := New(cfg, prometheus.Gatherers{p.self}, getenv, log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func withSnapshotExporter(store *fleet.Store) Option {
	return WithSnapshot(store, func(s *fleet.Store) prometheus.Collector { return promexport.NewExporter(s) })
}

// logRecorder keeps every log record.
type logRecorder struct {
	mu   *sync.Mutex
	recs *[]string
}

func newLogRecorder() logRecorder { return logRecorder{mu: &sync.Mutex{}, recs: &[]string{}} }

func (l logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l logRecorder) WithGroup(string) slog.Handler            { return l }
func (l logRecorder) Handle(_ context.Context, r slog.Record) error {
	s := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		s += " " + a.String()
		return true
	})
	l.mu.Lock()
	*l.recs = append(*l.recs, s)
	l.mu.Unlock()
	return nil
}

func (l logRecorder) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(*l.recs)
}

// parseOTLP parses an otlp section as flinkslo does, defaults included.
func parseOTLP(t testing.TB, yaml string) config.OTLP {
	t.Helper()
	cfg, err := config.Parse([]byte("otlp:\n" + yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return *cfg.OTLP
}

var testEnv = map[string]string{"POD_NAME": "flinkslo-0", "POD_NAMESPACE": "monitoring", "OTLP_API_KEY": "s3cr3t-key"}

func getenv(k string) string { return testEnv[k] }

// TestPushSendsWhatMetricsServes pushes a known fleet over each protocol,
// with and without TLS, in small batches, and finds every flinkslo series
// of /metrics in what the receiver decoded, with its value and type.
func TestPushSendsWhatMetricsServes(t *testing.T) {
	tf := newTLSFiles(t)
	for _, tt := range []struct {
		name, protocol, compression string
		tls                         bool
	}{
		{"grpc", "grpc", "gzip", false},
		{"grpc over tls", "grpc", "none", true},
		{"http", "http", "gzip", false},
		{"http over tls", "http", "none", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &receiver{}
			var tfp *tlsFiles
			tlsYAML := ""
			if tt.tls {
				tfp = &tf
				tlsYAML = fmt.Sprintf("  tls: { caFile: %q }\n", tf.caFile)
			}
			endpoint := startReceiver(t, r, tt.protocol, tfp)
			cfg := parseOTLP(t, fmt.Sprintf(`  endpoint: %s
  protocol: %s
  compression: %s
  maxBatchSize: 7
  headers: { X-Scope-OrgID: fleet-a }
  secretHeaders: { Api-Key: { env: OTLP_API_KEY } }
  resourceAttributes: { deployment.environment.name: prod }
%s`, endpoint, tt.protocol, tt.compression, tlsYAML))
			p := newTestParts(t)
			x := p.newExporter(t, cfg, nil, WithVersion("1.2.3"))
			x.push(context.Background())
			if got := testutil.ToFloat64(x.exports.WithLabelValues("success")); got != 1 {
				t.Fatalf("exports{success} = %g after one push, want 1 (failures: %g)", got, testutil.ToFloat64(x.exports.WithLabelValues("failure")))
			}
			got := r.series(t)

			// The series a user looks for, as the receiver decoded them.
			job := `deployment="orders",job_name="orders-enrichment",namespace="checkout",team="checkout"`
			for key, want := range map[string]point{
				`flinkslo_job_healthy{` + job + `}`: {kind: "gauge", value: 0},
				`flinkslo_job_healthy{deployment="fraud",job_name="fraud-scoring",namespace="risk",team="risk"}`:                            {kind: "gauge", value: 1},
				`flinkslo_job_restarts_total{` + job + `}`:                                                                                  {kind: "sum", monotonic: true, cumul: true, value: 2},
				`flinkslo_job_kafka_lag_seconds{` + job + `}`:                                                                               {kind: "gauge", value: 42},
				`flinkslo_job_state{deployment="orders",job_name="orders-enrichment",namespace="checkout",state="RUNNING",team="checkout"}`: {kind: "gauge", value: 1},
				`flinkslo_target_scrape_errors_total{deployment="dead",kind="connect",namespace="bi"}`:                                      {kind: "sum", monotonic: true, cumul: true, value: 3},
				`flinkslo_scrape_cycles_total{}`:                                                                                            {kind: "sum", monotonic: true, cumul: true, value: 7},
				`flinkslo_otlp_exports_total{result="failure"}`:                                                                             {kind: "sum", monotonic: true, cumul: true, value: 0},
			} {
				if got[key] != want {
					t.Errorf("%s = %+v, want %+v", key, got[key], want)
				}
			}

			// Everything else /metrics serves of flinkslo's own, and nothing more.
			served := metricsSeries(t, p)
			for key, want := range served {
				if g, ok := got[key]; !ok {
					t.Errorf("%s is on /metrics but was not pushed", key)
				} else if g != want {
					t.Errorf("%s pushed as %+v, /metrics has %+v", key, g, want)
				}
			}
			for key := range got {
				if _, ok := served[key]; !ok && strings.HasPrefix(key, "flinkslo_") && !strings.HasPrefix(key, "flinkslo_otlp_") {
					t.Errorf("%s was pushed but is not on /metrics", key)
				}
			}

			for i, n := range r.requestPoints() {
				if n > 7 {
					t.Errorf("request %d carried %d data points, maxBatchSize is 7", i, n)
				}
			}
			if n := r.requests(); n < 10 {
				t.Errorf("%d requests, want the push split into batches of 7", n)
			}
			for i, res := range r.resources() {
				want := map[string]string{
					"service.name": "flinkslo", "service.version": "1.2.3", "service.instance.id": "flinkslo-0",
					"k8s.pod.name": "flinkslo-0", "k8s.namespace.name": "monitoring", "deployment.environment.name": "prod",
				}
				for k, v := range want {
					if res[k] != v {
						t.Errorf("request %d: resource %s = %q, want %q", i, k, res[k], v)
					}
				}
			}
			h := r.lastHeaders()
			if h["x-scope-orgid"] != "fleet-a" || h["api-key"] != "s3cr3t-key" {
				t.Errorf("headers received: x-scope-orgid=%q api-key=%q", h["x-scope-orgid"], h["api-key"])
			}
		})
	}
}

// metricsSeries is every flinkslo_* series /metrics serves, but for the
// push's own (which the push changes), keyed like receiver.series.
func metricsSeries(t *testing.T, p testParts) map[string]point {
	t.Helper()
	rec := httptest.NewRecorder()
	promexport.NewExposition(p.exp, p.self).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	out := map[string]point{}
	for name, mf := range fams {
		if !strings.HasPrefix(name, "flinkslo_") || strings.HasPrefix(name, "flinkslo_otlp_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(labels)) {
				parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
			}
			key := name + "{" + strings.Join(parts, ",") + "}"
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = point{kind: "sum", monotonic: true, cumul: true, value: m.GetCounter().GetValue()}
			case dto.MetricType_GAUGE:
				out[key] = point{kind: "gauge", value: m.GetGauge().GetValue()}
			default:
				t.Fatalf("%s: unexpected type %s", name, mf.GetType())
			}
		}
	}
	if len(out) < 50 {
		t.Fatalf("/metrics served only %d flinkslo series", len(out))
	}
	return out
}

// TestReceiverDown: every push fails, is counted, and only the first of
// the streak is logged; each push gives up after the timeout.
func TestReceiverDown(t *testing.T) {
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			cfg := parseOTLP(t, fmt.Sprintf("  endpoint: %s\n  protocol: %s\n  timeout: 200ms\n  secretHeaders: { Api-Key: { env: OTLP_API_KEY } }\n", closedEndpoint(t), protocol))
			p := newTestParts(t)
			logs := newLogRecorder()
			x := p.newExporter(t, cfg, slog.New(logs))
			for range 3 {
				x.push(context.Background())
			}
			if got := testutil.ToFloat64(x.exports.WithLabelValues("failure")); got != 3 {
				t.Errorf("exports{failure} = %g, want 3", got)
			}
			if got := testutil.ToFloat64(x.exports.WithLabelValues("success")); got != 0 {
				t.Errorf("exports{success} = %g, want 0", got)
			}
			lines := logs.lines()
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "WARN otlp export failing") {
				t.Errorf("logs = %q, want one warning for the streak", lines)
			}
			for _, l := range lines {
				if strings.Contains(l, "s3cr3t") {
					t.Errorf("secret header value logged: %s", l)
				}
			}
		})
	}
}

// TestRecoveryIsLogged: a receiver that refuses, then accepts.
func TestRecoveryIsLogged(t *testing.T) {
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			r := &receiver{}
			r.refuse.Store(true)
			cfg := parseOTLP(t, fmt.Sprintf("  endpoint: %s\n  protocol: %s\n", startReceiver(t, r, protocol, nil), protocol))
			p := newTestParts(t)
			logs := newLogRecorder()
			x := p.newExporter(t, cfg, slog.New(logs))
			x.push(context.Background())
			x.push(context.Background())
			r.refuse.Store(false)
			x.push(context.Background())
			r.clear()
			x.push(context.Background())
			lines := logs.lines()
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "WARN otlp export failing") ||
				!strings.HasPrefix(lines[1], "INFO otlp export recovered") || !strings.Contains(lines[1], "failed_exports=2") {
				t.Errorf("logs = %q, want a warning, then recovery after 2 failures", lines)
			}
			if f, s := testutil.ToFloat64(x.exports.WithLabelValues("failure")), testutil.ToFloat64(x.exports.WithLabelValues("success")); f != 2 || s != 2 {
				t.Errorf("exports failure=%g success=%g, want 2 and 2", f, s)
			}
			if got, want := testutil.ToFloat64(x.points), len(r.series(t)); got != float64(want) {
				t.Errorf("flinkslo_otlp_data_points = %g, want the %d points of the push", got, want)
			}
		})
	}
}

// TestHangingReceiverCannotHoldTheLoop: a receiver that never answers
// costs each push its timeout, and Run still stops when asked.
func TestHangingReceiverCannotHoldTheLoop(t *testing.T) {
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			r := &receiver{}
			r.hang.Store(true)
			cfg := parseOTLP(t, fmt.Sprintf("  endpoint: %s\n  protocol: %s\n  interval: 300ms\n  timeout: 100ms\n", startReceiver(t, r, protocol, nil), protocol))
			p := newTestParts(t)
			x := p.newExporter(t, cfg, nil)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- x.Run(ctx) }()
			for testutil.ToFloat64(x.exports.WithLabelValues("failure")) < 2 {
				select {
				case err := <-done:
					t.Fatalf("Run returned early: %v", err)
				case <-time.After(20 * time.Millisecond):
				}
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(30 * time.Second): // a hang detector, not a timing
				t.Fatal("Run did not return after cancel")
			}
			if got := testutil.ToFloat64(x.exports.WithLabelValues("success")); got != 0 {
				t.Errorf("exports{success} = %g from a receiver that never answers", got)
			}
		})
	}
}

// TestRunFlushesOnStop: stopped before the first interval, Run still
// pushes the final values.
func TestRunFlushesOnStop(t *testing.T) {
	r := &receiver{}
	cfg := parseOTLP(t, fmt.Sprintf("  endpoint: %s\n  protocol: grpc\n  interval: 1h\n", startReceiver(t, r, "grpc", nil)))
	p := newTestParts(t)
	x := p.newExporter(t, cfg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := x.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, ok := r.series(t)[`flinkslo_job_healthy{deployment="fraud",job_name="fraud-scoring",namespace="risk",team="risk"}`]; !ok {
		t.Error("nothing pushed on stop")
	}
}

// TestPushBeforeFirstSnapshot: before the first scrape cycle there are
// only flinkslo's own metrics, and they go.
func TestPushBeforeFirstSnapshot(t *testing.T) {
	r := &receiver{}
	cfg := parseOTLP(t, fmt.Sprintf("  endpoint: %s\n  protocol: grpc\n", startReceiver(t, r, "grpc", nil)))
	p := newTestParts(t)
	p.store = fleet.NewStore()
	x := p.newExporter(t, cfg, nil)
	x.push(context.Background())
	got := r.series(t)
	if _, ok := got[`flinkslo_scrape_cycles_total{}`]; !ok || testutil.ToFloat64(x.exports.WithLabelValues("success")) != 1 {
		t.Errorf("received %d series, success=%g: want flinkslo's own", len(got), testutil.ToFloat64(x.exports.WithLabelValues("success")))
	}
	for k := range got {
		if strings.HasPrefix(k, "flinkslo_job_") {
			t.Errorf("%s pushed without a snapshot", k)
		}
	}
}

// brokenCollector fails to collect, as a collector with a bug would.
type brokenCollector struct{ desc *prometheus.Desc }

func (b brokenCollector) Describe(ch chan<- *prometheus.Desc) { ch <- b.desc }
func (b brokenCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.NewInvalidMetric(b.desc, errors.New("broken on purpose"))
}

// TestGatherErrorKeepsTheRest: one collector's error withholds none of
// the other series of its registry (as on /metrics), and is logged once.
func TestGatherErrorKeepsTheRest(t *testing.T) {
	r := &receiver{}
	cfg := parseOTLP(t, fmt.Sprintf("  endpoint: %s\n  protocol: http\n", startReceiver(t, r, "http", nil)))
	p := newTestParts(t)
	p.self.MustRegister(brokenCollector{prometheus.NewDesc("flinkslo_broken", "Broken.", nil, nil)})
	logs := newLogRecorder()
	x := p.newExporter(t, cfg, slog.New(logs))
	x.push(context.Background())
	r.clear()
	x.push(context.Background())
	if _, ok := r.series(t)[`flinkslo_scrape_cycles_total{}`]; !ok {
		t.Error("the broken collector's registry was not pushed at all")
	}
	var warned int
	for _, l := range logs.lines() {
		if strings.HasPrefix(l, "WARN otlp export incomplete") && strings.Contains(l, "broken on purpose") {
			warned++
		}
	}
	if warned != 1 {
		t.Errorf("logs = %q, want one warning naming the error", logs.lines())
	}
}

func TestSecretHeaderUnset(t *testing.T) {
	cfg := parseOTLP(t, "  endpoint: http://127.0.0.1:4318\n  secretHeaders: { Authorization: { env: NOT_SET } }\n")
	_, err := New(cfg, nil, getenv, nil)
	if err == nil || !strings.Contains(err.Error(), "Authorization") || !strings.Contains(err.Error(), "NOT_SET") {
		t.Errorf("err = %v, want one naming the header and the variable", err)
	}
}
