package fleet

import "time"

// Route says who must act. The three values are a contract.
type Route string

const (
	// Page is an unexpected server error: the platform on-call acts now.
	Page Route = "page"
	// Monitor is a temporary server error: track it, wake nobody.
	Monitor Route = "monitor"
	// Notify is a user configuration error: the owning team acts.
	Notify Route = "notify"
)

// Routes lists the routes in a stable order.
var Routes = []Route{Page, Monitor, Notify}

func (r Route) String() string { return string(r) }

// Source says where a failure was seen.
type Source string

const (
	SourceFlinkREST  Source = "flink_rest" // a /jobs/:jobid/exceptions history entry
	SourceCheckpoint Source = "checkpoint" // a failed checkpoint's failure_message
	SourceOperator   Source = "operator"   // FlinkDeployment status.error
	SourceK8s        Source = "k8s"        // pod or event reason
)

// SourceHealth is a job's health: its unhealthy reasons (Evidence.Health)
// rather than a failure Flink or Kubernetes reported. The policy routes it
// with the same rules as failures, when no classified failure explains it.
const SourceHealth Source = "health"

// Evidence is one failure as flinkslo sees it. Fields that do not apply stay
// empty; a Kubernetes signal may come with a Flink exception or alone.
type Evidence struct {
	Source Source
	// Flink exception history entry.
	ExceptionName string
	Stacktrace    string
	TaskName      string
	Timestamp     time.Time
	FailureLabels map[string]string
	// OperatorError is the FlinkDeployment status.error JSON string.
	OperatorError string
	// Kubernetes signal.
	K8sReason  string
	K8sMessage string
	ExitCode   int // 0 when not given
	// RecentOccurrences, when > 0, is the count of failures of the same
	// category for this job within the escalation window, this one included.
	RecentOccurrences int
	// CheckpointFailure is the latest failed checkpoint's failure_message.
	// Flink's "tolerable failure threshold" exception carries no cause: the
	// checkpoint statistics have it.
	CheckpointFailure string
	// State is the job's state when the failure was seen, when known.
	State JobState
	// JobFailedAt is when the job's current run last failed with an
	// exception, when it has: a checkpoint that fails soon after is the
	// echo of that failure.
	JobFailedAt time.Time
	// Health lists the unhealthy reasons of a SourceHealth evidence.
	Health []Reason
}

// Decision is the policy's answer to who must act on a failure or on an
// unhealthy job: every part downstream groups, deduplicates and delivers
// it, and none decides again. The JSON form is what the alerting state
// persists.
type Decision struct {
	Route    Route  `json:"route,omitempty"`
	Category string `json:"category,omitempty"`
	// Reason is one line saying what happened and why it routes here.
	Reason string `json:"reason,omitempty"`
	// Hint tells whoever receives it what to do; for an escalated decision
	// it is written for the new audience.
	Hint string `json:"hint,omitempty"`
	// Rule is the id of the rule that decided.
	Rule string `json:"rule,omitempty"`
	// Escalated is set when a monitor cause became a page (repeats, a
	// terminal failure, or an unexplained outage that lasted).
	Escalated bool `json:"escalated,omitempty"`
	// RuleRoute is the route the rule gave, before escalation.
	RuleRoute Route `json:"ruleRoute,omitempty"`
	// Occurrences is the count of this category for the job within the
	// escalation window, when the policy counted them.
	Occurrences int `json:"occurrences,omitempty"`
	// Root is the class of the exception that decided (the root cause,
	// unless a rule matched an outer one) and Message its message,
	// redacted and shortened.
	Root    string `json:"root,omitempty"`
	Message string `json:"message,omitempty"`
	// Culprit is the stack frame the decision relied on
	// ("com.acme.X.y(X.java:12)"), and CulpritOwner whose code it is
	// (tenant, platform, query), when a rule looked at who owns the code.
	Culprit      string `json:"culprit,omitempty"`
	CulpritOwner string `json:"culpritOwner,omitempty"`
	// SideEffect: the failure follows from another failure of the job (a
	// checkpoint failing while the job is not running) and explains
	// nothing on its own.
	SideEffect bool `json:"sideEffect,omitempty"`
}

// Verdict is the policy's view of an unhealthy job: what explains it, or
// who must act when nothing does.
type Verdict struct {
	// ExplainedBy is the classified failure (of the job's current run, or
	// of its deployment) that explains the outage; nil when unexplained.
	ExplainedBy *Failure
	// Decision routes the outage when it is unexplained: the health rules'
	// answer for the job's reasons.
	Decision Decision
}

// CategoryUnhealthy is the category of every health decision: a job has at
// most one health incident open, whichever reasons it has meanwhile.
const CategoryUnhealthy = "job_unhealthy"
