package flinkfake

import (
	"fmt"
	"strings"
)

// Scenario is what a simulated job (or a whole JobManager) is going
// through. Job scenarios shape the JSON; transport scenarios (Slow and
// after) shape the HTTP exchange and leave the job healthy underneath.
type Scenario int

const (
	// Healthy: RUNNING, every task running, a checkpoint completes every
	// checkpoint interval.
	Healthy Scenario = iota
	// RestartLoop: RUNNING for a while, then RESTARTING, again and again.
	// Each restart raises numRestarts and adds an exception-history entry
	// of the job's FailureKind; no checkpoint completes.
	RestartLoop
	// CheckpointsStalled: RUNNING, one checkpoint stays in progress and
	// none completes; the last completed one is as old as the scenario.
	CheckpointsStalled
	// CheckpointsFailing: RUNNING, every triggered checkpoint fails:
	// counts.failed grows and latest.failed/history carry failure_message.
	CheckpointsFailing
	// Failed: the job is FAILED; its last exception is
	// "org.apache.flink.runtime.JobException: Recovery is suppressed by …"
	// caused by the job's FailureKind.
	Failed
	// TasksNotRunning: RUNNING with the last vertex's subtasks stuck in
	// DEPLOYING and SCHEDULED; no checkpoint is triggered meanwhile.
	TasksNotRunning
	// CheckpointingDisabled: both checkpoint endpoints answer 404 and the
	// checkpoint metrics do not exist.
	CheckpointingDisabled

	// The detail scenarios below shape the vertex, watermark, checkpoint
	// and TaskManager metrics; each leaves the job RUNNING with checkpoints
	// completing, so the classic signals stay healthy and only the one it
	// is about shows (see load.go and taskmanagers.go for the numbers).

	// Stuck: no records flow from segment start (record counters frozen,
	// their -complete flags true, every subtask idle) while the Kafka
	// source's pendingRecords keeps growing: its input has data.
	Stuck
	// IdleSource: records frozen and subtasks idle like Stuck, but
	// pendingRecords is 0: the input is empty, which is normal. The input
	// watermark stops with the records (no idleness configured).
	IdleSource
	// WatermarkLag: subtask 0 of every non-source vertex has its input
	// watermark Options.WatermarkLag behind the clock (one lagging
	// partition holds the minimum back); the other subtasks are current.
	WatermarkLag
	// NoWatermark: every input watermark is Long.MIN_VALUE, as in a job
	// without a watermark strategy.
	NoWatermark
	// Backpressure: one middle vertex is busy (985 ms/s), every vertex
	// upstream of it is back-pressured (about 900 ms/s) and the ones
	// downstream are not. Submitted with this scenario, the job runs a
	// four-vertex pipeline (source, window, enrich, sink) whose enrich
	// vertex is the bottleneck; switched to it later, the window of the
	// usual three vertices is.
	Backpressure
	// SlowCheckpoints: every checkpoint takes 90% of
	// Options.CheckpointTimeout and the next starts when it completes; the
	// incremental (checkpointed) size grows by 2 MiB per checkpoint.
	SlowCheckpoints
	// MemoryPressure: the TaskManagers running the job have their heap 95%
	// used and spend 450 ms of every second in garbage collection.
	MemoryPressure
	// BoundedSource: submitted with this scenario, the job joins a Kafka
	// source with a bounded source (a dimension table) that reads 50,000
	// records and FINISHES a minute after the job starts running; the job
	// stays RUNNING. Switched to later, it acts like Healthy.
	BoundedSource
	// MetricsPending: the metric store has nothing yet for the sink
	// vertex: its record counts are 0 with every -complete flag false, and
	// its subtask metrics and watermarks are empty.
	MetricsPending

	// Slow delays every response by Options.Delay, giving up when the
	// request's context ends.
	Slow
	// HTTP500 answers every request with Flink's "Internal server error."
	HTTP500
	// InvalidJSON answers 200 with an HTML page (an ingress serving the
	// wrong backend).
	InvalidJSON
	// Truncated answers 200 with a complete HTTP body whose JSON is cut
	// in the middle (a proxy that gave up).
	Truncated
	// Huge answers 200 with a body of Options.HugeBytes (50 MB by default),
	// streamed without a Content-Length.
	Huge
)

