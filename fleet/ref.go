package fleet

// JobRef names a job the way every part of flinkslo does: by namespace,
// deployment and job name. It is built from names only, never from ids, so
// it is the same after a resubmission, an exporter restart or a failover.
// Job is empty for the deployment itself (pod and operator failures).
type JobRef struct {
	Namespace  string `json:"namespace"`
	Deployment string `json:"deployment"`
	Job        string `json:"job"`
}

// String is namespace/deployment/job: the one text form of a job's identity
// (state files, incident keys, escalation counts, fingerprints).
func (j JobRef) String() string {
	return j.Namespace + "/" + j.Deployment + "/" + j.Job
}

// Target is namespace/deployment, or the deployment alone without a
// namespace, as people name it.
func (j JobRef) Target() string {
	if j.Namespace == "" {
		return j.Deployment
	}
	return j.Namespace + "/" + j.Deployment
}

// DeploymentRef is the deployment of j (Job empty).
func (j JobRef) DeploymentRef() JobRef {
	return JobRef{Namespace: j.Namespace, Deployment: j.Deployment}
}

// Owner is who owns a deployment: its team and, when the deployment names
// one, its own Slack channel. A team's channel is resolved from the teams
// config by the router, in one place; SlackChannel here is only an explicit
// override (target setting or resource annotation).
type Owner struct {
	Team         string
	SlackChannel string
}
