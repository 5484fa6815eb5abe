package flinkfake

import "time"

// jobStatus is a job's state at one instant.
type jobStatus struct {
	state    int
	stamps   [numStates]time.Time
	restarts int64
	end      time.Time // zero unless globally terminal
	// restores and lastRestore count RestartLoop recoveries this segment.
	restores    int64
	lastRestore time.Time
	failures    int64 // RestartLoop failures this segment
}

// restartCycle splits elapsed time e of a RestartLoop segment into the
// failures that happened (n), the recoveries that followed (m) and whether
// the job is RESTARTING now. Failure k happens at k·P−R.
func restartCycle(e time.Duration, tm timing) (n, m int64, restarting bool) {
	p, r := tm.restartEvery, tm.restartDelay
	n = int64((e + r) / p)
	m = int64(e / p)
	return n, m, e%p >= p-r
}

func (j *job) status(now time.Time, tm timing) jobStatus {
	st := jobStatus{state: stRunning, stamps: j.stamps, restarts: j.base.restarts}
	e := max(now.Sub(j.segStart), 0)
	switch {
	case j.ended:
		st.state, st.end = stCanceled, j.stamps[stCanceled]
		return st
	case j.scenario == Failed:
		st.state, st.end = stFailed, j.segStart
		st.stamps[stFailing], st.stamps[stFailed] = j.segStart, j.segStart
		return st
	case j.scenario == RestartLoop:
		n, m, restarting := restartCycle(e, tm)
		st.failures, st.restores, st.restarts = n, m, j.base.restarts+n
		if n > 0 {
			st.stamps[stRestarting] = j.segStart.Add(time.Duration(n)*tm.restartEvery - tm.restartDelay)
		}
		if m > 0 {
			st.lastRestore = j.segStart.Add(time.Duration(m) * tm.restartEvery)
			st.stamps[stRunning] = st.lastRestore
		}
		if restarting {
			st.state = stRestarting
			return st
		}
	}
	if j.prevState != stRunning && st.stamps[stRunning].Before(j.segStart) {
		st.stamps[stRunning] = j.segStart
	}
	return st
}

// tasks returns the subtask states of each vertex.
func (j *job) tasks(st jobStatus) []taskCounts {
	out := make([]taskCounts, len(j.vertices))
	for i, v := range j.vertices {
		var c taskCounts
		switch {
		case st.state == stRunning && j.scenario == TasksNotRunning && i == len(j.vertices)-1:
			c[exDeploying] = (v.par + 1) / 2
			c[exScheduled] = v.par - c[exDeploying]
		case st.state == stRunning:
			c[exRunning] = v.par
		case st.state == stCanceled:
			c[exCanceled] = v.par
		case i == j.failingVertex():
			c[exFailed] = 1
			c[exCanceled] = v.par - 1
		default:
			c[exCanceled] = v.par
		}
		out[i] = c
	}
	return out
}

// failingVertex is the vertex whose subtask the job's failures hit.
func (j *job) failingVertex() int {
	if j.failure == UserConfig || j.failure == CoordinatorFailure {
		return 0
	}
	return 1
}

// lastModification is when a task last changed state.
func (j *job) lastModification(st jobStatus) time.Time {
	t := st.stamps[stRunning]
	for _, s := range []int{stRestarting, stFailed, stCanceled} {
		if st.stamps[s].After(t) {
			t = st.stamps[s]
		}
	}
	if j.scenario == TasksNotRunning && j.segStart.After(t) {
		t = j.segStart
	}
	return t.Add(40 * time.Millisecond)
}

// stateString is the job state as reported, honouring SetState.
func (j *job) stateString(st jobStatus) string {
	if j.override != "" {
		return j.override
	}
	return stateName(st.state)
}
