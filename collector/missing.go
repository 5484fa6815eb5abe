package collector

import (
	"github.com/flinkslo/flinkslo/fleet"
	"time"
)

// unreachableJobs reports the jobs of a target whose JobManager could not
// be reached: the jobs of the last successful cycle, or the expected job,
// all unhealthy. Their state is unknown, so they carry none.
func (l *Loop) unreachableJobs(t fleet.Target, st *targetState, now time.Time) []fleet.JobStatus {
	if t.ClusterOnly || t.Suspended {
		return nil
	}
	var jobs []fleet.JobStatus
	if st.last != nil {
		for _, j := range st.last.Jobs {
			j.Stale, j.Healthy, j.State = true, false, ""
			j.Reasons = []fleet.Reason{fleet.ReasonUnreachable}
			j.CheckpointsProgressing = false
			j.Uptime = 0
			if js := st.jobs[j.Name]; js != nil {
				j.Failures = copyCounts(js.failures)
				j.LastFailure = js.lastFailure
			}
			jobs = append(jobs, j)
		}
	}
	if len(jobs) == 0 {
		jobs = []fleet.JobStatus{{Name: expectedJobName(t, st), Expected: true, Stale: true, Reasons: []fleet.Reason{fleet.ReasonUnreachable}}}
	}
	return jobs
}

// missingJobs reports the expected job when the JobManager answered but
// lists no job for the target: the job that should run does not exist.
func (l *Loop) missingJobs(t fleet.Target, st *targetState, jobs []fleet.JobStatus, now time.Time) []fleet.JobStatus {
	if t.ClusterOnly || t.Suspended || len(jobs) > 0 {
		return nil
	}
	j := fleet.JobStatus{Name: expectedJobName(t, st), Expected: true, Reasons: []fleet.Reason{fleet.ReasonJobMissing}}
	if deploymentError(t) {
		j.Reasons = []fleet.Reason{fleet.ReasonDeploymentError, fleet.ReasonJobMissing}
	}
	if js := st.jobs[j.Name]; js != nil {
		j.Failures = copyCounts(js.failures)
		j.LastFailure = js.lastFailure
	}
	return []fleet.JobStatus{j}
}

// expectedJobName names a job flinkslo has not seen: the name the target
// or the operator gives, the last name seen, or the deployment's name.
func expectedJobName(t fleet.Target, st *targetState) string {
	switch {
	case t.JobName != "":
		return t.JobName
	case t.Operator != nil && t.Operator.JobName != "":
		return t.Operator.JobName
	}
	for name := range st.jobs {
		return name
	}
	return t.Deployment
}
