// Package classify decides who must act on a Flink job failure: the
// platform on-call (page), nobody yet (monitor) or the owning team (notify),
// with a category, a one-line reason and a hint the owner can act on.
//
// A failure (Input) is a Flink exception-history entry, a failed
// checkpoint's message, the operator's status.error or a Kubernetes pod
// signal. The Classifier parses its stack trace once (ParseTrace) and runs
// an ordered list of rules: the embedded default_rules.yaml, whose header
// documents the format, merged with the rules files named in the config.
// Ownership (which storage, images, connectors and Java packages belong to
// the platform) is configuration, because who must act depends on who owns
// what failed. A failure no rule knows is unexpected: it takes
// classify.unknownRoute (page by default) and says so.
//
// Rules files (the embedded default_rules.yaml documents all of this):
//
//	terminal:            # "the job stopped restarting" markers, as conditions
//	  - message: 'recovery is suppressed by'
//	rules:               # ordered; the first whose conditions all hold decides
//	  - id: kafka-topic-authorization
//	    when: {class: TopicAuthorizationException}
//	    route: notify                # page | monitor | notify
//	    category: kafka_topic_authorization
//	    reason: one line: what happened and why it routes here
//	    hint: one line: what the owner should do
//
// Conditions: source, class (anywhere in the cause chain), message (RE2,
// case-insensitive), root, rootMessage, frame and caller (tenant, platform
// or query code), stack (package prefixes), mentions, storage, image,
// connector (platform- or tenant-owned), labels (failure enricher),
// k8sReason, k8sMessage, exitCode, and any/not blocks. A rule with vetoes
// only replaces a later decision of a vetoed route. Files are decoded
// strictly; a user rule with a default rule's id replaces it in place (or
// removes it with disabled: true), other user rules run before the defaults.
//
// Monitor causes escalate to page when the job stopped restarting (the
// rules file's terminal markers), when Input.RecentOccurrences reaches the
// escalation count, or when an Escalator has seen the category that often
// for the job within the window. Notify causes never escalate.
//
// Text that leaves the process goes through Redact first.
package classify

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

// Input is one failure as flinkslo sees it. Fields that do not apply stay
// empty; a Kubernetes signal may come with a Flink exception or alone.
type Input struct {
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

// Result is a classification.
type Result struct {
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
