package collector

import (
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/health"
)

// evaluate computes one job's signals (health.Evaluate) and classifies the
// failures first seen this cycle, which the job's status then counts.
func (l *Loop) evaluate(t fleet.Target, js *jobState, o jobObservation, lag []fleet.GroupLag, now time.Time) (fleet.JobStatus, []fleet.Failure) {
	j := health.Evaluate(*l.health.Load(), t, &js.mem, o.Observation, lag, now)
	failures := l.jobFailures(t, js, o, now)
	j.Failures = copyCounts(js.failures)
	j.LastFailure = js.lastFailure
	return j, failures
}

// withFailures sets on jobs the failures counted for them earlier (a job
// of an unreachable target keeps its counts; its series must not drop).
func (st *targetState) withFailures(jobs []fleet.JobStatus) []fleet.JobStatus {
	for i := range jobs {
		if js := st.jobs[jobs[i].Name]; js != nil {
			jobs[i].Failures = copyCounts(js.failures)
			jobs[i].LastFailure = js.lastFailure
		}
	}
	return jobs
}

// expectedJob names the job the target should run when flinkslo has not
// seen it: a name seen before, if any.
func (st *targetState) expectedJob(t fleet.Target) string {
	known := ""
	for name := range st.jobs {
		known = name
		break
	}
	return health.ExpectedJob(t, known)
}

func copyCounts(m map[fleet.FailureKey]float64) map[fleet.FailureKey]float64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[fleet.FailureKey]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
