package flinkfake

import "math"

// The data-flow model behind the vertex metrics: what each vertex has read
// and written, how busy and back-pressured its subtasks are and how far
// its input watermark trails the clock, computed from the clock like the
// rest of the job. Counts are per task attempt, as Flink's are: a restart
// starts them again from zero; a scenario switch carries them over (each
// vertex's base).

const (
	recordsPerSecond = 250   // what one source subtask reads per second
	bytesPerRecord   = 120   // serialized size of a record between tasks
	backlogMillis    = 400   // a healthy source's backlog, in ms of input
	watermarkDelay   = 1500  // how far a current input watermark trails, ms
	watermarkStep    = 40    // each further subtask's watermark is this much older, ms
	boundedRecords   = 50000 // what the bounded source reads …
	boundedRuntime   = 60000 // … in its first minute, ms; then it FINISHES
	// noWatermark is Long.MIN_VALUE, Flink's "no watermark yet".
	noWatermark = math.MinInt64
)

// ioCounters are a vertex's counts since its subtasks started, summed over
// the subtasks.
type ioCounters struct {
	recIn, recOut  int64
	busy, bp, idle float64 // accumulated ms
}

// stalls reports a scenario in which no records flow.
func (s Scenario) stalls() bool { return s == Stuck || s == IdleSource }

// flow is the stretch of the current segment in which the subtasks now
// running have processed: from the later of the segment start and their
// start, to t or when they stopped. carry says they were already running
// when the segment began, so the segment adds to the vertices' bases.
func (j *job) flow(t int64, st jobStatus) (from, to int64, carry bool) {
	run := st.stamps[stRunning]
	from, to = max(j.segStart, run), t
	switch {
	case st.end != 0:
		to = min(t, st.end)
	case st.state == stRestarting:
		to = min(t, st.stamps[stRestarting])
	}
	return from, max(to, from), run <= j.segStart
}

// boundedEnd is when the bounded source of the running attempt finishes
// reading.
func (j *job) boundedEnd(st jobStatus) int64 {
	return st.stamps[stRunning] + boundedRuntime
}

// finished reports that vertex i is a bounded source that has finished.
func (j *job) finished(i int, t int64, st jobStatus) bool {
	return j.vertices[i].bounded && st.state == stRunning && j.boundedEnd(st) <= t
}

// profile is how busy and back-pressured subtask 0 of vertex i is, in ms
// per second; the other subtasks a little less (spread).
func (j *job) profile(i int) (busy, bp float64) {
	switch {
	case j.scenario.stalls():
		return 0, 0
	case j.scenario != Backpressure:
	case i == j.neck:
		return 985, 0
	case j.upstreamOf(i, j.neck):
		return 60, 900
	}
	return j.vertices[i].busy, 0
}

// spread is subtask s's share of subtask 0's busy and back-pressured time.
func spread(busy, bp float64, s int) (float64, float64, float64) {
	b, p := busy*(1-0.02*float64(s)), bp*(1-0.01*float64(s))
	return b, p, max(0, 1000-b-p)
}

// counters are vertex i's counts at t.
func (j *job) counters(i int, t int64, st jobStatus) ioCounters {
	v := &j.vertices[i]
	from, to, carry := j.flow(t, st)
	var c ioCounters
	if carry {
		c = v.base
	}
	if v.bounded {
		// Derived from the start alone: it reads its input once.
		c = ioCounters{}
		from = st.stamps[stRunning]
		to = min(to, j.boundedEnd(st))
		c.recOut = boundedRecords * min(max(to-from, 0), boundedRuntime) / boundedRuntime
	}
	dt := max(to-from, 0)
	switch {
	case v.role == roleSource && !v.bounded:
		if !j.scenario.stalls() {
			c.recOut += recordsPerSecond * int64(v.par) * dt / 1000
		}
	case v.role != roleSource:
		var in int64
		for _, u := range v.inputs {
			in += j.counters(u, t, st).recOut
		}
		c.recIn = in
		if v.role != roleSink {
			c.recOut = in / v.reduce
		}
	}
	busy, bp := j.profile(i)
	for s := range v.par {
		b, p, idle := spread(busy, bp, s)
		c.busy += b * float64(dt) / 1000
		c.bp += p * float64(dt) / 1000
		c.idle += idle * float64(dt) / 1000
	}
	return c
}

// reported says what the metric store knows of vertex i at t: details is
// false when its running subtasks have no metrics there (job details then
// say -complete false), store false when its subtask metrics and
// watermarks are empty (finished or not running subtasks, too).
func (j *job) reported(i int, t int64, st jobStatus) (details, store bool) {
	last := i == len(j.vertices)-1
	switch {
	case st.state != stRunning:
		return true, false
	case j.scenario == MetricsPending && j.vertices[i].role == roleSink,
		j.scenario == TasksNotRunning && last:
		return false, false
	case j.finished(i, t, st):
		return true, false
	}
	return true, true
}

// pending is source vertex i's backlog per subtask (pendingRecords):
// a fraction of a second normally, nothing when idle, growing when stuck
// or back-pressured.
func (j *job) pending(i int, t int64, st jobStatus) int64 {
	v := &j.vertices[i]
	from, to, _ := j.flow(t, st)
	base := int64(recordsPerSecond * backlogMillis / 1000)
	switch {
	case v.bounded:
		return boundedRecords - j.counters(i, t, st).recOut
	case j.scenario == IdleSource:
		return 0
	case j.scenario == Stuck:
		return base + recordsPerSecond*(to-from)/1000
	case j.scenario == Backpressure:
		return base + recordsPerSecond*(to-from)/10000
	}
	return base
}

// watermark is subtask s of vertex i's current input watermark at t.
// Sources have none (their task registers no input watermark).
func (j *job) watermark(i, s int, t int64, st jobStatus, lag int64) int64 {
	if j.scenario == NoWatermark {
		return noWatermark
	}
	from, to, _ := j.flow(t, st)
	at := to
	if j.scenario.stalls() {
		at = from
	}
	if j.scenario == WatermarkLag && s == 0 {
		return at - lag
	}
	return at - watermarkDelay - watermarkStep*int64(s)
}

// pressure is how long the job has run MemoryPressure until t.
func (j *job) pressure(t int64) int64 {
	if j.scenario == MemoryPressure && !j.terminal() {
		return j.pressured + max(t-j.segStart, 0)
	}
	return j.pressured
}
