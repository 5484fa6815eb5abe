package flinkfake

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// Views of the detail endpoints, decoded independently of collector/flink.

type ioJSON struct {
	ReadRecords          int64    `json:"read-records"`
	ReadRecordsComplete  bool     `json:"read-records-complete"`
	WriteRecords         int64    `json:"write-records"`
	WriteRecordsComplete bool     `json:"write-records-complete"`
	AccBusy              *float64 `json:"accumulated-busy-time"`
	AccIdle              *int64   `json:"accumulated-idle-time"`
}

type detailsJSON struct {
	Vertices []struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		EndTime int64  `json:"end-time"`
		Metrics ioJSON `json:"metrics"`
	} `json:"vertices"`
}

type aggJSON struct {
	ID  string   `json:"id"`
	Max *float64 `json:"max"`
	Sum *float64 `json:"sum"`
}

func details(t *testing.T, f *fixture) detailsJSON {
	t.Helper()
	var d detailsJSON
	get(t, f.jm, "/jobs/"+f.id, &d)
	return d
}

// aggregated fetches the vertex's subtask metrics, aggregated as agg asks.
func aggregated(t *testing.T, f *fixture, vid, names, agg string) map[string]aggJSON {
	t.Helper()
	var ms []aggJSON
	get(t, f.jm, "/jobs/"+f.id+"/vertices/"+vid+"/subtasks/metrics?get="+names+"&agg="+agg, &ms)
	out := map[string]aggJSON{}
	for _, m := range ms {
		out[m.ID] = m
	}
	return out
}

// minWatermark is the lowest input watermark of a vertex's subtasks.
func minWatermark(t *testing.T, f *fixture, vid string) (int64, int) {
	t.Helper()
	var ms []metricJSON
	get(t, f.jm, "/jobs/"+f.id+"/vertices/"+vid+"/watermarks", &ms)
	low := int64(1<<63 - 1)
	for _, m := range ms {
		n, err := strconv.ParseInt(m.Value, 10, 64)
		if err != nil {
			t.Fatalf("watermark %s = %q", m.ID, m.Value)
		}
		low = min(low, n)
	}
	return low, len(ms)
}

func TestStuckAndIdleFreezeRecords(t *testing.T) {
	for _, tc := range []struct {
		s           Scenario
		pendingGrow bool
	}{{Stuck, true}, {IdleSource, false}} {
		t.Run(tc.s.String(), func(t *testing.T) {
			f := newFixture(t, Options{Jobs: []JobSpec{{Name: "orders", Scenario: tc.s}}})
			src := details(t, f).Vertices[0]
			p0 := aggregated(t, f, src.ID, "Source__orders_src.pendingRecords", "sum")
			var cp0, cp1 checkpointsJSON
			get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &cp0)
			f.clk.Advance(5 * time.Minute)
			get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &cp1)
			d := details(t, f)
			if got := d.Vertices[0].Metrics; got.WriteRecords != src.Metrics.WriteRecords || !got.WriteRecordsComplete || got.WriteRecords == 0 {
				t.Errorf("source write-records %d → %+v, want frozen, non-zero and complete", src.Metrics.WriteRecords, got)
			}
			if cp1.Counts.Completed <= cp0.Counts.Completed {
				t.Errorf("checkpoints completed %d → %d, want them completing", cp0.Counts.Completed, cp1.Counts.Completed)
			}
			p1 := aggregated(t, f, src.ID, "Source__orders_src.pendingRecords", "sum")
			grew := *p1["Source__orders_src.pendingRecords"].Sum > *p0["Source__orders_src.pendingRecords"].Sum
			if zero := *p1["Source__orders_src.pendingRecords"].Sum == 0; grew != tc.pendingGrow || zero == tc.pendingGrow {
				t.Errorf("pendingRecords %v → %v: want growing %v (and 0 when idle)", *p0["Source__orders_src.pendingRecords"].Sum, *p1["Source__orders_src.pendingRecords"].Sum, tc.pendingGrow)
			}
			if busy := aggregated(t, f, src.ID, "busyTimeMsPerSecond", "max")["busyTimeMsPerSecond"]; *busy.Max != 0 {
				t.Errorf("source busy %v, want 0 (idle)", *busy.Max)
			}
		})
	}
}

// TestSwitchesKeepCountersMonotonic: leaving and re-entering a stall
// carries the counts and accumulated times over; a restart starts them
// again, as a new task attempt does.
func TestSwitchesKeepCountersMonotonic(t *testing.T) {
	f := newFixture(t, Options{Version: V1_20})
	prev := details(t, f)
	for _, s := range []Scenario{Stuck, Healthy, Backpressure, IdleSource, Healthy} {
		if err := f.jm.SetJobScenario("orders", s, 0); err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(time.Minute)
		d := details(t, f)
		for i, v := range d.Vertices {
			p := prev.Vertices[i].Metrics
			if v.Metrics.WriteRecords < p.WriteRecords || v.Metrics.ReadRecords < p.ReadRecords || *v.Metrics.AccBusy < *p.AccBusy || *v.Metrics.AccIdle < *p.AccIdle {
				t.Errorf("after %s vertex %d went %+v → %+v", s, i, p, v.Metrics)
			}
		}
		prev = d
	}
	f.jm.Failover()
	f.clk.Advance(2 * time.Second)
	if d := details(t, f); d.Vertices[0].Metrics.WriteRecords >= prev.Vertices[0].Metrics.WriteRecords {
		t.Errorf("write-records %d after a failover, want a fresh count below %d", d.Vertices[0].Metrics.WriteRecords, prev.Vertices[0].Metrics.WriteRecords)
	}
}

