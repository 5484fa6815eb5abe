package fleet

// JobState is a Flink JobStatus. The set is the same from Flink 1.15 to
// 2.x; an unknown value from a newer Flink is kept verbatim (see Known).
type JobState string

// The Flink job states (org.apache.flink.api.common.JobStatus).
const (
	StateInitializing JobState = "INITIALIZING"
	StateCreated      JobState = "CREATED"
	StateRunning      JobState = "RUNNING"
	StateFailing      JobState = "FAILING"
	StateFailed       JobState = "FAILED"
	StateCancelling   JobState = "CANCELLING"
	StateCanceled     JobState = "CANCELED"
	StateFinished     JobState = "FINISHED"
	StateRestarting   JobState = "RESTARTING"
	StateSuspended    JobState = "SUSPENDED"
	StateReconciling  JobState = "RECONCILING"
)

// JobStates lists every known state, in a stable order for state-sets.
var JobStates = []JobState{StateInitializing, StateCreated, StateRunning, StateFailing, StateFailed, StateCancelling, StateCanceled, StateFinished, StateRestarting, StateSuspended, StateReconciling}

func (s JobState) String() string { return string(s) }

// Known reports whether s is one of the states this version understands.
func (s JobState) Known() bool {
	for _, k := range JobStates {
		if s == k {
			return true
		}
	}
	return false
}

// GloballyTerminal reports whether the job will never run again in this
// cluster (FAILED, CANCELED, FINISHED).
func (s JobState) GloballyTerminal() bool {
	return s == StateFailed || s == StateCanceled || s == StateFinished
}
