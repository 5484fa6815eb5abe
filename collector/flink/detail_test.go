package flink

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// detailFixture is one JobManager of version v running a job per detail
// scenario, read through the production client over HTTP.
type detailFixture struct {
	ctx  context.Context
	c    *Client
	jm   *flinkfake.JobManager
	clk  *flinkfake.Clock
	v    flinkfake.Version
	jobs map[flinkfake.Scenario]JobDetails
}

const (
	testLag     = 7 * time.Minute
	testTimeout = time.Minute
)

var detailScenarios = []flinkfake.Scenario{
	flinkfake.Healthy, flinkfake.Stuck, flinkfake.IdleSource, flinkfake.WatermarkLag, flinkfake.NoWatermark,
	flinkfake.Backpressure, flinkfake.SlowCheckpoints, flinkfake.MemoryPressure, flinkfake.BoundedSource,
	flinkfake.MetricsPending,
}

func newDetailFixture(t *testing.T, v flinkfake.Version) *detailFixture {
	t.Helper()
	var specs []flinkfake.JobSpec
	for _, s := range detailScenarios {
		specs = append(specs, flinkfake.JobSpec{Name: s.String(), Scenario: s})
	}
	c, jm, clk := fakeClient(t, flinkfake.Options{
		Version: v, Cluster: "orders", Jobs: specs, WatermarkLag: testLag, CheckpointTimeout: testTimeout,
		GarbageCollectors: []string{"PS_Scavenge", "PS_MarkSweep"},
	})
	f := &detailFixture{ctx: context.Background(), c: c, jm: jm, clk: clk, v: v, jobs: map[flinkfake.Scenario]JobDetails{}}
	f.reload(t)
	return f
}

// reload reads every job's details again.
func (f *detailFixture) reload(t *testing.T) {
	t.Helper()
	for _, s := range detailScenarios {
		d, err := f.c.Job(f.ctx, jobID(t, f.jm, s.String()))
		if err != nil {
			t.Fatal(err)
		}
		f.jobs[s] = d
	}
}

// TestDetailSignalsEveryVersion reads the inputs of each detail signal
// from a JobManager of every version.
func TestDetailSignalsEveryVersion(t *testing.T) {
	for _, v := range flinkfake.Versions() {
		t.Run(string(v), func(t *testing.T) {
			f := newDetailFixture(t, v)
			t.Run("graph", f.checkGraph)
			t.Run("io metrics", f.checkIOMetrics)
			t.Run("stuck and idle", f.checkStuck)
			t.Run("watermarks", f.checkWatermarks)
			t.Run("backpressure", f.checkBackpressure)
			t.Run("checkpoint cost", f.checkCheckpointCost)
			t.Run("memory", f.checkMemory)
			t.Run("errors", f.checkErrors)
		})
	}
}

func (f *detailFixture) checkGraph(t *testing.T) {
	d := f.jobs[flinkfake.BoundedSource]
	g := d.Graph()
	ids := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, d.Vertices[i].ID)
		}
		return out
	}
	if len(d.Vertices) != 4 || !slices.Equal(g.Vertices(), ids(0, 1, 2, 3)) {
		t.Fatalf("graph %v of %d vertices: want the plan to list the 4 vertices (plan a string up to 1.17)", g.Vertices(), len(d.Vertices))
	}
	if got := g.Sources(); !slices.Equal(got, ids(0, 1)) {
		t.Errorf("sources %v, want the two sources %v", got, ids(0, 1))
	}
	if got := g.Sinks(); !slices.Equal(got, ids(3)) {
		t.Errorf("sinks %v, want %v", got, ids(3))
	}
	if got := g.Inputs(d.Vertices[2].ID); !slices.Equal(got, ids(0, 1)) {
		t.Errorf("join inputs %v, want both sources", got)
	}
	if got := g.Outputs(d.Vertices[1].ID); !slices.Equal(got, ids(2)) {
		t.Errorf("downstream of the bounded source %v, want the join", got)
	}
	if d.Plan.Nodes[2].Inputs[1].ShipStrategy == "" {
		t.Errorf("plan input %+v: want its ship strategy", d.Plan.Nodes[2].Inputs[1])
	}
}

