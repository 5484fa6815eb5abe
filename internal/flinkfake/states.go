package flinkfake

// Job states (org.apache.flink.api.common.JobStatus), in enum order: the
// timestamps map of /jobs/:jobid lists them all.
const (
	stInitializing = iota
	stCreated
	stRunning
	stFailing
	stFailed
	stCancelling
	stCanceled
	stFinished
	stRestarting
	stSuspended
	stReconciling
	numStates
)

func stateName(s int) string {
	switch s {
	case stInitializing:
		return "INITIALIZING"
	case stCreated:
		return "CREATED"
	case stRunning:
		return "RUNNING"
	case stFailing:
		return "FAILING"
	case stFailed:
		return "FAILED"
	case stCancelling:
		return "CANCELLING"
	case stCanceled:
		return "CANCELED"
	case stFinished:
		return "FINISHED"
	case stRestarting:
		return "RESTARTING"
	case stSuspended:
		return "SUSPENDED"
	}
	return "RECONCILING"
}

// Task states (ExecutionState), in enum order. Note CANCELING with one L,
// unlike the job state CANCELLING.
const (
	exCreated = iota
	exScheduled
	exDeploying
	exRunning
	exFinished
	exCanceling
	exCanceled
	exFailed
	exReconciling
	exInitializing
	numExec
)

// execName returns the upper-case name (vertex maps); /jobs/overview uses
// the lower-case form.
func execName(s int) string {
	switch s {
	case exCreated:
		return "CREATED"
	case exScheduled:
		return "SCHEDULED"
	case exDeploying:
		return "DEPLOYING"
	case exRunning:
		return "RUNNING"
	case exFinished:
		return "FINISHED"
	case exCanceling:
		return "CANCELING"
	case exCanceled:
		return "CANCELED"
	case exFailed:
		return "FAILED"
	case exReconciling:
		return "RECONCILING"
	}
	return "INITIALIZING"
}

func execLower(s int) string {
	switch s {
	case exCreated:
		return "created"
	case exScheduled:
		return "scheduled"
	case exDeploying:
		return "deploying"
	case exRunning:
		return "running"
	case exFinished:
		return "finished"
	case exCanceling:
		return "canceling"
	case exCanceled:
		return "canceled"
	case exFailed:
		return "failed"
	case exReconciling:
		return "reconciling"
	}
	return "initializing"
}

type taskCounts [numExec]int

func (t taskCounts) total() int {
	n := 0
	for _, c := range t {
		n += c
	}
	return n
}

// aggregate is a vertex's status from its subtasks' states, simplified
// from ExecutionJobVertex.getAggregateJobVertexState.
func (t taskCounts) aggregate() string {
	n := t.total()
	for s, c := range t {
		if c == n && n > 0 {
			return execName(s)
		}
	}
	switch {
	case t[exFailed] > 0:
		return "FAILED"
	case t[exCanceling] > 0:
		return "CANCELING"
	case t[exCanceled] > 0:
		return "CANCELED"
	case t[exDeploying] > 0:
		return "DEPLOYING"
	case t[exRunning] > 0:
		return "RUNNING"
	}
	return "SCHEDULED"
}