func TestWatermarks(t *testing.T) {
	lag := 7 * time.Minute
	f := newFixture(t, Options{WatermarkLag: lag, Jobs: []JobSpec{{Name: "orders", Scenario: WatermarkLag}}})
	d := details(t, f)
	if _, n := minWatermark(t, f, d.Vertices[0].ID); n != 0 {
		t.Errorf("the source vertex has %d input watermarks, want none", n)
	}
	sink := d.Vertices[2].ID
	wm, n := minWatermark(t, f, sink)
	if got := time.Duration(f.clk.Now().UnixMilli()-wm) * time.Millisecond; got != lag || n != 2 {
		t.Errorf("sink watermark lag %s over %d subtasks, want %s over 2", got, n, lag)
	}
	if err := f.jm.SetJobScenario("orders", NoWatermark, 0); err != nil {
		t.Fatal(err)
	}
	if wm, _ := minWatermark(t, f, sink); wm != noWatermark {
		t.Errorf("watermark %d, want Long.MIN_VALUE", wm)
	}
	if err := f.jm.SetJobScenario("orders", Stuck, 0); err != nil {
		t.Fatal(err)
	}
	a, _ := minWatermark(t, f, sink)
	f.clk.Advance(time.Minute)
	if b, _ := minWatermark(t, f, sink); b != a {
		t.Errorf("a stuck job's watermark moved %d → %d", a, b)
	}
}

func TestBackpressureBottleneck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spec    Scenario // submitted with
		neck    int
		upBP    []int
		vertexN int
	}{
		{"submitted: four-vertex pipeline", Backpressure, 2, []int{0, 1}, 4},
		{"switched: the window of three", Healthy, 1, []int{0}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Jobs: []JobSpec{{Name: "orders", Scenario: tc.spec}}})
			if err := f.jm.SetJobScenario("orders", Backpressure, 0); err != nil {
				t.Fatal(err)
			}
			d := details(t, f)
			if len(d.Vertices) != tc.vertexN {
				t.Fatalf("%d vertices, want %d", len(d.Vertices), tc.vertexN)
			}
			for i, v := range d.Vertices {
				m := aggregated(t, f, v.ID, "busyTimeMsPerSecond,backPressuredTimeMsPerSecond", "max")
				busy, bp := *m["busyTimeMsPerSecond"].Max, *m["backPressuredTimeMsPerSecond"].Max
				up := false
				for _, u := range tc.upBP {
					up = up || u == i
				}
				switch {
				case i == tc.neck && (busy < 950 || bp != 0):
					t.Errorf("bottleneck %d busy %v bp %v, want ~1000 and 0", i, busy, bp)
				case up && bp < 800:
					t.Errorf("upstream %d back-pressured %v, want ~900", i, bp)
				case i > tc.neck && bp != 0:
					t.Errorf("downstream %d back-pressured %v, want 0", i, bp)
				}
			}
		})
	}
}

func TestSlowCheckpointsNearTimeout(t *testing.T) {
	f := newFixture(t, Options{CheckpointTimeout: time.Minute, Jobs: []JobSpec{{Name: "orders", Scenario: SlowCheckpoints}}})
	var cfg struct {
		Timeout int64 `json:"timeout"`
	}
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints/config", &cfg)
	var cp struct {
		Latest struct {
			Completed struct {
				Duration int64 `json:"end_to_end_duration"`
				Size     int64 `json:"checkpointed_size"`
			} `json:"completed"`
		} `json:"latest"`
	}
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &cp)
	first := cp.Latest.Completed
	if cfg.Timeout != 60000 || first.Duration != 54000 {
		t.Errorf("timeout %d duration %d, want 60000 and 90%% of it", cfg.Timeout, first.Duration)
	}
	f.clk.Advance(2 * time.Minute)
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &cp)
	if cp.Latest.Completed.Size <= first.Size {
		t.Errorf("checkpointed_size %d → %d, want growing", first.Size, cp.Latest.Completed.Size)
	}
}

