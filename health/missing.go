package health

import "github.com/flinkslo/flinkslo/fleet"

// Unreachable reports the jobs of a target whose JobManager could not be
// reached: the jobs of its last successful cycle (last), or the expected
// job, all unhealthy. Their state is unknown, so they carry none.
func Unreachable(t fleet.Target, last []fleet.JobStatus, expected string) []fleet.JobStatus {
	if t.ClusterOnly || t.Suspended {
		return nil
	}
	var jobs []fleet.JobStatus
	for _, j := range last {
		j.Stale, j.Healthy, j.State = true, false, ""
		j.Reasons = []fleet.Reason{fleet.ReasonUnreachable}
		j.CheckpointsProgressing = false
		j.Uptime = 0
		j.Verdict = nil
		jobs = append(jobs, j)
	}
	if len(jobs) == 0 {
		jobs = []fleet.JobStatus{{Name: expected, Expected: true, Stale: true, Reasons: []fleet.Reason{fleet.ReasonUnreachable}}}
	}
	return jobs
}

// Missing reports the expected job when the JobManager answered but lists
// no job for the target: the job that should run does not exist.
func Missing(t fleet.Target, expected string) []fleet.JobStatus {
	if t.ClusterOnly || t.Suspended {
		return nil
	}
	j := fleet.JobStatus{Name: expected, Expected: true, Reasons: []fleet.Reason{fleet.ReasonJobMissing}}
	if DeploymentError(t) {
		j.Reasons = []fleet.Reason{fleet.ReasonDeploymentError, fleet.ReasonJobMissing}
	}
	return []fleet.JobStatus{j}
}

// ExpectedJob names a job flinkslo has not seen: the name the target or
// the operator gives, a name seen before (known), or the deployment's.
func ExpectedJob(t fleet.Target, known string) string {
	switch {
	case t.JobName != "":
		return t.JobName
	case t.Operator != nil && t.Operator.JobName != "":
		return t.Operator.JobName
	case known != "":
		return known
	}
	return t.Deployment
}
