package otlp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flinkslo/flinkslo/export/promexport"
	"github.com/flinkslo/flinkslo/fleet"
)

// bigFleet is n deployments with one steady job each, the shape of the
// collector's /metrics benchmarks.
func bigFleet(n int, now time.Time) *fleet.Snapshot {
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

// bigStore holds a 5,000-job fleet.
func bigStore() *fleet.Store {
	store := fleet.NewStore()
	store.Publish(bigFleet(5000, time.Unix(1_800_000_000, 0)))
	return store
}

// cpuTime is the CPU time of the process so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's resident high-water mark in MB (Linux).
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// drain is an OTLP/HTTP endpoint that reads and acknowledges without
// decoding, so that the figures are the sender's.
type drain struct{ bytes, requests atomic.Int64 }

func (d *drain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	d.bytes.Add(n)
	d.requests.Add(1)
	w.Header().Set("Content-Type", "application/x-protobuf")
}

// BenchmarkExport5000Jobs is one push of a 5,000-job fleet (about 200k
// series): gather, convert, encode, compress and send over loopback. The
// "whole" case gathers the snapshot through one registry instead of in
// parts (for comparison). cpu-ms is the process's CPU time per push
// (the gRPC receiver's decoding included). peak-RSS-MB is the growth of the process's
// resident high-water mark: meaningful for one case run alone (-bench
// 'Export5000Jobs/http_gzip$').
func BenchmarkExport5000Jobs(b *testing.B) {
	for _, tt := range []struct {
		name, protocol, compression string
		whole                       bool
	}{
		{"http gzip", "http", "gzip", false},
		{"http none", "http", "none", false},
		{"grpc gzip", "grpc", "gzip", false},
		{"http gzip whole", "http", "gzip", true},
	} {
		b.Run(tt.name, func(b *testing.B) {
			var endpoint string
			d := &drain{}
			if tt.protocol == "http" {
				s := httptest.NewServer(d)
				defer s.Close()
				endpoint = s.URL
			} else {
				// The gRPC receiver decodes: its share is in the figures.
				endpoint = startReceiver(b, &receiver{discard: true}, "grpc", nil)
			}
			cfg := parseOTLP(b, fmt.Sprintf("  endpoint: %s\n  protocol: %s\n  compression: %s\n  timeout: 1m\n  interval: 1m\n", endpoint, tt.protocol, tt.compression))
			self := prometheus.NewRegistry()
			store := bigStore()
			gs := prometheus.Gatherers{self}
			opts := []Option{WithRegisterer(self)}
			if tt.whole {
				snap := prometheus.NewRegistry()
				snap.MustRegister(promexport.NewExporter(store))
				gs = append(gs, snap)
			} else {
				opts = append(opts, withSnapshotExporter(store))
			}
			x, err := New(cfg, gs, getenv, nil, opts...)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			base, cpu := peakRSS(), cpuTime()
			b.ReportAllocs()
			for b.Loop() {
				x.push(context.Background())
			}
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms")
			if f := testutil.ToFloat64(x.exports.WithLabelValues("failure")); f > 0 {
				b.Fatalf("%g pushes failed", f)
			}
			b.ReportMetric(testutil.ToFloat64(x.points), "points")
			b.ReportMetric(peakRSS()-base, "peak-RSS-MB")
			if n := d.requests.Load(); n > 0 {
				b.ReportMetric(float64(n)/float64(b.N), "requests")
				b.ReportMetric(float64(d.bytes.Load())/float64(b.N)/1e6, "MB-sent")
			}
		})
	}
}
