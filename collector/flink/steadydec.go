package flink

import (
	"math"
	"strconv"
	"strings"

	"github.com/flinkslo/flinkslo/fleet"
)

// The two responses read from every JobManager every cycle, the jobs
// overview and each job's metrics, are small, and with encoding/json
// their reflection and allocations were most of their decoding cost.
// These decoders read them with the lexer; whatever they do not handle
// goes to encoding/json (see lexer), and FuzzMetricsFastPath and
// FuzzJobsOverviewFastPath hold them to it.

// decodeMetricsFast decodes GET /jobs/:jobid/metrics like decodeMetrics'
// encoding/json path, or reports false.
func decodeMetricsFast(data []byte) (map[string]float64, bool) {
	l := &lexer{b: data}
	out := make(map[string]float64, 8)
	ok := l.array(func() bool {
		var id string
		var v Number
		f := fields{names: []string{"id", "value"}}
		if l.null() {
			return true
		}
		if !l.object(func(key []byte) bool {
			i, ok := f.index(key)
			switch {
			case !ok:
				return false
			case i == 0:
				return l.metricID(&id)
			case i == 1:
				return l.number64(&v)
			}
			return l.skip()
		}) {
			return false
		}
		if v.Valid {
			out[id] = v.Value
		}
		return true
	})
	return out, ok && l.end()
}

// metricID reads a metric name, sharing the strings of the names the
// collector asks for every cycle.
func (l *lexer) metricID(dst *string) bool {
	if l.null() {
		return true
	}
	raw, plain, ok := l.rawString()
	if !ok || !plain {
		return false
	}
	*dst = internMetric(raw)
	return true
}

// internMetric returns the constant for a metric name flinkslo asks for,
// so that the names of decoded metrics kept between cycles (every job's
// metrics, every vertex's aggregated ones) share one string instead of a
// copy each. It takes the lexer's bytes or a string encoding/json made.
func internMetric[T string | []byte](b T) string {
	switch string(b) {
	case MetricBusyTime:
		return MetricBusyTime
	case MetricBackPressuredTime:
		return MetricBackPressuredTime
	case MetricIdleTime:
		return MetricIdleTime
	case MetricInputWatermark:
		return MetricInputWatermark
	case MetricHeapUsed:
		return MetricHeapUsed
	case MetricHeapMax:
		return MetricHeapMax
	case "numRestarts":
		return "numRestarts"
	case "fullRestarts":
		return "fullRestarts"
	case "uptime":
		return "uptime"
	case "numberOfCompletedCheckpoints":
		return "numberOfCompletedCheckpoints"
	case "numberOfFailedCheckpoints":
		return "numberOfFailedCheckpoints"
	case "lastCheckpointCompletedTimestamp":
		return "lastCheckpointCompletedTimestamp"
	case "lastCheckpointDuration":
		return "lastCheckpointDuration"
	}
	return string(b)
}

// number64 reads a metric value the way Number.UnmarshalJSON does: a
// plain string or a JSON number; null and anything else go to
// encoding/json.
func (l *lexer) number64(dst *Number) bool {
	l.ws()
	start := l.i
	var s []byte
	switch l.peek() {
	case '"':
		raw, plain, ok := l.rawString()
		if !ok || !plain {
			return false
		}
		s = raw
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if !l.number() {
			return false
		}
		s = l.b[start:l.i]
	default:
		return false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64)
	*dst = Number{Value: v, Valid: err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)}
	if !dst.Valid {
		dst.Value = 0
	}
	return true
}

// decodeJobsOverviewFast decodes GET /jobs/overview like encoding/json
// into JobsOverview, or reports false.
func decodeJobsOverviewFast(data []byte) (JobsOverview, bool) {
	var v JobsOverview
	l := &lexer{b: data}
	f := fields{names: []string{"jobs"}}
	ok := l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i == 0:
			return objects(l, &v.Jobs, 2, l.jobOverview)
		}
		return l.skip()
	})
	return v, ok && l.end()
}

var jobOverviewFields = [...]string{"jid", "name", "state", "start-time", "end-time", "duration", "last-modification", "tasks"}

func (l *lexer) jobOverview(j *JobOverview) bool {
	f := fields{names: jobOverviewFields[:]}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i == 0:
			return l.string(&j.ID)
		case i == 1:
			return l.string(&j.Name)
		case i == 2:
			return l.jobState(&j.State)
		case i == 3:
			return l.int((*int64)(&j.StartTime))
		case i == 4:
			return l.int((*int64)(&j.EndTime))
		case i == 5:
			return l.int(&j.Duration)
		case i == 6:
			return l.int((*int64)(&j.LastModification))
		case i == 7:
			return l.tasks(&j.Tasks)
		}
		return l.skip()
	})
}

// jobState reads a job state, sharing the strings of the known states.
func (l *lexer) jobState(dst *fleet.JobState) bool {
	save := l.i
	raw, plain, ok := l.rawString()
	if !ok || !plain {
		// null, escapes, non-ASCII: as encoding/json reads a string.
		l.i = save
		s := string(*dst)
		ok := l.string(&s)
		*dst = fleet.JobState(s)
		return ok
	}
	*dst = internState(raw)
	return true
}

// tasks reads the per-state task counts; null leaves the map nil.
func (l *lexer) tasks(dst *map[string]int) bool {
	if l.null() {
		return true
	}
	m := make(map[string]int, 12)
	ok := l.object(func(key []byte) bool {
		n, ok := l.int64()
		if !ok || n != int64(int(n)) {
			return false
		}
		m[internTask(key)] = int(n)
		return true
	})
	*dst = m
	return ok
}

// internTask shares the strings of ExecutionState's lower-case names.
func internTask(b []byte) string {
	for _, s := range taskStates {
		if string(b) == s {
			return s
		}
	}
	return string(b)
}

var taskStates = [...]string{
	"total", "created", "scheduled", "deploying", "running", "finished", "canceling", "canceled",
	"failed", "reconciling", "initializing", "pending",
}
