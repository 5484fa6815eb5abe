package health

import (
	"slices"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

func num(v float64) flink.Number { return flink.Number{Value: v, Valid: true} }

// busyBP is a vertex's subtask metrics aggregated with max, ms per second.
func busyBP(busy, bp float64) Load {
	return LoadOf(map[string]flink.AggregatedMetric{
		flink.MetricBusyTime: {Max: num(busy)}, flink.MetricBackPressuredTime: {Max: num(bp)},
	})
}

func io(read, written int64) flink.IOMetrics {
	return flink.IOMetrics{ReadRecords: read, ReadRecordsComplete: true, WriteRecords: written, WriteRecordsComplete: true}
}

// detailRead is a detail read at `at` of job j1: source → window → sink,
// the source having written `records` (the window and sink read as much),
// everyone a little busy, the sink's two subtasks 1.5 s behind the clock.
func detailRead(at time.Time, records int64, mutate ...func(*Detail)) *Detail {
	d := &Detail{
		At: at,
		Job: flink.JobDetails{ID: "j1", State: fleet.StateRunning, Vertices: []flink.Vertex{
			{ID: "src", Name: "Source: orders", Parallelism: 2, Status: "RUNNING", Metrics: io(0, records)},
			{ID: "win", Name: "Window(TumblingEventTimeWindows(60000))", Parallelism: 2, Status: "RUNNING", Metrics: io(records, records/50)},
			{ID: "sink", Name: "Sink: orders_sink", Parallelism: 2, Status: "RUNNING", Metrics: io(records/50, 0)},
		}, Plan: flink.Plan{Nodes: []flink.PlanNode{
			{ID: "src"}, {ID: "win", Inputs: []flink.PlanInput{{ID: "src"}}}, {ID: "sink", Inputs: []flink.PlanInput{{ID: "win"}}},
		}}},
		Load: map[string]Load{"src": busyBP(180, 0), "win": busyBP(320, 0), "sink": busyBP(90, 0)},
		Watermarks: map[string]flink.Watermarks{"sink": {
			{Subtask: 0, Watermark: flink.Watermark(at.Add(-1500 * time.Millisecond).UnixMilli())},
			{Subtask: 1, Watermark: flink.Watermark(at.Add(-1540 * time.Millisecond).UnixMilli())},
		}},
	}
	for _, m := range mutate {
		m(d)
	}
	return d
}

func vertex(d *Detail, id string) *flink.Vertex {
	for i := range d.Job.Vertices {
		if d.Job.Vertices[i].ID == id {
			return &d.Job.Vertices[i]
		}
	}
	panic("no vertex " + id)
}

func dur(d time.Duration) *time.Duration { return &d }

// TestNoProgress reads a job every minute for n minutes (its sources'
// count given per minute) and checks whether it ends up no_progress.
func TestNoProgress(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	lagging := []fleet.GroupLag{{Known: true, Records: 4_000, Status: "ok", StatusSince: t0.Add(-time.Hour)}}
	caughtUp := []fleet.GroupLag{{Known: true, Records: 0, Status: "ok", StatusSince: t0.Add(-time.Hour)}}
	frozen := func(n int, v int64) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	growing := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = 1000 + int64(i)*15_000
		}
		return out
	}
	tests := []struct {
		name    string
		target  fleet.Target
		lag     []fleet.GroupLag
		counts  []int64 // the sources' count at minute 0, 1, …
		mutate  func(i int, d *Detail)
		running time.Duration // how long ago the job started RUNNING (1h)
		want    bool
	}{
		{name: "reads nothing for 11m while its Kafka input has data", lag: lagging, counts: frozen(12, 90_000), want: true},
		{name: "reads nothing while its Kafka lag is 0: idle, not stuck", lag: caughtUp, counts: frozen(12, 90_000)},
		{name: "reads nothing for 9m: not yet", lag: lagging, counts: frozen(10, 90_000)},
		{name: "reads slowly but reads", lag: lagging, counts: growing(12)},
		{name: "no Kafka: pendingRecords growing says the input has data", counts: frozen(12, 90_000), want: true,
			mutate: func(i int, d *Detail) { d.Pending = map[string]float64{"src": float64(100 + 250*i)} }},
		{name: "no Kafka: pendingRecords 0 says the input is empty", counts: frozen(12, 90_000),
			mutate: func(_ int, d *Detail) { d.Pending = map[string]float64{"src": 0} }},
		{name: "nothing says whether input waits: the frozen count decides", counts: frozen(12, 90_000), want: true},
		{name: "the deployment turns the check off", target: fleet.Target{StuckAfter: dur(0)}, lag: lagging, counts: frozen(12, 90_000)},
		{name: "the deployment shortens the window", target: fleet.Target{StuckAfter: dur(5 * time.Minute)}, lag: lagging, counts: frozen(6, 90_000), want: true},
		{name: "counts not complete (metrics not in the store): never stuck", lag: lagging, counts: frozen(12, 90_000),
			mutate: func(_ int, d *Detail) { vertex(d, "src").Metrics.WriteRecordsComplete = false }},
		{name: "a restart starts the counts again: a new baseline, not a stall", lag: lagging,
			counts: append(frozen(8, 90_000), 0, 0, 0, 0)},
		{name: "nothing read since it started running 20m ago: stuck at the second read", lag: lagging, counts: frozen(2, 0),
			running: 20 * time.Minute, want: true},
		{name: "within the start-up grace", lag: lagging, counts: frozen(2, 0), running: time.Minute},
		{name: "a job chained into one vertex counts nothing: never judged", lag: lagging, counts: frozen(12, 0),
			mutate: func(_ int, d *Detail) {
				d.Job.Vertices = d.Job.Vertices[:1]
				d.Job.Plan.Nodes = d.Job.Plan.Nodes[:1]
			}},
		{name: "a finished bounded source is left out; the streaming one is stuck", lag: lagging, counts: frozen(12, 90_000), want: true,
			mutate: func(i int, d *Detail) {
				d.Job.Vertices = append(d.Job.Vertices, flink.Vertex{ID: "dim", Name: "Source: dim", Parallelism: 1, Status: "FINISHED", Metrics: io(0, 50_000)})
				d.Job.Plan.Nodes = append(d.Job.Plan.Nodes, flink.PlanNode{ID: "dim"})
				d.Job.Plan.Nodes[1].Inputs = append(d.Job.Plan.Nodes[1].Inputs, flink.PlanInput{ID: "dim"})
			}},
		{name: "a lower bound above the last count is progress", lag: lagging, counts: append(frozen(9, 90_000), 95_000, 95_000),
			mutate: func(i int, d *Detail) { vertex(d, "src").Metrics.WriteRecordsComplete = i != 9 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig(t, "targets: []\n")
			running := tt.running
			if running == 0 {
				running = time.Hour
			}
			m := &Memory{}
			var j fleet.JobStatus
			for i, n := range tt.counts {
				now := t0.Add(time.Duration(i) * time.Minute)
				d := detailRead(now, n)
				if tt.mutate != nil {
					tt.mutate(i, d)
				}
				o := observation(now, func(o *Observation) {
					o.Overview.StartTime = ms(t0.Add(-running))
					o.Details.Timestamps[fleet.StateRunning] = ms(t0.Add(-running))
					o.Detail = d
				})
				j = Evaluate(c, tt.target, m, o, tt.lag, now)
			}
			if got := slices.Contains(j.Reasons, fleet.ReasonNoProgress); got != tt.want {
				t.Errorf("no_progress = %v, want %v (reasons %v, sources grew at %s, read at %s)", got, tt.want, j.Reasons, j.Detail.SourcesGrewAt, j.Detail.At)
			}
		})
	}
}