func (f *detailFixture) checkIOMetrics(t *testing.T) {
	d := f.jobs[flinkfake.BoundedSource]
	src, dim, join, sink := d.Vertices[0], d.Vertices[1], d.Vertices[2], d.Vertices[3]
	if m := src.Metrics; m.ReadRecords != 0 || m.WriteRecords == 0 || !m.ReadRecordsComplete || !m.WriteRecordsComplete {
		t.Errorf("source metrics %+v: want nothing read over the network, records written, complete", m)
	}
	if m := sink.Metrics; m.ReadRecords == 0 || m.WriteRecords != 0 {
		t.Errorf("sink metrics %+v: want records read, none written", m)
	}
	if join.Metrics.ReadRecords != src.Metrics.WriteRecords+dim.Metrics.WriteRecords {
		t.Errorf("join read %d, want what both sources wrote (%d + %d)", join.Metrics.ReadRecords, src.Metrics.WriteRecords, dim.Metrics.WriteRecords)
	}
	if !dim.Finished() || src.Finished() || dim.EndTime.Time().IsZero() || !src.EndTime.Time().IsZero() || !dim.Metrics.WriteRecordsComplete || dim.Tasks["FINISHED"] != 1 {
		t.Errorf("bounded source %+v: want FINISHED with an end time and its final, complete counts", dim)
	}
	acc := join.Metrics.AccumulatedBusyMillis
	if acc.Valid != (f.v >= "1.16") || f.v >= "1.16" && (acc.Value <= 0 || !join.Metrics.AccumulatedIdleMillis.Valid || !join.Metrics.AccumulatedBackPressuredMillis.Valid) {
		t.Errorf("accumulated times busy %+v idle %+v on %s: want them from 1.16", acc, join.Metrics.AccumulatedIdleMillis, f.v)
	}
	p := f.jobs[flinkfake.MetricsPending]
	if m := p.Vertices[2].Metrics; m.ReadRecords != 0 || m.ReadRecordsComplete || m.WriteRecordsComplete || m.ReadBytesComplete {
		t.Errorf("sink without metrics yet: %+v, want 0 with every -complete false", m)
	}
	if !p.Vertices[1].Metrics.ReadRecordsComplete {
		t.Error("the other vertices' metrics must stay complete")
	}
}

func (f *detailFixture) checkStuck(t *testing.T) {
	pending := func(s flinkfake.Scenario) float64 {
		d := f.jobs[s]
		name := "Source__" + s.String() + "_src." + MetricPendingRecords
		m, err := f.c.SubtaskMetrics(f.ctx, d.ID, d.Vertices[0].ID, AggSum, name, MetricIdleTime)
		if err != nil {
			t.Fatal(err)
		}
		if !m[name].Sum.Valid || m[MetricIdleTime].Max.Valid {
			t.Fatalf("%s %v: want the sum, and only the sum", s, m)
		}
		return m[name].Sum.Value
	}
	before := map[flinkfake.Scenario]JobDetails{}
	pend := map[flinkfake.Scenario]float64{}
	for _, s := range []flinkfake.Scenario{flinkfake.Stuck, flinkfake.IdleSource, flinkfake.Healthy} {
		before[s], pend[s] = f.jobs[s], pending(s)
	}
	cp0, err := f.c.Checkpoints(f.ctx, f.jobs[flinkfake.Stuck].ID)
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(2 * time.Minute)
	defer f.reload(t)
	f.reload(t)
	for s, b := range before {
		a := f.jobs[s]
		frozen := a.Vertices[0].Metrics.WriteRecords == b.Vertices[0].Metrics.WriteRecords &&
			a.Vertices[2].Metrics.ReadRecords == b.Vertices[2].Metrics.ReadRecords
		if frozen != (s != flinkfake.Healthy) || !a.Vertices[0].Metrics.WriteRecordsComplete {
			t.Errorf("%s: source wrote %d → %d, sink read %d → %d: want frozen %v, complete", s,
				b.Vertices[0].Metrics.WriteRecords, a.Vertices[0].Metrics.WriteRecords,
				b.Vertices[2].Metrics.ReadRecords, a.Vertices[2].Metrics.ReadRecords, s != flinkfake.Healthy)
		}
	}
	if p := pending(flinkfake.Stuck); p <= pend[flinkfake.Stuck] {
		t.Errorf("stuck: pendingRecords %v → %v, want the input to keep growing", pend[flinkfake.Stuck], p)
	}
	if p := pending(flinkfake.IdleSource); p != 0 {
		t.Errorf("idle: pendingRecords %v, want 0 (no input)", p)
	}
	cp1, err := f.c.Checkpoints(f.ctx, f.jobs[flinkfake.Stuck].ID)
	if err != nil {
		t.Fatal(err)
	}
	if cp1.Counts.Completed <= cp0.Counts.Completed || f.jobs[flinkfake.Stuck].State != fleet.StateRunning {
		t.Errorf("stuck job %s, checkpoints %d → %d: want RUNNING and checkpointing", f.jobs[flinkfake.Stuck].State, cp0.Counts.Completed, cp1.Counts.Completed)
	}
}

