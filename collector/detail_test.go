package collector

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// detailYAML reads every target in detail every cycle (one minute), with
// windows short enough to see each reason within minutes.
const detailYAML = `scrapeInterval: 1m
detailInterval: 1m
health:
  stuckAfter: 5m
  backpressureAfter: 3m
  watermarkLagUnhealthyAfter: 3m
`

var detailScenarios = []flinkfake.Scenario{
	flinkfake.Healthy, flinkfake.Stuck, flinkfake.IdleSource, flinkfake.WatermarkLag, flinkfake.NoWatermark,
	flinkfake.Backpressure, flinkfake.SlowCheckpoints, flinkfake.BoundedSource, flinkfake.MetricsPending,
}

func jobOf(t *testing.T, ts fleet.TargetStatus, name string) fleet.JobStatus {
	t.Helper()
	for _, j := range ts.Jobs {
		if j.Name == name {
			return j
		}
	}
	t.Fatalf("%s: no job %s", ts.Deployment, name)
	return fleet.JobStatus{}
}

// TestDetailSignalsEveryVersion runs the loop for eight minutes of the
// simulators' time against a JobManager of every Flink line running a job
// per detail scenario, and one whose TaskManagers are short of memory, and
// checks each signal where users see it: the snapshot.
func TestDetailSignalsEveryVersion(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	urls := map[string]string{}
	var specs []flinkfake.JobSpec
	for _, s := range detailScenarios {
		specs = append(specs, flinkfake.JobSpec{Name: s.String(), Scenario: s})
	}
	for _, v := range flinkfake.Versions() {
		name := "jm-" + strings.ReplaceAll(string(v), ".", "-")
		_, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Version: v, Now: clock.Now, Cluster: name, Jobs: specs,
			CheckpointTimeout: time.Minute, WatermarkLag: 7 * time.Minute})
		urls[name] = srv.URL
		_, mem := flinkfake.ServeJobManager(t, flinkfake.Options{Version: v, Now: clock.Now, Cluster: name + "-mem",
			Jobs: []flinkfake.JobSpec{{Name: "memory", Scenario: flinkfake.MemoryPressure}}})
		urls[name+"-mem"] = mem.URL
	}
	l := fleetLoop(t, urls, detailYAML, clock.Now)
	var snap *fleet.Snapshot
	for range 9 {
		snap = l.RunOnce(context.Background())
		clock.Advance(time.Minute)
	}
	for _, v := range flinkfake.Versions() {
		name := "jm-" + strings.ReplaceAll(string(v), ".", "-")
		t.Run(string(v), func(t *testing.T) {
			ts := target(t, snap, name)
			has := func(s flinkfake.Scenario, r fleet.Reason) bool {
				return slices.Contains(jobOf(t, ts, s.String()).Reasons, r)
			}
			for _, s := range detailScenarios {
				j := jobOf(t, ts, s.String())
				if j.Detail.At.IsZero() {
					t.Errorf("%s: never read in detail", s)
				}
			}

			h := jobOf(t, ts, "healthy")
			if !h.Healthy || !h.Detail.HasSourceRecords || h.Detail.SourceRecords == 0 || !h.Detail.HasSinkRecords {
				t.Errorf("healthy: healthy=%v %v, detail %+v", h.Healthy, h.Reasons, h.Detail)
			}
			if !h.Detail.HasWatermarkLag || h.Detail.WatermarkLag > 5*time.Second || !h.Detail.HasBackpressure || h.Detail.Bottleneck != "" {
				t.Errorf("healthy: watermark lag %s (known %v), backpressure known %v, bottleneck %q", h.Detail.WatermarkLag, h.Detail.HasWatermarkLag, h.Detail.HasBackpressure, h.Detail.Bottleneck)
			}
			if c := h.CheckpointCost; !c.Known || c.Timeout != time.Minute || c.TimeoutRatio <= 0 || c.TimeoutRatio > 0.5 {
				t.Errorf("healthy: checkpoint cost %+v", c)
			}

			if !has(flinkfake.Stuck, fleet.ReasonNoProgress) {
				t.Errorf("stuck (pendingRecords growing): reasons %v, want no_progress", jobOf(t, ts, "stuck").Reasons)
			}
			// An idle source without idleness holds the watermark back, which
			// the watermark check rightly reports; idle is not stuck.
			if j := jobOf(t, ts, "idle-source"); !slices.Equal(j.Reasons, []fleet.Reason{fleet.ReasonWatermarkLagging}) {
				t.Errorf("idle source (pendingRecords 0): reasons %v, want only watermark_lagging", j.Reasons)
			}

			w := jobOf(t, ts, "watermark-lag")
			if !w.Detail.HasWatermarkLag || w.Detail.WatermarkLag < 7*time.Minute || w.Detail.WatermarkLag > 7*time.Minute+5*time.Second || !has(flinkfake.WatermarkLag, fleet.ReasonWatermarkLagging) {
				t.Errorf("watermark lag: %s (known %v), reasons %v; want 7m and watermark_lagging", w.Detail.WatermarkLag, w.Detail.HasWatermarkLag, w.Reasons)
			}
			if j := jobOf(t, ts, "no-watermark"); j.Detail.HasWatermarkLag || !j.Healthy {
				t.Errorf("no watermark (Long.MIN_VALUE): lag %s known %v, reasons %v; want unknown and healthy", j.Detail.WatermarkLag, j.Detail.HasWatermarkLag, j.Reasons)
			}

			b := jobOf(t, ts, "backpressure")
			if !strings.Contains(b.Detail.Bottleneck, "backpressure_enrich") || b.Detail.BackpressuredRatio < 0.85 || !has(flinkfake.Backpressure, fleet.ReasonBackpressured) {
				t.Errorf("backpressure: bottleneck %q busy %v, back-pressured %v, reasons %v; want the enrich vertex and backpressured",
					b.Detail.Bottleneck, b.Detail.BottleneckBusyRatio, b.Detail.BackpressuredRatio, b.Reasons)
			}

			sc := jobOf(t, ts, "slow-checkpoints")
			if c := sc.CheckpointCost; c.TimeoutRatio < 0.85 || c.IncrementalSize <= 0 || c.Size < c.IncrementalSize || !has(flinkfake.SlowCheckpoints, fleet.ReasonCheckpointHeadroom) {
				t.Errorf("slow checkpoints: cost %+v, reasons %v; want 90%% of the timeout and checkpoint_timeout_headroom", c, sc.Reasons)
			}

			if j := jobOf(t, ts, "bounded-source"); !j.Healthy || !j.Detail.HasSourceRecords {
				t.Errorf("bounded source finished: reasons %v, detail %+v; want healthy, the streaming source counted", j.Reasons, j.Detail)
			}
			if j := jobOf(t, ts, "metrics-pending"); j.Detail.HasSinkRecords || j.Detail.HasWatermarkLag || !j.Detail.HasBackpressure || !j.Healthy {
				t.Errorf("sink without metrics yet: detail %+v, reasons %v; want sink records and watermark unknown, the others read, healthy", j.Detail, j.Reasons)
			}

			m := target(t, snap, name+"-mem").Memory
			if !m.Known || m.HeapUsed/m.HeapMax < 0.9 || !m.HasGCTime || m.GCTimeRatio < 0.3 || m.GCTimeRatio > 0.5 {
				t.Errorf("memory pressure: %+v; want heap over 90%% used and about 45%% of the time in GC", m)
			}
			if m := ts.Memory; !m.Known || m.HeapUsed/m.HeapMax > 0.9 || !m.HasGCTime || m.GCTimeRatio > 0.2 {
				t.Errorf("TaskManagers without pressure: %+v", m)
			}
		})
	}
}