// The records counters carry over a restart of the tasks and count only
// complete values.
func TestRecordCounters(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	c := testConfig(t, "targets: []\n")
	m := &Memory{}
	var j fleet.JobStatus
	for i, n := range []int64{1000, 3000, 500, 900} {
		now := t0.Add(time.Duration(i) * time.Minute)
		j = Evaluate(c, fleet.Target{}, m, observation(t0, func(o *Observation) { o.Detail = detailRead(now, n) }), nil, now)
	}
	// 3000 before the restart, then 900 since.
	if !j.Detail.HasSourceRecords || j.Detail.SourceRecords != 3900 || j.Detail.SinkRecords != 60+18 {
		t.Errorf("records: sources %v (known %v), sinks %v; want 3900 and 78", j.Detail.SourceRecords, j.Detail.HasSourceRecords, j.Detail.SinkRecords)
	}
	now := t0.Add(5 * time.Minute)
	j = Evaluate(c, fleet.Target{}, m, observation(t0, func(o *Observation) {
		o.Detail = detailRead(now, 10, func(d *Detail) { vertex(d, "src").Metrics.WriteRecordsComplete = false })
	}), nil, now)
	if j.Detail.SourceRecords != 3900 {
		t.Errorf("an incomplete count moved the counter to %v", j.Detail.SourceRecords)
	}
}

