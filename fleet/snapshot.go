package fleet

import (
	"time"
)

// Snapshot is the result of one scrape cycle. It is immutable once
// published: readers share it without locks.
type Snapshot struct {
	// Seq increases by one per published snapshot.
	Seq uint64
	// Started and Finished bound the cycle.
	Started, Finished time.Time
	// Targets is sorted by Key.
	Targets []TargetStatus
	// Failures were seen for the first time during this cycle, classified,
	// oldest first.
	Failures []Failure
	// Kafka holds the latest consumer-lag view, when Kafka is configured.
	Kafka *KafkaView
}

// TargetStatus is one deployment as seen in the cycle.
type TargetStatus struct {
	Target

	// Up is true when the JobManager answered the cycle's requests.
	Up bool
	// Error says why the target is down: one line, redacted.
	Error string
	// ErrorKind is a closed set suited to a label (see ErrorKinds).
	ErrorKind ErrorKind
	// ScrapeDuration is the time spent on the target this cycle.
	ScrapeDuration time.Duration
	ScrapedAt      time.Time
	// Requests and RequestErrors count HTTP requests this cycle.
	Requests, RequestErrors int
	// ErrorCounts counts failed requests since the target appeared, by kind.
	ErrorCounts map[ErrorKind]float64
	// FlinkVersion, TaskManagers and slots come from /overview.
	FlinkVersion   string
	TaskManagers   int
	SlotsTotal     int
	SlotsAvailable int
	// Jobs is sorted by Name.
	Jobs []JobStatus
	// Memory is the TaskManagers' JVM memory, from the last detail read.
	Memory TaskManagerMemory
	// PerTaskManager is each TaskManager's JVM memory, in id order, when
	// perTaskManagerMetrics asks for it (at most detailMaxTaskManagers);
	// nil otherwise. Shared between snapshots: never modified.
	PerTaskManager []TaskManagerJVM
	// Failures counts classified failures of the deployment itself (pods,
	// operator) per route and category; LastFailure is the newest.
	Failures    map[FailureKey]float64
	LastFailure *Failure
}

// JobStatus is one job's signals. A job is keyed by its name within the
// deployment: the job id changes on resubmission, the name does not.
type JobStatus struct {
	Name  string
	ID    string
	State JobState
	// Expected is false for a suspended deployment: the job does not count
	// against health and has no healthy series.
	Expected bool
	Healthy  bool
	// Reasons says why the job is unhealthy; empty when healthy.
	Reasons []Reason
	// Stale marks a job carried over from an earlier cycle because its
	// JobManager could not be reached.
	Stale bool

	StartTime    time.Time
	Uptime       time.Duration
	TasksTotal   int
	TasksRunning int

	CheckpointingEnabled   bool
	CheckpointsProgressing bool
	CheckpointInterval     time.Duration
	CheckpointWindow       time.Duration
	// LastCheckpoint is when the last checkpoint completed; zero if none.
	LastCheckpoint time.Time
	// Counters: monotonic across JobManager failover and resubmission.
	CheckpointsCompleted float64
	CheckpointsFailed    float64
	Restarts             float64
	// CheckpointCost is the last completed checkpoint's duration and size,
	// from the checkpoint statistics read every cycle.
	CheckpointCost CheckpointCost
	// Detail holds the signals of the job's last detail read.
	Detail JobDetail
	// RestartsInWindow is the number of restarts in health.restartWindow.
	RestartsInWindow int
	// Failures counts classified failures per route and category.
	Failures map[FailureKey]float64
	// Verdict is the policy's view of an expected job that is unhealthy:
	// the failure that explains it, or who must act. Nil when healthy.
	Verdict *Verdict
	// LastFailure is the most recent classified failure, if any.
	LastFailure *Failure

	// Kafka lag over the job's consumer groups; HasKafkaLag is false when
	// the job has no groups or their lag could not be measured, and
	// KafkaLagSecondsKnown when a group's time lag is not known yet.
	HasKafkaLag          bool
	KafkaLagRecords      float64
	KafkaLagSeconds      float64
	KafkaLagSecondsKnown bool
}

