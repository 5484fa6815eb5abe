package promexport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/flinkslo/flinkslo/fleet"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fleetSnapshot is a small fleet with one of everything a user sees.
func fleetSnapshot(now time.Time) *fleet.Snapshot {
	fail := &fleet.Failure{Time: now.Add(-time.Minute), Decision: fleet.Decision{Route: fleet.Notify, Category: "kafka_topic_authorization"}}
	return &fleet.Snapshot{Seq: 1, Started: now, Finished: now, Targets: []fleet.TargetStatus{
		{
			Target: fleet.Target{Deployment: "dead", Namespace: "fraud", Owner: fleet.Owner{Team: "risk"}, Source: "static"},
			Up:     false, ErrorKind: fleet.ErrConnect, ScrapedAt: now, ScrapeDuration: time.Millisecond,
			ErrorCounts: map[fleet.ErrorKind]float64{fleet.ErrConnect: 3},
			Jobs:        []fleet.JobStatus{{Name: "fraud-scoring", Expected: true, Stale: true, Reasons: []fleet.Reason{fleet.ReasonUnreachable}}},
		},
		{
			Target: fleet.Target{Deployment: "orders", Namespace: "checkout", Owner: fleet.Owner{Team: "checkout"}, Source: "kubernetes", Operator: &fleet.OperatorStatus{Kind: "FlinkDeployment", LifecycleState: "STABLE", JobManagerDeploymentStatus: "READY"}},
			Up:     true, ScrapedAt: now, ScrapeDuration: 20 * time.Millisecond, FlinkVersion: "1.20.1", TaskManagers: 2, SlotsTotal: 8, SlotsAvailable: 1,
			Failures: map[fleet.FailureKey]float64{{Route: fleet.Monitor, Category: "node_shutdown_spot"}: 1},
			Jobs: []fleet.JobStatus{{
				Name: "orders-enrichment", ID: "5f3c6e0a9d1b4a2c8e7f6a5b4c3d2e1f", State: fleet.StateRunning, Expected: true, Healthy: false,
				Reasons: []fleet.Reason{fleet.ReasonCheckpointsStalled}, Uptime: time.Hour, TasksTotal: 8, TasksRunning: 8,
				CheckpointingEnabled: true, CheckpointInterval: 10 * time.Second, CheckpointWindow: time.Minute, LastCheckpoint: now.Add(-20 * time.Minute),
				CheckpointsCompleted: 149, CheckpointsFailed: 3, Restarts: 2, RestartsInWindow: 1,
				Failures:    map[fleet.FailureKey]float64{{Route: fleet.Notify, Category: "kafka_topic_authorization"}: 2},
				LastFailure: fail, HasKafkaLag: true, KafkaLagRecords: 1200, KafkaLagSeconds: 42, KafkaLagSecondsKnown: true,
				CheckpointCost: fleet.CheckpointCost{Known: true, Duration: 54 * time.Second, Size: 3 << 30, IncrementalSize: 200 << 20, Timeout: time.Minute, TimeoutRatio: 0.9},
				Detail: fleet.JobDetail{At: now.Add(-20 * time.Second), HasSourceRecords: true, SourceRecords: 48_000_000, HasSinkRecords: true, SinkRecords: 47_500_000,
					SourcesGrewAt: now.Add(-20 * time.Second), HasWatermarkLag: true, WatermarkLag: 95 * time.Second,
					HasBackpressure: true, BusyRatio: 0.98, BackpressuredRatio: 0.93, BackpressuredSince: now.Add(-12 * time.Minute),
					Bottleneck: "Window(TumblingEventTimeWindows(60000)) -> Sink: orders", BottleneckID: "90bea66de1c231edf33913ecd54406c1", BottleneckBusyRatio: 0.98},
			}},
			Memory: fleet.TaskManagerMemory{Known: true, HeapUsed: 900 << 20, HeapMax: 1 << 30, HasGCTime: true, GCTimeRatio: 0.12},
			// Read one by one (perTaskManagerMetrics): the second has no GC
			// time yet (before 1.19, a first read).
			PerTaskManager: []fleet.TaskManagerJVM{
				{ID: "orders-taskmanager-1-1", HasHeap: true, HeapUsed: 900 << 20, HeapMax: 1 << 30, HasGCTime: true, GCTimeRatio: 0.12},
				{ID: "orders-taskmanager-1-2", HasHeap: true, HeapUsed: 300 << 20, HeapMax: 1 << 30},
			},
		},
		{
			Target: fleet.Target{Deployment: "reports", Namespace: "bi", Owner: fleet.Owner{Team: "bi"}, Suspended: true, Source: "kubernetes", Operator: &fleet.OperatorStatus{Kind: "FlinkDeployment", LifecycleState: "SUSPENDED", JobManagerDeploymentStatus: "MISSING"}},
			Up:     true,
		},
	}}
}

