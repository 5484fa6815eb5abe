package promexport

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/fleet"
)

// bigSnapshot is n deployments with one steady job each.
func bigSnapshot(n int, now time.Time) *fleet.Snapshot {
	snap := &fleet.Snapshot{Seq: 1, Started: now, Finished: now}
	for i := range n {
		snap.Targets = append(snap.Targets, fleet.TargetStatus{
			Target: fleet.Target{Deployment: fmt.Sprintf("deployment-%05d", i), Namespace: fmt.Sprintf("ns-%03d", i%100), Owner: fleet.Owner{Team: fmt.Sprintf("team-%02d", i%40)}, Source: "static"},
			Up:     true, ScrapedAt: now, ScrapeDuration: 30 * time.Millisecond, FlinkVersion: "1.20.1", TaskManagers: 2, SlotsTotal: 8,
			ErrorCounts: map[fleet.ErrorKind]float64{},
			Jobs: []fleet.JobStatus{{
				Name: fmt.Sprintf("job-%05d", i), ID: "5f3c6e0a9d1b4a2c8e7f6a5b4c3d2e1f", State: fleet.StateRunning, Expected: true, Healthy: true,
				Uptime: time.Hour, TasksTotal: 8, TasksRunning: 8, CheckpointingEnabled: true, CheckpointsProgressing: true,
				CheckpointInterval: 10 * time.Second, CheckpointWindow: time.Minute, LastCheckpoint: now.Add(-5 * time.Second),
				CheckpointsCompleted: 1490, CheckpointsFailed: 3, Restarts: 2,
				Failures: map[fleet.FailureKey]float64{{Route: fleet.Monitor, Category: "tm_heartbeat_timeout"}: 1},
			}},
		})
	}
	return snap
}

// BenchmarkText is the cost of rendering /metrics for a 5,000-deployment
// fleet once per snapshot (cache miss).
func BenchmarkText(b *testing.B) {
	snap := bigSnapshot(5000, time.Unix(1_800_000_000, 0))
	exp := NewExporter(fleet.NewStore())
	ts := newTextSink(exp.fams, Text)
	n := 0
	count := func(c []byte) error { n += len(c); return nil }
	b.ReportAllocs()
	for b.Loop() {
		n = 0
		_ = ts.render(snap, count)
	}
	b.ReportMetric(float64(n)/1e6, "MB")
}

// BenchmarkServeMetrics is a scrape of /metrics with the snapshot already
// rendered (cache hit), gzip as Prometheus asks for it.
func BenchmarkServeMetrics(b *testing.B) {
	store := fleet.NewStore()
	store.Publish(bigSnapshot(5000, time.Unix(1_800_000_000, 0)))
	x := NewExposition(NewExporter(store), prometheus.NewRegistry())
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	x.ServeHTTP(httptest.NewRecorder(), req)
	b.ReportAllocs()
	for b.Loop() {
		x.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// BenchmarkGatherCollector is the client_golang path over the same fleet,
// for comparison.
func BenchmarkGatherCollector(b *testing.B) {
	store := fleet.NewStore()
	store.Publish(bigSnapshot(5000, time.Unix(1_800_000_000, 0)))
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewExporter(store))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