// TestNoProgressNeedsInput is the held-back check of no_progress with a
// real Kafka: two jobs read nothing for longer than stuckAfter; the one
// whose consumer group has records waiting is no_progress, the one whose
// input is empty (lag 0) is idle and healthy.
func TestNoProgressNeedsInput(t *testing.T) {
	ctx := context.Background()
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	kc, err := kafkafake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	for topic, committed := range map[string]int64{"orders": 0, "quiet": 500} {
		if err := kc.CreateTopic(ctx, topic, 1); err != nil {
			t.Fatal(err)
		}
		if err := kc.Fill(ctx, topic, 1, 500, clock.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := kc.Commit(ctx, topic+"-group", kafkafake.Offsets{topic: {0: committed}}); err != nil {
			t.Fatal(err)
		}
	}
	// Both jobs' record counts are frozen; the simulator's Stuck job has a
	// backlog, but here Kafka, which measures it from outside, decides.
	_, stuck := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now, Jobs: []flinkfake.JobSpec{{Name: "orders", Scenario: flinkfake.Stuck}}})
	_, idle := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now, Jobs: []flinkfake.JobSpec{{Name: "quiet", Scenario: flinkfake.IdleSource}}})
	yaml := detailYAML + fmt.Sprintf(`kafka: {brokers: [%q]}
teams: { t: {} }
targets:
  - { name: orders, team: t, url: %q, kafka: { consumerGroups: [orders-group] } }
  - { name: quiet, team: t, url: %q, kafka: { consumerGroups: [quiet-group] } }
`, kc.Brokers()[0], stuck.URL, idle.URL)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	lag, err := kafka.New(cfg.Kafka, func(string) string { return "" }, slog.New(slog.DiscardHandler), kafka.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lag.Close)
	l, err := NewLoop(Options{Sources: []TargetSource{StaticSource(StaticTargets(cfg))}, Store: fleet.NewStore(), Config: ConfigFrom(cfg),
		Policy: testPolicy(t, cfg), Lag: lag, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var snap *fleet.Snapshot
	for range 8 {
		lag.SetGroups(groupsByCluster(StaticTargets(cfg)))
		if err := lag.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		snap = l.RunOnce(ctx)
		clock.Advance(time.Minute)
	}
	o, q := target(t, snap, "orders").Jobs[0], target(t, snap, "quiet").Jobs[0]
	if !o.HasKafkaLag || o.KafkaLagRecords != 500 || !slices.Contains(o.Reasons, fleet.ReasonNoProgress) {
		t.Errorf("reading nothing with 500 records waiting: lag %v (known %v), reasons %v; want no_progress", o.KafkaLagRecords, o.HasKafkaLag, o.Reasons)
	}
	if !q.HasKafkaLag || q.KafkaLagRecords != 0 || slices.Contains(q.Reasons, fleet.ReasonNoProgress) {
		t.Errorf("reading nothing with nothing to read: lag %v (known %v), reasons %v; want idle, not no_progress", q.KafkaLagRecords, q.HasKafkaLag, q.Reasons)
	}
}

// The detail reads come once per detailInterval per target, spread evenly
// over the cycles in between, and only for RUNNING jobs.
func TestDetailCadence(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	urls := map[string]string{}
	jms := map[string]*flinkfake.JobManager{}
	for i := range 8 {
		name := fmt.Sprintf("jm-%d", i)
		jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now, Cluster: name})
		urls[name], jms[name] = srv.URL, jm
	}
	if err := jms["jm-0"].SetJobScenario("jm-0", flinkfake.Failed, flinkfake.UserCode); err != nil {
		t.Fatal(err)
	}
	l := fleetLoop(t, urls, "scrapeInterval: 15s\ndetailInterval: 1m\n", clock.Now)
	reads := map[string]int{}
	for c := range 8 {
		snap := l.RunOnce(context.Background())
		n := 0
		for _, ts := range snap.Targets {
			if j := ts.Jobs[0]; j.Detail.At.Equal(clock.Now()) {
				reads[ts.Deployment]++
				n++
			}
		}
		if c > 0 && n != 2 && n != 1 {
			// Seven running jobs over four slots: one or two each cycle.
			t.Errorf("cycle %d read %d jobs in detail, want 1 or 2", c, n)
		}
		clock.Advance(15 * time.Second)
	}
	for name := range urls {
		want := 2 // eight cycles, every fourth
		if name == "jm-0" {
			want = 0 // not RUNNING
		}
		if reads[name] != want {
			t.Errorf("%s read in detail %d times in 2m, want %d", name, reads[name], want)
		}
	}
	off := fleetLoop(t, urls, "detailInterval: 0s\n", clock.Now)
	for range 3 {
		for _, ts := range off.RunOnce(context.Background()).Targets {
			if !ts.Jobs[0].Detail.At.IsZero() || ts.Memory.Known {
				t.Fatalf("%s read in detail with detailInterval 0s", ts.Deployment)
			}
		}
	}
}