func render(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

func TestExporterGolden(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	store := fleet.NewStore()
	snap := fleetSnapshot(now)
	store.Publish(snap)
	// What /metrics serves; TestTextMatchesCollector checks it against the
	// client_golang rendering of the Collector.
	got := string(NewExporter(store).Text(snap))
	path := filepath.Join("testdata", "fleet.metrics")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("exposition differs from %s (run go test -update after checking):\n%s", path, diffLines(got, string(want)))
	}
}

// The text written directly must be what client_golang would render from
// the Collector: same families, same series, same values, also for a fleet
// whose families are written in several chunks.
func TestTextMatchesCollector(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	small := fleetSnapshot(now)
	small.Targets[1].Team = `team "quoted" \ back\nslash`
	for name, snap := range map[string]*fleet.Snapshot{"fleet": small, "300 deployments": bigSnapshot(300, now)} {
		t.Run(name, func(t *testing.T) {
			store := fleet.NewStore()
			store.Publish(snap)
			exp := NewExporter(store)
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(exp)
			p1, p2 := expfmt.NewTextParser(model.UTF8Validation), expfmt.NewTextParser(model.UTF8Validation)
			want, err := p1.TextToMetricFamilies(strings.NewReader(render(t, reg)))
			if err != nil {
				t.Fatal(err)
			}
			text := exp.Text(snap)
			if name != "fleet" && len(text) < 4*flushAt {
				t.Fatalf("the big fleet's text is %d bytes: too small to be written in chunks", len(text))
			}
			got, err := p2.TextToMetricFamilies(bytes.NewReader(text))
			if err != nil {
				t.Fatalf("direct text does not parse: %v", err)
			}
			if len(got) != len(want) {
				t.Fatalf("direct text has %d families, collector %d", len(got), len(want))
			}
			for name, wf := range want {
				gf := got[name]
				if gf == nil {
					t.Errorf("family %s missing from direct text", name)
					continue
				}
				if gs, ws := seriesSet(gf), seriesSet(wf); gs != ws {
					t.Errorf("family %s differs:\ndirect:\n%s\ncollector:\n%s", name, gs, ws)
				}
			}
		})
	}
}

func seriesSet(mf *dto.MetricFamily) string {
	var lines []string
	for _, m := range mf.GetMetric() {
		var b strings.Builder
		b.WriteString(mf.GetType().String())
		lps := m.GetLabel()
		sort.Slice(lps, func(i, j int) bool { return lps[i].GetName() < lps[j].GetName() })
		for _, lp := range lps {
			b.WriteString(" " + lp.GetName() + "=" + lp.GetValue())
		}
		v := m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
		b.WriteString(" " + strconv.FormatFloat(v, 'g', -1, 64))
		lines = append(lines, b.String())
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestExporterSeriesFollowTargets(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	store := fleet.NewStore()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewExporter(store))
	if got := render(t, reg); got != "" {
		t.Fatalf("before the first cycle the exporter must expose nothing, got:\n%s", got)
	}
	snap := fleetSnapshot(now)
	store.Publish(snap)
	if !strings.Contains(render(t, reg), `deployment="orders"`) {
		t.Fatal("orders not exposed")
	}
	gone := *snap
	gone.Targets = snap.Targets[:1]
	store.Publish(&gone)
	out := render(t, reg)
	if strings.Contains(out, `deployment="orders"`) {
		t.Errorf("series of a vanished target are still exposed:\n%s", out)
	}
	if strings.Contains(out, "flinkslo_job_healthy{") && !strings.Contains(out, `job_name="fraud-scoring"`) {
		t.Errorf("remaining target lost its series:\n%s", out)
	}
}

// diffLines lists the lines only in one of a and b.
func diffLines(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !mb[l] {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if !ma[l] {
			out = append(out, "- "+l)
		}
	}
	return strings.Join(out, "\n")
}
