package collector

import (
	"time"
)

// unreachableJobs reports the jobs of a target whose JobManager could not
// be reached: the jobs of the last successful cycle, or the expected job,
// all unhealthy. Their state is unknown, so they carry none.
func (l *Loop) unreachableJobs(t Target, st *targetState, now time.Time) []JobStatus {
	if t.ClusterOnly || t.Suspended {
		return nil
	}
	var jobs []JobStatus
	if st.last != nil {
		for _, j := range st.last.Jobs {
			j.Stale, j.Healthy, j.State = true, false, ""
			j.Reasons = []Reason{ReasonUnreachable}
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
		jobs = []JobStatus{{Name: expectedJobName(t, st), Expected: true, Stale: true, Reasons: []Reason{ReasonUnreachable}}}
	}
	return jobs
}

// missingJobs reports the expected job when the JobManager answered but
// lists no job for the target: the job that should run does not exist.
func (l *Loop) missingJobs(t Target, st *targetState, jobs []JobStatus, now time.Time) []JobStatus {
	if t.ClusterOnly || t.Suspended || len(jobs) > 0 {
		return nil
	}
	j := JobStatus{Name: expectedJobName(t, st), Expected: true, Reasons: []Reason{ReasonJobMissing}}
	if deploymentError(t) {
		j.Reasons = []Reason{ReasonDeploymentError, ReasonJobMissing}
	}
	if js := st.jobs[j.Name]; js != nil {
		j.Failures = copyCounts(js.failures)
		j.LastFailure = js.lastFailure
	}
	return []JobStatus{j}
}

// expectedJobName names a job flinkslo has not seen: the name the target
// or the operator gives, the last name seen, or the deployment's name.
func expectedJobName(t Target, st *targetState) string {
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
