package flinkfake

// jobStatus is a job's state at one instant (times in epoch ms).
type jobStatus struct {
	state    int
	stamps   [numStates]int64
	restarts int64
	end      int64 // 0 unless globally terminal
	// restores and lastRestore count RestartLoop recoveries this segment.
	restores    int64
	lastRestore int64
}

// restartCycle splits elapsed time e of a RestartLoop segment into the
// failures that happened (n), the recoveries that followed (m) and whether
// the job is RESTARTING now. Failure k happens at k·P−R.
func restartCycle(e int64, tm timing) (n, m int64, restarting bool) {
	p, r := tm.restartEvery, tm.restartDelay
	return (e + r) / p, e / p, e%p >= p-r
}

func (j *job) status(now int64, tm timing) jobStatus {
	st := jobStatus{state: stRunning, stamps: j.stamps, restarts: j.base.restarts}
	e := max(now-j.segStart, 0)
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
		st.restores, st.restarts = m, j.base.restarts+n
		if n > 0 {
			st.stamps[stRestarting] = j.segStart + n*tm.restartEvery - tm.restartDelay
		}
		if m > 0 {
			st.lastRestore = j.segStart + m*tm.restartEvery
			st.stamps[stRunning] = st.lastRestore
		}
		if restarting {
			st.state = stRestarting
			return st
		}
	}
	if j.prevState != stRunning && st.stamps[stRunning] < j.segStart {
		st.stamps[stRunning] = j.segStart
	}
	return st
}

// tasks returns the subtask states of each vertex.
func (j *job) tasks(st jobStatus, now int64, out []taskCounts) []taskCounts {
	out = out[:0]
	for i, v := range j.vertices {
		var c taskCounts
		switch {
		case st.state == stRunning && j.scenario == TasksNotRunning && i == len(j.vertices)-1:
			c[exDeploying] = (v.par + 1) / 2
			c[exScheduled] = v.par - c[exDeploying]
		case j.finished(i, now, st):
			c[exFinished] = v.par
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
		out = append(out, c)
	}
	return out
}

// failingVertex is the vertex whose subtask the job's failures hit.
func (j *job) failingVertex() int {
	if j.failure == UserConfig || j.failure == CoordinatorFailure {
		return 0
	}
	return j.keyed
}

// lastModification is when a task last changed state.
func (j *job) lastModification(st jobStatus) int64 {
	t := max(st.stamps[stRunning], st.stamps[stRestarting], st.stamps[stFailed], st.stamps[stCanceled])
	if j.scenario == TasksNotRunning {
		t = max(t, j.segStart)
	}
	return t + 40
}

// stateString is the job state as reported, honouring SetState.
func (j *job) stateString(st jobStatus) string {
	if j.override != "" {
		return j.override
	}
	return stateName(st.state)
}