// sinkWatermark is the minimum input watermark of a job's sinks.
func (f *detailFixture) sinkWatermark(t *testing.T, s flinkfake.Scenario) (Watermark, bool) {
	t.Helper()
	d := f.jobs[s]
	low, known := EndOfInput, true
	for _, id := range d.Graph().Sinks() {
		ws, err := f.c.Watermarks(f.ctx, d.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := ws.Min(vertex(d, id).Parallelism)
		low, known = min(low, w), known && ok
	}
	return low, known
}

func vertex(d JobDetails, id string) Vertex {
	for _, v := range d.Vertices {
		if v.ID == id {
			return v
		}
	}
	return Vertex{}
}

func (f *detailFixture) checkWatermarks(t *testing.T) {
	now := f.clk.Now()
	w, ok := f.sinkWatermark(t, flinkfake.WatermarkLag)
	if lag := now.Sub(w.Time()); !ok || lag != testLag {
		t.Errorf("lagging sink watermark %d (known %v): lag %s, want %s", w, ok, lag, testLag)
	}
	w, ok = f.sinkWatermark(t, flinkfake.Healthy)
	if lag := now.Sub(w.Time()); !ok || lag < 0 || lag > 5*time.Second {
		t.Errorf("healthy sink watermark lag %s (known %v), want a second or two", lag, ok)
	}
	if w, ok := f.sinkWatermark(t, flinkfake.NoWatermark); ok || w != NoWatermark || !w.Time().IsZero() {
		t.Errorf("no watermark yet: %d known %v, want Long.MIN_VALUE as unknown", w, ok)
	}
	if _, ok := f.sinkWatermark(t, flinkfake.MetricsPending); ok {
		t.Error("a sink without metrics yet must have an unknown watermark")
	}
	d := f.jobs[flinkfake.Healthy]
	if ws, err := f.c.Watermarks(f.ctx, d.ID, d.Vertices[0].ID); err != nil || len(ws) != 0 {
		t.Errorf("source watermarks %v, %v: want none", ws, err)
	}
}

func (f *detailFixture) checkBackpressure(t *testing.T) {
	d := f.jobs[flinkfake.Backpressure]
	busy, bp := map[string]float64{}, map[string]float64{}
	for _, v := range d.Vertices {
		m, err := f.c.SubtaskMetrics(f.ctx, d.ID, v.ID, AggMax, MetricBusyTime, MetricBackPressuredTime, MetricIdleTime)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 3 || !m[MetricBusyTime].Max.Valid || m[MetricBusyTime].Min.Valid {
			t.Fatalf("vertex %s metrics %v: want the three maxima only", v.Name, m)
		}
		busy[v.ID], bp[v.ID] = m[MetricBusyTime].Max.Value, m[MetricBackPressuredTime].Max.Value
	}
	if got, want := bottleneck(d.Graph(), busy, bp), d.Vertices[2].ID; got != want {
		t.Errorf("bottleneck %s, want the enrich vertex %s (busy %v, back-pressured %v)", got, want, busy, bp)
	}
	for _, v := range d.Vertices[:2] {
		if bp[v.ID] < 800 {
			t.Errorf("upstream %s back-pressured %v ms/s, want most of the time", v.Name, bp[v.ID])
		}
	}
}

// bottleneck is the busiest vertex whose downstream is not back-pressured,
// as the Flink UI and the autoscaler judge it.
func bottleneck(g Graph, busy, bp map[string]float64) string {
	best := ""
	for _, id := range g.Vertices() {
		free := true
		for _, out := range g.Outputs(id) {
			free = free && bp[out] < 100
		}
		if free && (best == "" || busy[id] > busy[best]) {
			best = id
		}
	}
	return best
}

func (f *detailFixture) checkCheckpointCost(t *testing.T) {
	id := f.jobs[flinkfake.SlowCheckpoints].ID
	cc, err := f.c.CheckpointConfig(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := f.c.Checkpoints(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	first := cp.Latest.Completed
	if ratio := float64(first.EndToEndDuration) / float64(cc.TimeoutMillis); cc.Timeout() != testTimeout || ratio != 0.9 {
		t.Errorf("duration %d ms of timeout %s: ratio %v, want 0.9", first.EndToEndDuration, cc.Timeout(), ratio)
	}
	if first.CheckpointedSize <= 0 || first.StateSize <= first.CheckpointedSize || cp.Summary.CheckpointedSize.Max < first.CheckpointedSize || cp.Summary.StateSize.Avg == 0 {
		t.Errorf("latest sizes full %d incremental %d, summary %+v", first.StateSize, first.CheckpointedSize, cp.Summary)
	}
	f.clk.Advance(3 * testTimeout)
	if cp, err = f.c.Checkpoints(f.ctx, id); err != nil {
		t.Fatal(err)
	}
	if cp.Latest.Completed.CheckpointedSize <= first.CheckpointedSize {
		t.Errorf("incremental size %d → %d, want growing", first.CheckpointedSize, cp.Latest.Completed.CheckpointedSize)
	}
}

func (f *detailFixture) checkMemory(t *testing.T) {
	names, err := f.c.TaskManagersMetricNames(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	gc := FindGCMetrics(names)
	want := []string{"Status.JVM.GarbageCollector.PS_MarkSweep.Time", "Status.JVM.GarbageCollector.PS_Scavenge.Time"}
	if !slices.Equal(gc.Collectors, want) || (gc.TimePerSecond != "") != (f.v >= "1.19") || (gc.Time != "") != (f.v >= "1.19") {
		t.Fatalf("GC metrics %+v on %s: want the collectors %v, and All from 1.19", gc, f.v, want)
	}
	asked := append([]string{MetricHeapUsed, MetricHeapMax}, gc.Collectors...)
	if gc.TimePerSecond != "" {
		asked = append(asked, gc.TimePerSecond)
	}
	m, err := f.c.TaskManagersMetrics(f.ctx, AggMax|AggSum, asked...)
	if err != nil {
		t.Fatal(err)
	}
	if ratio := m[MetricHeapUsed].Max.Value / m[MetricHeapMax].Max.Value; ratio < 0.9 || ratio >= 1 {
		t.Errorf("max heap used / max = %v, want the pressured TaskManagers near full", ratio)
	}
	if gc.TimePerSecond != "" && m[gc.TimePerSecond].Max.Value < 300 {
		t.Errorf("max GC time %v ms/s, want the pressured TaskManagers collecting most of the time", m[gc.TimePerSecond].Max.Value)
	}
	if !m[MetricHeapUsed].Sum.Valid || m[MetricHeapUsed].Avg.Valid {
		t.Errorf("heap %+v: want max and sum only", m[MetricHeapUsed])
	}
	tms, err := f.c.TaskManagers(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pressured []string
	for _, tm := range tms {
		v, err := f.c.TaskManagerMetrics(f.ctx, tm.ID, MetricHeapUsed, MetricHeapMax)
		if err != nil {
			t.Fatal(err)
		}
		if v[MetricHeapUsed]/v[MetricHeapMax] > 0.9 {
			pressured = append(pressured, tm.ID)
		}
	}
	// The memory-pressure job is the 8th of 10, each on two TaskManagers.
	if want := []string{"orders-taskmanager-1-15", "orders-taskmanager-1-16"}; len(tms) != 20 || !slices.Equal(pressured, want) || tms[0].SlotsNumber != 2 {
		t.Errorf("%d TaskManagers, pressured %v: want 20 and %v", len(tms), pressured, want)
	}
}

func (f *detailFixture) checkErrors(t *testing.T) {
	d := f.jobs[flinkfake.Healthy]
	_, err := f.c.Watermarks(f.ctx, d.ID, "00000000000000000000000000000000")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("watermarks of an unknown vertex: %v, want ErrNotFound", err)
	}
	m, err := f.c.SubtaskMetrics(f.ctx, d.ID, "00000000000000000000000000000000", AggMax, MetricBusyTime)
	if err != nil || len(m) != 0 {
		t.Errorf("subtask metrics of an unknown vertex: %v, %v; want none, no error (the metric store has nothing)", m, err)
	}
	m, err = f.c.SubtaskMetrics(f.ctx, d.ID, d.Vertices[0].ID, AggMax, MetricBusyTime, MetricInputWatermark)
	if err != nil || len(m) != 0 {
		t.Errorf("a source asked for busy time and its input watermark: %v, %v; want nothing (one metric missing empties the answer)", m, err)
	}
	_, err = f.c.SubtaskMetrics(f.ctx, d.ID, d.Vertices[0].ID, AggSkew, MetricBusyTime)
	var se *StatusError
	if skew := f.v >= "1.20"; skew != (err == nil) || !skew && (!errors.As(err, &se) || se.Code != http.StatusBadRequest) {
		t.Errorf("agg=skew on %s: %v, want it from 1.20, a 400 before", f.v, err)
	}
	fin := f.jobs[flinkfake.BoundedSource]
	if m, err := f.c.SubtaskMetricNames(f.ctx, fin.ID, fin.Vertices[1].ID); err != nil || len(m) != 0 {
		t.Errorf("metrics of a finished vertex: %v, %v; want none", m, err)
	}
	names, err := f.c.SubtaskMetricNames(f.ctx, d.ID, d.Vertices[0].ID)
	if err != nil || !slices.Contains(names, "Source__healthy_src."+MetricPendingRecords) || !slices.Contains(names, MetricBusyTime) {
		t.Errorf("source metric names %v, %v: want task and source-operator metrics", names, err)
	}
}