// FailureKey labels a failure counter.
type FailureKey struct {
	Route    Route
	Category string
}

// Failure is a classified failure of a job (or of a deployment, when Job is
// empty: pod and operator signals), with the policy's decision.
type Failure struct {
	JobRef
	Owner
	// URL is the deployment's JobManager URL, for links.
	URL   string
	JobID string
	// Time is when the failure happened; Seen when flinkslo first saw it.
	Time, Seen time.Time
	Source     Source
	Decision   Decision
	// Exception is the outermost exception class; Excerpt is the first
	// lines of the stack trace, redacted.
	Exception string
	Excerpt   string
	TaskName  string
	// Fingerprint identifies the occurrence, for deduplication.
	Fingerprint string
}

// Reason says why a job is unhealthy. Only these strings become the
// `reason` label.
type Reason string

// The unhealthy reasons; the README's signal definitions explain each.
const (
	ReasonUnreachable        Reason = "jobmanager_unreachable"
	ReasonJobMissing         Reason = "job_missing"
	ReasonNotRunning         Reason = "not_running"
	ReasonTasksNotRunning    Reason = "tasks_not_running"
	ReasonCheckpointsStalled Reason = "checkpoints_stalled"
	ReasonTooManyRestarts    Reason = "too_many_restarts"
	ReasonKafkaLagging       Reason = "kafka_lagging"
	ReasonKafkaStalled       Reason = "kafka_stalled"
	ReasonDeploymentError    Reason = "deployment_error"
	ReasonNoProgress         Reason = "no_progress"
	ReasonWatermarkLagging   Reason = "watermark_lagging"
	ReasonBackpressured      Reason = "backpressured"
	ReasonCheckpointHeadroom Reason = "checkpoint_timeout_headroom"
)

// Reasons lists every reason in a stable order.
var Reasons = []Reason{
	ReasonUnreachable, ReasonJobMissing, ReasonNotRunning, ReasonTasksNotRunning, ReasonCheckpointsStalled, ReasonTooManyRestarts,
	ReasonKafkaLagging, ReasonKafkaStalled, ReasonDeploymentError,
	ReasonNoProgress, ReasonWatermarkLagging, ReasonBackpressured, ReasonCheckpointHeadroom,
}

func (r Reason) String() string { return string(r) }

// Known reports whether r is one of Reasons.
func (r Reason) Known() bool {
	for _, k := range Reasons {
		if r == k {
			return true
		}
	}
	return false
}

// ErrorKind classifies why a scrape failed, for the errors counter's label.
type ErrorKind string

// The scrape error kinds.
const (
	ErrNone     ErrorKind = ""
	ErrConnect  ErrorKind = "connect"
	ErrTimeout  ErrorKind = "timeout"
	ErrHTTP     ErrorKind = "http_status"
	ErrDecode   ErrorKind = "decode"
	ErrCanceled ErrorKind = "canceled"
	ErrOther    ErrorKind = "other"
)

// ErrorKinds lists the kinds that appear as label values.
var ErrorKinds = []ErrorKind{ErrConnect, ErrTimeout, ErrHTTP, ErrDecode, ErrCanceled, ErrOther}

func (k ErrorKind) String() string { return string(k) }

// KafkaView is the consumer-lag side of a snapshot, filled by a LagSource.
type KafkaView struct {
	// Clusters says, per cluster, whether its last poll could read it.
	Clusters map[string]bool
	// Groups maps cluster/group to the group's lag, without its Topics
	// (which would keep every partition of the poll's LagView alive as
	// long as the snapshot).
	Groups map[GroupRef]GroupLag
}

// GroupRef names a consumer group on a cluster.
type GroupRef struct {
	Cluster string
	Group   string
}