func TestWatermarkLag(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	wm := func(d time.Duration) flink.Watermark { return flink.Watermark(now.Add(-d).UnixMilli()) }
	sink := func(ws ...flink.Watermark) func(*Detail) {
		return func(d *Detail) {
			var out flink.Watermarks
			for i, w := range ws {
				out = append(out, flink.SubtaskWatermark{Subtask: i, Watermark: w})
			}
			d.Watermarks = map[string]flink.Watermarks{"sink": out}
		}
	}
	tests := []struct {
		name   string
		target fleet.Target
		global string
		mutate func(*Detail)
		known  bool
		lag    time.Duration
		reason bool
	}{
		{name: "current: 1.5s behind", known: true, lag: 1540 * time.Millisecond},
		{name: "one subtask 7m behind holds the job back", mutate: sink(wm(7*time.Minute), wm(time.Second)), known: true, lag: 7 * time.Minute},
		{name: "Long.MIN_VALUE: no watermark yet, unknown, not 292 million years", mutate: sink(flink.NoWatermark, flink.NoWatermark)},
		{name: "one subtask without a watermark makes it unknown", mutate: sink(wm(time.Second), flink.NoWatermark)},
		{name: "a subtask missing from the store makes it unknown", mutate: sink(wm(time.Second))},
		{name: "no watermarks in the store yet", mutate: sink()},
		{name: "a sink whose inputs ended holds nothing back", mutate: func(d *Detail) {
			sink(flink.EndOfInput, flink.EndOfInput)(d)
		}},
		{name: "ahead of the clock is no lag", mutate: sink(wm(-time.Minute), wm(-time.Minute)), known: true, lag: 0},
		{name: "lagging with the check off (the default)", mutate: sink(wm(7*time.Minute), wm(7*time.Minute)), known: true, lag: 7 * time.Minute},
		{name: "lagging past the global threshold", global: "5m", mutate: sink(wm(7*time.Minute), wm(7*time.Minute)), known: true, lag: 7 * time.Minute, reason: true},
		{name: "lagging past the deployment's threshold", target: fleet.Target{WatermarkLagAfter: dur(3 * time.Minute)}, mutate: sink(wm(7*time.Minute), wm(7*time.Minute)), known: true, lag: 7 * time.Minute, reason: true},
		{name: "a deployment opts out of the global check", global: "5m", target: fleet.Target{WatermarkLagAfter: dur(0)}, mutate: sink(wm(7*time.Minute), wm(7*time.Minute)), known: true, lag: 7 * time.Minute},
		{name: "unknown never counts as lagging", global: "5m", mutate: sink(flink.NoWatermark, flink.NoWatermark)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := "targets: []\n"
			if tt.global != "" {
				yaml += "health: {watermarkLagUnhealthyAfter: " + tt.global + "}\n"
			}
			c := testConfig(t, yaml)
			d := detailRead(now, 1000)
			if tt.mutate != nil {
				tt.mutate(d)
			}
			j := Evaluate(c, tt.target, &Memory{}, observation(now, func(o *Observation) { o.Detail = d }), nil, now)
			if j.Detail.HasWatermarkLag != tt.known || j.Detail.WatermarkLag != tt.lag {
				t.Errorf("watermark lag %s (known %v), want %s (known %v)", j.Detail.WatermarkLag, j.Detail.HasWatermarkLag, tt.lag, tt.known)
			}
			if got := slices.Contains(j.Reasons, fleet.ReasonWatermarkLagging); got != tt.reason {
				t.Errorf("watermark_lagging = %v, want %v (reasons %v)", got, tt.reason, j.Reasons)
			}
		})
	}
}

