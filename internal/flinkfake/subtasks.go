package flinkfake

import "strings"

// subtaskStore is the metric store's view of one vertex's subtasks: the
// task metrics every subtask registers, and for sources the metrics of
// their head (source) operator, named "<operator>.<metric>".
type subtaskStore struct {
	v       Version
	j       *job
	i       int // the vertex
	vx      *vertex
	c       ioCounters
	in, out float64 // records per second, the vertex's subtasks together
	busy    float64
	bp      float64
	pending int64
	t       int64
	st      jobStatus
	lag     int64
}

// subtaskStore returns vertex i's store at t, or nil when the metric
// store has nothing for it (see job.reported).
func (jm *JobManager) subtaskStore(j *job, i int, t int64) *subtaskStore {
	st := j.status(t, jm.timing)
	if _, ok := j.reported(i, t, st); !ok {
		return nil
	}
	s := &subtaskStore{v: jm.opts.Version, j: j, i: i, vx: &j.vertices[i], t: t, st: st, lag: jm.opts.WatermarkLag.Milliseconds()}
	s.c = j.counters(i, t, st)
	s.in, s.out = j.rates(i, t, st)
	s.busy, s.bp = j.profile(i)
	if s.vx.role == roleSource {
		s.pending = j.pending(i, t, st)
	}
	return s
}

// rates are vertex i's records per second in and out at t.
func (j *job) rates(i int, t int64, st jobStatus) (in, out float64) {
	v := &j.vertices[i]
	switch {
	case st.state != stRunning || j.finished(i, t, st):
		return 0, 0
	case v.bounded:
		return 0, boundedRecords * 1000 / boundedRuntime
	case v.role == roleSource:
		if j.scenario.stalls() {
			return 0, 0
		}
		return 0, recordsPerSecond * float64(v.par)
	}
	for _, u := range v.inputs {
		_, o := j.rates(u, t, st)
		in += o
	}
	if v.role == roleSink {
		return in, 0
	}
	return in, in / float64(v.reduce)
}

// taskMetrics are the task-scope ids, in the order a listing shows them.
var taskMetrics = [...]string{
	"numRecordsIn", "numRecordsOut", "numRecordsInPerSecond", "numRecordsOutPerSecond",
	"numBytesIn", "numBytesOut", "numBytesInPerSecond", "numBytesOutPerSecond",
	"busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "idleTimeMsPerSecond",
	"accumulatedBusyTime", "accumulatedBackPressuredTimeMs", "accumulatedIdleTime",
	"currentInputWatermark",
}

// sourceMetrics are the source operator's ids, after "<operator>.".
var sourceMetrics = [...]string{"numRecordsIn", "numRecordsOut", "numRecordsInPerSecond", "pendingRecords", "currentOutputWatermark"}

func (s *subtaskStore) members() int { return s.vx.par }

func (s *subtaskStore) ids(out []string) []string {
	for _, id := range taskMetrics {
		if _, ok := s.value(0, id); ok {
			out = append(out, id)
		}
	}
	if s.vx.role == roleSource {
		for _, m := range sourceMetrics {
			out = append(out, s.vx.op+"."+m)
		}
	}
	return out
}

// share is subtask k's part of a total spread over the subtasks.
func (s *subtaskStore) share(total int64, k int) int64 {
	n := int64(s.vx.par)
	q := total / n
	if int64(k) < total%n {
		q++
	}
	return q
}

func (s *subtaskStore) value(k int, id string) (mval, bool) {
	if k < 0 || k >= s.vx.par {
		return mval{}, false
	}
	par := float64(s.vx.par)
	if op, ok := strings.CutPrefix(id, s.vx.op+"."); ok && s.vx.role == roleSource {
		return s.sourceValue(k, op)
	}
	busy, bp, idle := spread(s.busy, s.bp, k)
	switch id {
	case "numRecordsIn":
		return longVal(s.share(s.c.recIn, k)), true
	case "numRecordsOut":
		return longVal(s.share(s.c.recOut, k)), true
	case "numRecordsInPerSecond":
		return doubleVal(s.in / par), true
	case "numRecordsOutPerSecond":
		return doubleVal(s.out / par), true
	case "numBytesIn":
		return longVal(s.share(s.c.recIn, k) * bytesPerRecord), true
	case "numBytesOut":
		return longVal(s.share(s.c.recOut, k) * bytesPerRecord), true
	case "numBytesInPerSecond":
		return doubleVal(s.in / par * bytesPerRecord), true
	case "numBytesOutPerSecond":
		return doubleVal(s.out / par * bytesPerRecord), true
	case "busyTimeMsPerSecond":
		return doubleVal(busy), true
	case "backPressuredTimeMsPerSecond":
		return longVal(int64(bp)), true
	case "idleTimeMsPerSecond":
		return longVal(int64(idle)), true
	case "currentInputWatermark":
		if s.vx.role == roleSource {
			return mval{}, false
		}
		return longVal(s.j.watermark(s.i, k, s.t, s.st, s.lag)), true
	}
	if !s.v.hasBlocked() {
		return mval{}, false
	}
	switch id {
	case "accumulatedBusyTime":
		return doubleVal(s.c.busy / par), true
	case "accumulatedBackPressuredTimeMs":
		return longVal(int64(s.c.bp / par)), true
	case "accumulatedIdleTime":
		return longVal(int64(s.c.idle / par)), true
	}
	return mval{}, false
}

// sourceValue is a source operator metric of subtask k. The operator
// counts what it reads from outside the job (numRecordsIn), which the
// task's own numRecordsIn does not.
func (s *subtaskStore) sourceValue(k int, m string) (mval, bool) {
	switch m {
	case "numRecordsIn", "numRecordsOut":
		return longVal(s.share(s.c.recOut, k)), true
	case "numRecordsInPerSecond":
		return doubleVal(s.out / float64(s.vx.par)), true
	case "pendingRecords":
		return longVal(s.pending), true
	case "currentOutputWatermark":
		wm := s.j.watermark(s.i, k, s.t, s.st, s.lag)
		if wm != noWatermark {
			wm += watermarkDelay / 2 // sources emit ahead of their readers
		}
		return longVal(wm), true
	}
	return mval{}, false
}
