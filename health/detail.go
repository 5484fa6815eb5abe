package health

import (
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

// Detail is one detail read of a RUNNING job (docs/flink-detail-endpoints.md):
// the job graph with each vertex's I/O counts, and for the vertices read,
// their subtask metrics and input watermarks. The collector reads it every
// detailInterval and carries it over in between.
type Detail struct {
	// At is when it was read.
	At time.Time
	// Job is GET /jobs/:jobid with its vertices and plan.
	Job flink.JobDetails
	// Load maps a vertex id to its busiest subtask's shares of time
	// (LoadOf its subtask metrics aggregated with max); a vertex not read
	// (finished, beyond detailMaxVertices) is absent, one without metrics
	// in the JobManager's store yet has a zero Load.
	Load map[string]Load
	// Watermarks maps a sink vertex id to its subtasks' input watermarks;
	// absent when not read.
	Watermarks map[string]flink.Watermarks
	// Pending maps a source vertex id to its pendingRecords summed over
	// its subtasks, where the source registers the metric and it was read.
	Pending map[string]float64
}

// BackpressureThreshold is the share of time a vertex must be blocked on
// its output to count as back-pressured, and busy to count as the
// bottleneck: the Flink UI's HIGH.
const BackpressureThreshold = 0.5

// maxVertexName bounds the bottleneck's name, which becomes a label value:
// SQL jobs name vertices after whole expressions.
const maxVertexName = 120

// detailSignals derives the job's detail signals from its last detail
// read, remembering in m what the next read is compared with. A read of
// another job id, or none, leaves them unknown; counters keep their value.
func detailSignals(j *fleet.JobStatus, m *Memory, o Observation) fleet.JobDetail {
	var out fleet.JobDetail
	mc := &m.Counters
	out.HasSourceRecords, out.SourceRecords = mc.SourceRecords.Set, mc.SourceRecords.Value()
	out.HasSinkRecords, out.SinkRecords = mc.SinkRecords.Set, mc.SinkRecords.Value()
	d := o.Detail
	if d == nil || d.Job.ID != o.Overview.ID || j.State != fleet.StateRunning {
		m.bpSince = time.Time{}
		return out
	}
	out.At = d.At
	fresh := d.At.After(m.detailAt)
	m.detailAt = d.At
	v := newVertexView(d)
	inc := incarnation(o)
	src, srcComplete, srcKnown := v.sum(v.sources(), true)
	if srcKnown && srcComplete {
		out.HasSourceRecords, out.SourceRecords = true, mc.SourceRecords.Observe(src, inc)
	}
	if sink, complete, ok := v.sum(v.sinks(), false); ok && complete {
		out.HasSinkRecords, out.SinkRecords = true, mc.SinkRecords.Observe(sink, inc)
	}
	if srcKnown && fresh {
		m.progress.observe(src, srcComplete, d.At)
	}
	if srcKnown && m.progress.conclusive {
		out.SourcesGrewAt = later(m.progress.grewAt, runningSince(o))
	}
	out.WatermarkLag, out.HasWatermarkLag = v.watermarkLag()
	v.backpressure(&out)
	if fresh {
		switch {
		case !out.HasBackpressure || out.BackpressuredRatio < BackpressureThreshold:
			m.bpSince = time.Time{}
		case m.bpSince.IsZero():
			m.bpSince = d.At
		}
	}
	out.BackpressuredSince = m.bpSince
	return out
}

// progress remembers the sources' count between detail reads.
type progress struct {
	set  bool
	last float64
	// grewAt is when the count was last seen growing, or first seen.
	grewAt time.Time
	// conclusive: the last read's count was complete, or grew even as a
	// lower bound, so it says whether the sources read anything.
	conclusive bool
}

// observe records a read of the sources' count. An incomplete count is a
// lower bound: it proves growth when above the last, and otherwise says
// nothing. A count that went down belongs to a new task attempt and is a
// new baseline.
func (p *progress) observe(n float64, complete bool, at time.Time) {
	switch {
	case !p.set:
		p.set, p.last, p.grewAt, p.conclusive = complete, n, at, complete
		if complete && n == 0 {
			p.grewAt = time.Time{} // nothing read since the start: the job's start is the reference
		}
		return
	case n > p.last:
		p.last, p.grewAt, p.conclusive = n, at, true
	case !complete:
		p.conclusive = false
	case n < p.last:
		p.last, p.grewAt, p.conclusive = n, at, true
	default:
		p.conclusive = true
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// vertexView is a detail read with its graph.
type vertexView struct {
	d *Detail
	g flink.Graph
}

func newVertexView(d *Detail) vertexView {
	return vertexView{d: d, g: d.Job.Graph()}
}

// vertex is the vertex of id (a zero one when the read has none). A job
// has a handful of vertices: scanning them costs less than the map per
// job and cycle it replaces.
func (v vertexView) vertex(id string) (flink.Vertex, bool) {
	vs := v.d.Job.Vertices
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].ID == id {
			return vs[i], true
		}
	}
	return flink.Vertex{}, false
}

// sources are the running source vertices whose records Flink counts: a
// source that feeds other tasks (one chained with its sinks into a single
// vertex sends nothing over the network, so nothing is counted) and has
// not finished (a bounded source that read its input).
func (v vertexView) sources() []string {
	var out []string
	for _, id := range v.g.Sources() {
		if x, ok := v.vertex(id); ok && !x.Finished() && len(v.g.Outputs(id)) > 0 {
			out = append(out, id)
		}
	}
	return out
}

// sinks are the running sink vertices that receive records from others.
func (v vertexView) sinks() []string {
	var out []string
	for _, id := range v.g.Sinks() {
		if x, ok := v.vertex(id); ok && !x.Finished() && len(v.g.Inputs(id)) > 0 {
			out = append(out, id)
		}
	}
	return out
}

// sum adds the vertices' records written (sources) or read (sinks);
// complete is false when a count is a lower bound, ok false without any
// vertex to count.
func (v vertexView) sum(ids []string, written bool) (n float64, complete, ok bool) {
	complete = true
	for _, id := range ids {
		x, _ := v.vertex(id)
		m := x.Metrics
		c, cc := m.ReadRecords, m.ReadRecordsComplete
		if written {
			c, cc = m.WriteRecords, m.WriteRecordsComplete
		}
		n += float64(c)
		complete = complete && cc
	}
	return n, complete, len(ids) > 0
}

// pending is the sources' backlog (pendingRecords), when every counted
// source reported one.
func (v vertexView) pending() (float64, bool) {
	ids := v.sources()
	var n float64
	for _, id := range ids {
		p, ok := v.d.Pending[id]
		if !ok {
			return 0, false
		}
		n += p
	}
	return n, len(ids) > 0
}

// watermarkLag is the read's time minus the lowest input watermark of the
// running sinks, unknown when a sink was not read or one of its subtasks
// has no watermark (Long.MIN_VALUE, or not in the store). A sink whose
// inputs all ended (Long.MAX_VALUE) holds nothing back. A watermark ahead
// of the clock is no lag.
func (v vertexView) watermarkLag() (time.Duration, bool) {
	low, n := flink.EndOfInput, 0
	for _, id := range v.sinks() {
		ws, read := v.d.Watermarks[id]
		if !read {
			return 0, false
		}
		x, _ := v.vertex(id)
		w, ok := ws.Min(x.Parallelism)
		if !ok {
			return 0, false
		}
		if w != flink.EndOfInput {
			low, n = min(low, w), n+1
		}
	}
	if n == 0 {
		return 0, false
	}
	return max(v.d.At.Sub(low.Time()), 0), true
}

// Load is a vertex's busy and back-pressured shares of time (its busiest
// subtask), each with whether Flink measured it. A detail read keeps this
// instead of the metrics response, a map per vertex: at 5,000 jobs the
// maps were 15 MB of the live heap.
type Load struct {
	Busy, BackPressured       float64
	HasBusy, HasBackPressured bool
}

// LoadOf reads a vertex's subtask metrics aggregated with max
// (MetricBusyTime and MetricBackPressuredTime, in ms per second).
func LoadOf(ms map[string]flink.AggregatedMetric) Load {
	var r Load
	if m, ok := ms[flink.MetricBusyTime]; ok && m.Max.Valid {
		r.Busy, r.HasBusy = clamp01(m.Max.Value/1000), true
	}
	if m, ok := ms[flink.MetricBackPressuredTime]; ok && m.Max.Valid {
		r.BackPressured, r.HasBackPressured = clamp01(m.Max.Value/1000), true
	}
	return r
}

// backpressure sets the job's busiest and most back-pressured shares and
// its bottleneck: the busiest vertex none of whose downstream vertices is
// back-pressured (the Flink UI's and the autoscaler's judgement: a vertex
// blocked on its output waits for its downstream), named only when it is
// busy more than half of the time. Vertices go in the details' order,
// which is the graph's, so a tie names the upstream one every time.
func (v vertexView) backpressure(out *fleet.JobDetail) {
	rs := make(map[string]Load, len(v.d.Load))
	for id, r := range v.d.Load {
		if r.HasBusy || r.HasBackPressured {
			rs[id] = r
			out.HasBackpressure = true
			out.BusyRatio, out.BackpressuredRatio = max(out.BusyRatio, r.Busy), max(out.BackpressuredRatio, r.BackPressured)
		}
	}
	var best flink.Vertex
	bestBusy := -1.0
	for _, x := range v.d.Job.Vertices {
		r, ok := rs[x.ID]
		if !ok || !r.HasBusy || r.Busy <= bestBusy || v.downstreamBackpressured(x.ID, rs) {
			continue
		}
		best, bestBusy = x, r.Busy
	}
	if bestBusy > BackpressureThreshold {
		out.Bottleneck, out.BottleneckID, out.BottleneckBusyRatio = shorten(best.Name, maxVertexName), best.ID, bestBusy
	}
}

func (v vertexView) downstreamBackpressured(id string, rs map[string]Load) bool {
	for _, o := range v.g.Outputs(id) {
		if r, ok := rs[o]; ok && r.HasBackPressured && r.BackPressured >= BackpressureThreshold {
			return true
		}
	}
	return false
}

func clamp01(x float64) float64 { return min(max(x, 0), 1) }

// shorten cuts s to at most n bytes on a rune boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
