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

// SourceHealth marks a notification about a health transition (the job
// became unhealthy with no classified failure to explain it) rather than
// about a classified failure.
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
}

// Decision is the policy's answer to who must act on a failure.
type Decision struct {
	Route    Route
	Category string
	// Reason is one line saying what happened and why it routes here.
	Reason string
	// Hint tells the owner what to do.
	Hint string
	// Rule is the id of the rule that decided.
	Rule string
	// Escalated is set when a monitor cause became a page (repeats or
	// terminal failure).
	Escalated bool
	// RuleRoute is the route the rule gave, before escalation. Escalators
	// count occurrences of monitor causes by it.
	RuleRoute Route
	// Occurrences is the count of this category for the job within the
	// escalation window when an escalator or Input.RecentOccurrences gave one.
	Occurrences int
	// Root is the class of the exception that decided (the root cause,
	// unless a rule matched an outer one) and Message its message,
	// redacted and shortened.
	Root    string
	Message string
}
