package flink

import "github.com/flinkslo/flinkslo/fleet"

// GET /jobs/:jobid is read for every RUNNING job once per detailInterval;
// through encoding/json its reflection was the largest single cost of the
// detail reads (an eighth of the exporter's CPU at 5,000 JobManagers).
// This decoder reads it with the lexer and, like the steady ones, leaves
// whatever it does not handle to encoding/json: the whole body when the
// object is out of its subset, a vertex's metrics or the plan when only
// they are (their UnmarshalJSON then reads the raw value, as encoding/json
// would call it). FuzzJobDetailsFastPath holds it to encoding/json.

var jobDetailsFields = [...]string{"jid", "name", "state", "start-time", "end-time", "now", "timestamps", "vertices", "job-type", "plan"}

// decodeJobDetailsFast decodes GET /jobs/:jobid like encoding/json into
// JobDetails, or reports false.
func decodeJobDetailsFast(data []byte) (JobDetails, bool) {
	var v JobDetails
	l := &lexer{b: data}
	f := fields{names: jobDetailsFields[:]}
	ok := l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i == 0:
			return l.string(&v.ID)
		case i == 1:
			return l.string(&v.Name)
		case i == 2:
			return l.jobState(&v.State)
		case i == 3:
			return l.int((*int64)(&v.StartTime))
		case i == 4:
			return l.int((*int64)(&v.EndTime))
		case i == 5:
			return l.int((*int64)(&v.Now))
		case i == 6:
			return l.timestamps(&v.Timestamps)
		case i == 7:
			return objects(l, &v.Vertices, 4, l.vertex)
		case i == 8:
			return l.string(&v.JobType)
		case i == 9:
			return l.raw(v.Plan.UnmarshalJSON, l.plan(&v.Plan))
		}
		return l.skip()
	})
	return v, ok && l.end()
}

// raw tries fast, which reads the value in place; when it fails, it
// rewinds, takes the value's bytes and hands them to slow (the type's
// UnmarshalJSON), as encoding/json would.
func (l *lexer) raw(slow func([]byte) error, fast func() bool) bool {
	start, depth := l.i, l.depth
	if fast() {
		return true
	}
	l.i, l.depth = start, depth
	l.ws()
	from := l.i
	return l.skip() && slow(l.b[from:l.i]) == nil
}

// timestamps reads the job's state entry times; null leaves the map nil.
func (l *lexer) timestamps(dst *map[fleet.JobState]Millis) bool {
	if l.null() {
		*dst = nil
		return true
	}
	m := make(map[fleet.JobState]Millis, 12)
	*dst = m
	return l.object(func(key []byte) bool {
		var at int64
		if !l.int(&at) {
			return false
		}
		m[internState(key)] = Millis(at)
		return true
	})
}

// internState shares the strings of the known job states.
func internState(b []byte) fleet.JobState {
	for _, s := range fleet.JobStates {
		if string(b) == string(s) {
			return s
		}
	}
	return fleet.JobState(b)
}

var vertexFields = [...]string{"id", "name", "parallelism", "maxParallelism", "status", "start-time", "end-time", "tasks", "metrics"}

func (l *lexer) vertex(v *Vertex) bool {
	f := fields{names: vertexFields[:]}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i == 0:
			return l.string(&v.ID)
		case i == 1:
			return l.string(&v.Name)
		case i == 2:
			return l.smallInt(&v.Parallelism)
		case i == 3:
			return l.smallInt(&v.MaxParallelism)
		case i == 4:
			return l.string(&v.Status)
		case i == 5:
			return l.int((*int64)(&v.StartTime))
		case i == 6:
			return l.int((*int64)(&v.EndTime))
		case i == 7:
			return l.tasks(&v.Tasks)
		case i == 8:
			return l.raw(v.Metrics.UnmarshalJSON, l.ioMetrics(&v.Metrics))
		}
		return l.skip()
	})
}

// smallInt reads an int; null leaves it as it is.
func (l *lexer) smallInt(dst *int) bool {
	n := int64(*dst)
	if !l.int(&n) || n != int64(int(n)) {
		return false
	}
	*dst = int(n)
	return true
}

var ioMetricsFields = [...]string{
	"read-bytes", "read-bytes-complete", "write-bytes", "write-bytes-complete",
	"read-records", "read-records-complete", "write-records", "write-records-complete",
	"accumulated-busy-time", "accumulated-backpressured-time", "accumulated-idle-time",
}

// ioMetrics reads a vertex's metrics into dst as IOMetrics.UnmarshalJSON
// does; null values and the rest go to it (see raw).
func (l *lexer) ioMetrics(dst *IOMetrics) func() bool {
	return func() bool {
		var w ioMetricsWire
		f := fields{names: ioMetricsFields[:]}
		numbers := [...]*Number{&w.ReadBytes, nil, &w.WriteBytes, nil, &w.ReadRecords, nil, &w.WriteRecords, nil,
			&w.AccumulatedBusy, &w.AccumulatedBackPressured, &w.AccumulatedIdle}
		flags := [...]*bool{nil, &w.ReadBytesComplete, nil, &w.WriteBytesComplete, nil, &w.ReadRecordsComplete, nil, &w.WriteRecordsComplete}
		ok := l.object(func(key []byte) bool {
			i, ok := f.index(key)
			switch {
			case !ok:
				return false
			case i < 0:
				return l.skip()
			case numbers[i] != nil:
				return l.number64(numbers[i])
			}
			b, ok := l.bool()
			*flags[i] = b
			return ok
		})
		if ok {
			*dst = w.ioMetrics()
		}
		return ok
	}
}

// plan reads the plan when it is an object (Flink 1.18 on); a plan sent
// as a string (1.15–1.17), and anything else, goes to Plan.UnmarshalJSON.
func (l *lexer) plan(dst *Plan) func() bool {
	return func() bool {
		var nodes []PlanNode
		seen := false
		f := fields{names: []string{"nodes"}}
		ok := l.object(func(key []byte) bool {
			i, ok := f.index(key)
			switch {
			case !ok:
				return false
			case i < 0:
				return l.skip()
			}
			seen = true
			return objects(l, &nodes, 4, l.planNode)
		})
		if ok {
			*dst = Plan{}
			if seen {
				dst.Nodes = nodes
			}
		}
		return ok
	}
}

var planNodeFields = [...]string{"id", "parallelism", "inputs"}

func (l *lexer) planNode(n *PlanNode) bool {
	f := fields{names: planNodeFields[:]}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i == 0:
			return l.string(&n.ID)
		case i == 1:
			return l.smallInt(&n.Parallelism)
		case i == 2:
			return objects(l, &n.Inputs, 1, l.planInput)
		}
		return l.skip()
	})
}

var planInputFields = [...]string{"id", "num", "ship_strategy", "exchange"}

func (l *lexer) planInput(p *PlanInput) bool {
	f := fields{names: planInputFields[:]}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i == 0:
			return l.string(&p.ID)
		case i == 1:
			return l.smallInt(&p.Num)
		case i == 2:
			return l.string(&p.ShipStrategy)
		case i == 3:
			return l.string(&p.Exchange)
		}
		return l.skip()
	})
}