var scenarioNames = [...]string{
	Healthy:               "healthy",
	RestartLoop:           "restart-loop",
	CheckpointsStalled:    "checkpoints-stalled",
	CheckpointsFailing:    "checkpoints-failing",
	Failed:                "failed",
	TasksNotRunning:       "tasks-not-running",
	CheckpointingDisabled: "checkpointing-disabled",
	Stuck:                 "stuck",
	IdleSource:            "idle-source",
	WatermarkLag:          "watermark-lag",
	NoWatermark:           "no-watermark",
	Backpressure:          "backpressure",
	SlowCheckpoints:       "slow-checkpoints",
	MemoryPressure:        "memory-pressure",
	BoundedSource:         "bounded-source",
	MetricsPending:        "metrics-pending",
	Slow:                  "slow",
	HTTP500:               "http-500",
	InvalidJSON:           "invalid-json",
	Truncated:             "truncated",
	Huge:                  "huge",
}

// Scenarios returns every scenario in declaration order.
func Scenarios() []Scenario {
	out := make([]Scenario, len(scenarioNames))
	for i := range out {
		out[i] = Scenario(i)
	}
	return out
}

func (s Scenario) String() string {
	if s >= 0 && int(s) < len(scenarioNames) {
		return scenarioNames[s]
	}
	return fmt.Sprintf("scenario(%d)", int(s))
}

// transport reports whether s acts on the HTTP exchange rather than on the
// job's data.
func (s Scenario) transport() bool { return s >= Slow && int(s) < len(scenarioNames) }

// ParseScenario reads a scenario's String form.
func ParseScenario(name string) (Scenario, error) {
	for i, n := range scenarioNames {
		if strings.EqualFold(name, n) {
			return Scenario(i), nil
		}
	}
	return 0, fmt.Errorf("unknown scenario %q: want one of %s", name, strings.Join(scenarioNames[:], ", "))
}

// FailureKind is the cause of the failures a job records in its exception
// history (RestartLoop, Failed) and of its failed checkpoints. Each kind
// stands for one classifier route.
type FailureKind int

const (
	// UserConfig: the source's Kafka principal lacks a READ ACL
	// (TopicAuthorizationException); the owning team must act (notify).
	UserConfig FailureKind = iota
	// PlatformBug: a NullPointerException thrown from org.apache.flink
	// frames only (page).
	PlatformBug
	// Transient: "Heartbeat of TaskManager with id … timed out" (monitor).
	Transient
	// CheckpointStorage: S3 answers 403 on the platform's
	// s3a://plat-state-… checkpoint bucket while restoring state (page).
	CheckpointStorage
	// CoordinatorFailure: a global failure (no task, endpoint or
	// TaskManager) raised by the Kafka source's OperatorCoordinator with an
	// IllegalStateException inside Flink (page).
	CoordinatorFailure
	// UserCode: the team's own map function throws a NullPointerException
	// on a record (com.acme frames on top): their code to fix (notify).
	UserCode
)

var failureNames = [...]string{
	UserConfig:         "user-config",
	PlatformBug:        "platform-bug",
	Transient:          "transient",
	CheckpointStorage:  "checkpoint-storage",
	CoordinatorFailure: "coordinator-failure",
	UserCode:           "user-code",
}

// FailureKinds returns every kind in declaration order.
func FailureKinds() []FailureKind {
	return []FailureKind{UserConfig, PlatformBug, Transient, CheckpointStorage, CoordinatorFailure, UserCode}
}

func (k FailureKind) String() string {
	if k >= 0 && int(k) < len(failureNames) {
		return failureNames[k]
	}
	return fmt.Sprintf("failure(%d)", int(k))
}

// ParseFailureKind reads a kind's String form.
func ParseFailureKind(name string) (FailureKind, error) {
	for i, n := range failureNames {
		if strings.EqualFold(name, n) {
			return FailureKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown failure kind %q: want one of %s", name, strings.Join(failureNames[:], ", "))
}