func TestMemoryPressureOnItsTaskManagers(t *testing.T) {
	f := newFixture(t, Options{Version: V1_19, Jobs: []JobSpec{{Name: "orders"}, {Name: "ledger", Scenario: MemoryPressure}}})
	value := func(tm, name string) float64 {
		var ms []metricJSON
		get(t, f.jm, "/taskmanagers/flink-taskmanager-1-"+tm+"/metrics?get="+name, &ms)
		if len(ms) != 1 {
			t.Fatalf("TaskManager %s %s: %v", tm, name, ms)
		}
		v, _ := strconv.ParseFloat(ms[0].Value, 64)
		return v
	}
	const heap = "Status.JVM.Memory.Heap.Used"
	for tm, want := range map[string]bool{"1": false, "2": false, "3": true, "4": true} {
		ratio := value(tm, heap) / heapMax
		gc := value(tm, "Status.JVM.GarbageCollector.All.TimeMsPerSecond")
		if (ratio > 0.9 && gc > 300) != want {
			t.Errorf("TaskManager %s heap %.2f gc %v ms/s, want pressure %v", tm, ratio, gc, want)
		}
	}
	before := value("3", "Status.JVM.GarbageCollector.G1_Old_Generation.Time")
	if err := f.jm.SetJobScenario("ledger", Healthy, 0); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Minute)
	if after := value("3", "Status.JVM.GarbageCollector.G1_Old_Generation.Time"); after < before {
		t.Errorf("old-generation GC time went down %v → %v when the pressure ended", before, after)
	}
}

func TestBoundedSourceFinishes(t *testing.T) {
	clk := NewClock(t0)
	jm := New(Options{Now: clk.Now, Jobs: []JobSpec{{Name: "warm"}}})
	f := &fixture{clk: clk, jm: jm, id: jm.AddJob(JobSpec{Name: "orders", Scenario: BoundedSource})}
	clk.Advance(30 * time.Second)
	dim := details(t, f).Vertices[1]
	if dim.Status != "RUNNING" || dim.EndTime != -1 {
		t.Errorf("dimension source after 30s: %s end %d, want RUNNING", dim.Status, dim.EndTime)
	}
	clk.Advance(time.Minute)
	d := details(t, f)
	dim = d.Vertices[1]
	if dim.Status != "FINISHED" || dim.EndTime <= 0 || dim.Metrics.WriteRecords != boundedRecords || !dim.Metrics.WriteRecordsComplete {
		t.Errorf("dimension source after 90s: %+v, want FINISHED with its final, complete count", dim)
	}
	if m := aggregated(t, f, dim.ID, "busyTimeMsPerSecond", "max"); len(m) != 0 {
		t.Errorf("a finished vertex's subtask metrics %v, want none", m)
	}
	var ov jobsOverviewJSON
	get(t, f.jm, "/jobs/overview", &ov)
	if j := ov.Jobs[1]; j.State != "RUNNING" || j.Tasks["finished"] != 1 {
		t.Errorf("job %+v: want RUNNING with one finished task", j)
	}
}

func TestMetricsPending(t *testing.T) {
	f := newFixture(t, Options{Jobs: []JobSpec{{Name: "orders", Scenario: MetricsPending}}})
	d := details(t, f)
	sink := d.Vertices[2]
	if m := sink.Metrics; m.ReadRecords != 0 || m.ReadRecordsComplete || m.WriteRecordsComplete {
		t.Errorf("sink metrics %+v, want 0 and incomplete", m)
	}
	if !d.Vertices[1].Metrics.ReadRecordsComplete {
		t.Error("the window's metrics must stay complete")
	}
	if _, n := minWatermark(t, f, sink.ID); n != 0 {
		t.Errorf("%d watermarks for a vertex without metrics, want none", n)
	}
	var list []map[string]string
	get(t, f.jm, "/jobs/"+f.id+"/vertices/"+sink.ID+"/subtasks/metrics", &list)
	if len(list) != 0 {
		t.Errorf("listing %v, want empty", list)
	}
}

// TestAggregationQuirks: Flink answers [] when one asked-for metric is
// missing, and only 1.20+ knows agg=skew.
func TestAggregationQuirks(t *testing.T) {
	for _, v := range []Version{V1_19, V1_20} {
		f := newFixture(t, Options{Version: v})
		src := details(t, f).Vertices[0].ID
		if m := aggregated(t, f, src, "busyTimeMsPerSecond,currentInputWatermark", "max"); len(m) != 0 {
			t.Errorf("%s: a source asked for its (missing) input watermark answered %v, want []", v, m)
		}
		code := get(t, f.jm, "/jobs/"+f.id+"/vertices/"+src+"/subtasks/metrics?get=busyTimeMsPerSecond&agg=skew", nil)
		if want := map[Version]int{V1_19: 400, V1_20: 200}[v]; code != want {
			t.Errorf("%s: agg=skew answered %d, want %d", v, code, want)
		}
		var all []map[string]json.RawMessage
		get(t, f.jm, "/jobs/"+f.id+"/vertices/"+src+"/subtasks/metrics?get=busyTimeMsPerSecond&subtasks=0-1", &all)
		if _, ok := all[0]["skew"]; ok != v.hasSkew() {
			t.Errorf("%s: default aggregations %v, want skew only from 1.20", v, all)
		}
	}
}
