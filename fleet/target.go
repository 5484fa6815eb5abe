package fleet

import (
	"time"

	"github.com/flinkslo/flinkslo/internal/config"
)

// Target is one Flink deployment to watch: a JobManager REST endpoint and
// who owns it. Targets come from the config file or Kubernetes discovery.
type Target struct {
	// Deployment and Namespace identify the deployment and become labels.
	Deployment string
	Namespace  string
	// Owner is the owning team and, when set, the Slack channel that
	// overrides the team's (the team's own comes from the teams config).
	Owner
	// URL is the JobManager REST base URL, possibly with a path prefix.
	URL string
	// Suspended: the deployment is not expected to run, so its jobs never
	// count against health.
	Suspended bool
	// CheckpointWindow overrides the derived checkpoint-progress window.
	CheckpointWindow time.Duration
	// StuckAfter and WatermarkLagAfter override health.stuckAfter and
	// health.watermarkLagUnhealthyAfter for the deployment: nil keeps the
	// health section's, 0 turns the check off.
	StuckAfter, WatermarkLagAfter *time.Duration
	// HTTP overrides the global client settings; nil means the defaults.
	HTTP *config.HTTPClient
	// KafkaCluster and ConsumerGroups tie the deployment's jobs to their
	// consumer groups; an empty cluster is the default one.
	KafkaCluster   string
	ConsumerGroups []string
	// JobID, when set, limits the target to that job (a FlinkSessionJob on
	// a shared session cluster).
	JobID string
	// JobName, when set, is the job expected to run; it names the job in
	// the signals when the JobManager reports none.
	JobName string
	// ClusterOnly: watch the JobManager but report no jobs (a session
	// cluster whose jobs are targets of their own).
	ClusterOnly bool
	// Operator is the Flink Kubernetes Operator's view, when discovered.
	Operator *OperatorStatus
	// Source is "static" or "kubernetes".
	Source string
}

// OperatorStatus is what the Flink Kubernetes Operator says about a
// FlinkDeployment or FlinkSessionJob.
type OperatorStatus struct {
	Kind                       string // FlinkDeployment or FlinkSessionJob
	LifecycleState             string
	JobManagerDeploymentStatus string
	JobState                   string
	JobName                    string
	JobID                      string
	// Error is status.error verbatim (a JSON FlinkResourceException or text).
	Error string
}

// Key identifies the target across scrapes: namespace/deployment.
func (t Target) Key() string { return t.Namespace + "/" + t.Deployment }

// Job names one job of the target.
func (t Target) Job(name string) JobRef {
	return JobRef{Namespace: t.Namespace, Deployment: t.Deployment, Job: name}
}

// FailureReport is a failure seen outside the REST scrape: a pod
// terminated OOMKilled, an image that cannot be pulled, the operator's
// status.error. Job is empty when the failure concerns the deployment.
type FailureReport struct {
	Target   Target
	Job      string
	Evidence Evidence
	// Fingerprint identifies the occurrence: the same fingerprint reported
	// twice is counted and routed once.
	Fingerprint string
}