func TestBackpressure(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	// pipeline: source → window → enrich → sink.
	pipeline := func(d *Detail) {
		d.Job.Vertices = slices.Insert(d.Job.Vertices, 2, flink.Vertex{ID: "enrich", Name: "Map: orders_enrich", Parallelism: 2, Status: "RUNNING", Metrics: io(20, 20)})
		d.Job.Plan.Nodes = []flink.PlanNode{
			{ID: "src"}, {ID: "win", Inputs: []flink.PlanInput{{ID: "src"}}},
			{ID: "enrich", Inputs: []flink.PlanInput{{ID: "win"}}}, {ID: "sink", Inputs: []flink.PlanInput{{ID: "enrich"}}},
		}
	}
	ratios := func(m map[string][2]float64) func(*Detail) {
		return func(d *Detail) {
			d.Load = map[string]Load{}
			for id, r := range m {
				d.Load[id] = busyBP(r[0], r[1])
			}
		}
	}
	tests := []struct {
		name       string
		mutate     []func(*Detail)
		known      bool
		busy, bp   float64
		bottleneck string
	}{
		{name: "healthy: nothing busy, no bottleneck", known: true, busy: 0.32},
		{name: "enrich is busy, everything upstream back-pressured: enrich is the bottleneck", known: true, busy: 0.985, bp: 0.9, bottleneck: "Map: orders_enrich",
			mutate: []func(*Detail){pipeline, ratios(map[string][2]float64{"src": {60, 900}, "win": {60, 890}, "enrich": {985, 0}, "sink": {90, 0}})}},
		{name: "a busy vertex whose downstream is back-pressured is not the bottleneck", known: true, busy: 0.99, bp: 0.9, bottleneck: "Sink: orders_sink",
			mutate: []func(*Detail){ratios(map[string][2]float64{"src": {990, 0}, "win": {60, 900}, "sink": {995 - 40, 0}})}},
		{name: "a busy sink (no downstream) is the bottleneck", known: true, busy: 0.97, bp: 0.8, bottleneck: "Sink: orders_sink",
			mutate: []func(*Detail){ratios(map[string][2]float64{"src": {50, 800}, "win": {70, 780}, "sink": {970, 0}})}},
		{name: "a vertex with no metrics yet is left out", known: true, busy: 0.32,
			mutate: []func(*Detail){func(d *Detail) { d.Load["sink"] = LoadOf(map[string]flink.AggregatedMetric{}) }}},
		{name: "NaN busy time is not measured, not 0: never the bottleneck", known: true, busy: 0.05, bp: 0.7,
			mutate: []func(*Detail){ratios(map[string][2]float64{"src": {50, 700}, "win": {60, 0}}), func(d *Detail) {
				d.Load["win"] = LoadOf(map[string]flink.AggregatedMetric{flink.MetricBusyTime: {}, flink.MetricBackPressuredTime: {Max: num(0)}})
			}}},
		{name: "no vertex has metrics yet: unknown",
			mutate: []func(*Detail){func(d *Detail) { d.Load = map[string]Load{"src": {}, "win": {}} }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig(t, "targets: []\n")
			j := Evaluate(c, fleet.Target{}, &Memory{}, observation(now, func(o *Observation) { o.Detail = detailRead(now, 1000, tt.mutate...) }), nil, now)
			d := j.Detail
			if d.HasBackpressure != tt.known || d.BusyRatio != tt.busy || d.BackpressuredRatio != tt.bp || d.Bottleneck != tt.bottleneck {
				t.Errorf("got known=%v busy %v bp %v bottleneck %q, want known=%v busy %v bp %v bottleneck %q",
					d.HasBackpressure, d.BusyRatio, d.BackpressuredRatio, d.Bottleneck, tt.known, tt.busy, tt.bp, tt.bottleneck)
			}
		})
	}
}

// backpressured holds once the job stays back-pressured for
// health.backpressureAfter; a read that is not breaks the streak.
func TestBackpressuredReason(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	c := testConfig(t, "targets: []\nhealth: {backpressureAfter: 5m}\n")
	pressed := func(d *Detail) { d.Load["src"] = busyBP(50, 900); d.Load["win"] = busyBP(990, 0) }
	m := &Memory{}
	for i, tc := range []struct {
		pressed bool
		want    bool
	}{{true, false}, {true, false}, {false, false}, {true, false}, {true, false}, {true, false}, {true, false}, {true, false}, {true, true}} {
		now := t0.Add(time.Duration(i) * time.Minute)
		d := detailRead(now, 1000)
		if tc.pressed {
			pressed(d)
		}
		j := Evaluate(c, fleet.Target{}, m, observation(now, func(o *Observation) { o.Detail = d }), nil, now)
		if got := slices.Contains(j.Reasons, fleet.ReasonBackpressured); got != tc.want {
			t.Errorf("minute %d: backpressured = %v, want %v (since %s)", i, got, tc.want, j.Detail.BackpressuredSince)
		}
		if tc.pressed && j.Detail.Bottleneck != "Window(TumblingEventTimeWindows(60000))" {
			t.Errorf("minute %d: bottleneck %q", i, j.Detail.Bottleneck)
		}
	}
}

// A read of another job id (the job was resubmitted since) says nothing
// about this one, nor does a job that is not running.
func TestDetailOfAnotherRun(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := testConfig(t, "targets: []\n")
	for name, mutate := range map[string]func(*Observation){
		"another job id": func(o *Observation) { o.Detail.Job.ID = "j0" },
		"not running":    func(o *Observation) { o.Overview.State = fleet.StateRestarting },
	} {
		t.Run(name, func(t *testing.T) {
			j := Evaluate(c, fleet.Target{}, &Memory{}, observation(now, func(o *Observation) { o.Detail = detailRead(now, 1000) }, mutate), nil, now)
			if d := j.Detail; !d.At.IsZero() || d.HasWatermarkLag || d.HasBackpressure || d.HasSourceRecords {
				t.Errorf("detail signals from a read that does not apply: %+v", d)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	long := "Calc(select=[CAST(é AS VARCHAR)])" + string(make([]byte, 200))
	if got := shorten(long, maxVertexName); len(got) > maxVertexName || got[len(got)-len("…"):] != "…" {
		t.Errorf("shorten gave %d bytes: %q", len(got), got)
	}
	if got := shorten("Map: x", maxVertexName); got != "Map: x" {
		t.Errorf("a short name changed: %q", got)
	}
}
