package flinkfake

import "fmt"

// graphKind is the shape of a job's graph, fixed when the job is
// submitted: a Flink job graph does not change while the job runs.
type graphKind uint8

const (
	// graphLinear: source → window → sink, the graph of every scenario but
	// the two below.
	graphLinear graphKind = iota
	// graphPipeline: source → window → enrich → sink (Backpressure).
	graphPipeline
	// graphJoin: a Kafka source and a bounded source joined into a sink
	// (BoundedSource).
	graphJoin
)

// graphFor is the graph of a job submitted with scenario s.
func graphFor(s Scenario) graphKind {
	switch s {
	case Backpressure:
		return graphPipeline
	case BoundedSource:
		return graphJoin
	}
	return graphLinear
}

// vertexRole tells sources (no inputs) and sinks (no outputs) from the
// operators between them.
type vertexRole uint8

const (
	roleOperator vertexRole = iota
	roleSource
	roleSink
)

// vertex is one job vertex (a chain of operators run as one task).
type vertex struct {
	id, name string
	par      int
	role     vertexRole
	inputs   []int // indexes of the upstream vertices
	// op is the head operator's name as metric ids carry it, e.g.
	// Source__orders_src (sources only).
	op string
	// busy is what a healthy subtask 0 is busy, ms per second.
	busy float64
	// reduce: one record out per reduce records in (windows aggregate).
	reduce int64
	// bounded: a bounded source, FINISHED once it has read its input.
	bounded bool
	// base is what the vertex had counted when the current segment began.
	base ioCounters
}

// graph builds the vertices of a job of kind g, and returns them with the
// index of the keyed vertex (where keyed failures happen) and of the
// vertex Backpressure makes the bottleneck.
func (p jobParams) graph(g graphKind, id, name string) (vs []vertex, keyed, bottleneck int) {
	par := p.par
	sinkPar := max(1, par/2)
	src := vertex{
		id: hexID(id, "v0"), name: fmt.Sprintf("Source: %s_src[1] -> Calc[2]", name), par: par,
		role: roleSource, op: "Source__" + name + "_src", busy: 180, reduce: 1,
	}
	window := vertex{
		id: hexID(id, "v1"), name: "Window(TumblingEventTimeWindows(60000))[3]", par: par,
		inputs: []int{0}, busy: 320, reduce: 50,
	}
	sink := vertex{
		id: hexID(id, "v2"), name: fmt.Sprintf("Sink: %s_sink[4]", name), par: sinkPar,
		role: roleSink, inputs: []int{1}, busy: 90, reduce: 1,
	}
	switch g {
	case graphPipeline:
		enrich := vertex{
			id: hexID(id, "v3"), name: fmt.Sprintf("Map: %s_enrich[5]", name), par: par,
			inputs: []int{1}, busy: 150, reduce: 1,
		}
		sink.inputs = []int{2}
		return []vertex{src, window, enrich, sink}, 1, 2
	case graphJoin:
		dim := vertex{
			id: hexID(id, "v4"), name: fmt.Sprintf("Source: %s_dim[5]", name), par: 1,
			role: roleSource, op: "Source__" + name + "_dim", busy: 400, reduce: 1, bounded: true,
		}
		join := vertex{
			id: hexID(id, "v5"), name: "Join(joinType=[LeftOuterJoin])[6]", par: par,
			inputs: []int{0, 1}, busy: 260, reduce: 1,
		}
		sink.inputs = []int{2}
		return []vertex{src, dim, join, sink}, 2, 2
	}
	return []vertex{src, window, sink}, 1, 1
}

// upstreamOf reports whether vertex i feeds vertex k, directly or not.
func (j *job) upstreamOf(i, k int) bool {
	for _, in := range j.vertices[k].inputs {
		if in == i || j.upstreamOf(i, in) {
			return true
		}
	}
	return false
}
