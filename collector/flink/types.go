package flink

import (
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// Millis is an epoch-milliseconds timestamp as Flink writes it; -1 and 0
// mean "none".
type Millis int64

// Time converts m to a time.Time; the zero Time when m is not set.
func (m Millis) Time() time.Time {
	if m <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m))
}

// Overview is GET /overview (ClusterOverviewWithVersion).
type Overview struct {
	TaskManagers   int    `json:"taskmanagers"`
	SlotsTotal     int    `json:"slots-total"`
	SlotsAvailable int    `json:"slots-available"`
	JobsRunning    int    `json:"jobs-running"`
	JobsFinished   int    `json:"jobs-finished"`
	JobsCancelled  int    `json:"jobs-cancelled"`
	JobsFailed     int    `json:"jobs-failed"`
	FlinkVersion   string `json:"flink-version"`
	FlinkCommit    string `json:"flink-commit"`
}

// JobsOverview is GET /jobs/overview (MultipleJobsDetails).
type JobsOverview struct {
	Jobs []JobOverview `json:"jobs"`
}

// JobOverview is one item of /jobs/overview (JobDetails). The JSON keys are
// the same from 1.15 to 2.x (the 1.15/1.16 OpenAPI files are wrong here).
type JobOverview struct {
	ID               string         `json:"jid"`
	Name             string         `json:"name"`
	State            fleet.JobState `json:"state"`
	StartTime        Millis         `json:"start-time"`
	EndTime          Millis         `json:"end-time"`
	Duration         int64          `json:"duration"`
	LastModification Millis         `json:"last-modification"`
	// Tasks counts tasks per lower-case ExecutionState, plus "total".
	Tasks map[string]int `json:"tasks"`
}

// JobDetails is GET /jobs/:jobid (JobDetailsInfo), trimmed to what the
// signals use: the state timestamps, the vertices with their I/O metrics,
// and the plan's edges (Graph). The 2.x stream graph is skipped.
type JobDetails struct {
	ID        string         `json:"jid"`
	Name      string         `json:"name"`
	State     fleet.JobState `json:"state"`
	StartTime Millis         `json:"start-time"`
	EndTime   Millis         `json:"end-time"`
	Now       Millis         `json:"now"`
	// Timestamps gives the last entry into each state (0 = never).
	Timestamps map[fleet.JobState]Millis `json:"timestamps"`
	Vertices   []Vertex                  `json:"vertices"`
	// JobType is STREAMING or BATCH (1.20+, empty before).
	JobType string `json:"job-type"`
	// Plan is the job graph's plan; see Graph.
	Plan Plan `json:"plan"`
}

// Vertex is a JobDetailsVertexInfo.
type Vertex struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Parallelism    int    `json:"parallelism"`
	MaxParallelism int    `json:"maxParallelism"`
	// Status is the aggregate ExecutionState of the subtasks (RUNNING,
	// FINISHED for a bounded source that has read its input, …).
	Status string `json:"status"`
	// StartTime is when the subtasks started; EndTime when the vertex
	// reached a terminal status (-1, so zero Time, until then).
	StartTime Millis `json:"start-time"`
	EndTime   Millis `json:"end-time"`
	// Tasks counts subtasks per upper-case ExecutionState.
	Tasks map[string]int `json:"tasks"`
	// Metrics sums the subtasks' I/O since they started.
	Metrics IOMetrics `json:"metrics"`
}

// Finished reports a vertex whose every subtask FINISHED (a bounded source
// that read its input): it no longer reads, writes or registers metrics,
// which is normal.
func (v Vertex) Finished() bool { return v.Status == "FINISHED" }

// Checkpoints is GET /jobs/:jobid/checkpoints (CheckpointingStatistics).
type Checkpoints struct {
	Counts  CheckpointCounts  `json:"counts"`
	Summary CheckpointSummary `json:"summary"`
	Latest  LatestCheckpoints `json:"latest"`
	// History is newest first, at most web.checkpoints.history entries.
	History []CheckpointStats `json:"history"`
}

// CheckpointCounts only grow during one JobMaster's lifetime.
type CheckpointCounts struct {
	Restored   int64 `json:"restored"`
	Total      int64 `json:"total"`
	InProgress int64 `json:"in_progress"`
	Completed  int64 `json:"completed"`
	Failed     int64 `json:"failed"`
}

// CheckpointSummary keeps the duration and size statistics over the
// checkpoints Flink remembers (web.checkpoints.history).
type CheckpointSummary struct {
	EndToEndDuration MinMaxAvg `json:"end_to_end_duration"`
	// StateSize is the full state size; CheckpointedSize what each
	// checkpoint persisted (the increment, with incremental checkpoints).
	StateSize        MinMaxAvg `json:"state_size"`
	CheckpointedSize MinMaxAvg `json:"checkpointed_size"`
}

// MinMaxAvg is a StatsSummaryDto, trimmed.
type MinMaxAvg struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
	Avg int64 `json:"avg"`
}

// LatestCheckpoints entries are JSON null when there is nothing to show.
type LatestCheckpoints struct {
	Completed *CheckpointStats    `json:"completed"`
	Savepoint *CheckpointStats    `json:"savepoint"`
	Failed    *CheckpointStats    `json:"failed"`
	Restored  *RestoredCheckpoint `json:"restored"`
}

// CheckpointStats covers the completed, failed and in-progress subtypes; the
// subtype-specific fields are empty where they do not apply.
type CheckpointStats struct {
	ClassName          string `json:"className"`
	ID                 int64  `json:"id"`
	Status             string `json:"status"`
	IsSavepoint        bool   `json:"is_savepoint"`
	TriggerTimestamp   Millis `json:"trigger_timestamp"`
	LatestAckTimestamp Millis `json:"latest_ack_timestamp"`
	EndToEndDuration   int64  `json:"end_to_end_duration"`
	// StateSize is the checkpoint's full state size in bytes;
	// CheckpointedSize what it persisted: the increment with incremental
	// checkpoints, the same as StateSize otherwise (both 1.15+; before,
	// state_size alone meant what was persisted).
	StateSize        int64  `json:"state_size"`
	CheckpointedSize int64  `json:"checkpointed_size"`
	CheckpointType   string `json:"checkpoint_type"`
	ExternalPath     string `json:"external_path"`
	FailureTimestamp Millis `json:"failure_timestamp"`
	FailureMessage   string `json:"failure_message"`
}

// RestoredCheckpoint is latest.restored.
type RestoredCheckpoint struct {
	ID               int64  `json:"id"`
	RestoreTimestamp Millis `json:"restore_timestamp"`
	IsSavepoint      bool   `json:"is_savepoint"`
	ExternalPath     string `json:"external_path"`
}

// CheckpointConfig is GET /jobs/:jobid/checkpoints/config.
type CheckpointConfig struct {
	// Mode is exactly_once or at_least_once (lower case on the wire).
	Mode                       string `json:"mode"`
	IntervalMillis             int64  `json:"interval"`
	TimeoutMillis              int64  `json:"timeout"`
	MinPauseMillis             int64  `json:"min_pause"`
	MaxConcurrent              int64  `json:"max_concurrent"`
	TolerableFailedCheckpoints int64  `json:"tolerable_failed_checkpoints"`
	UnalignedCheckpoints       bool   `json:"unaligned_checkpoints"`
	StateBackend               string `json:"state_backend"`
	CheckpointStorage          string `json:"checkpoint_storage"`
}

// Interval returns the checkpoint interval.
func (c CheckpointConfig) Interval() time.Duration {
	return time.Duration(c.IntervalMillis) * time.Millisecond
}

// Timeout returns the checkpoint timeout.
func (c CheckpointConfig) Timeout() time.Duration {
	return time.Duration(c.TimeoutMillis) * time.Millisecond
}

// Exceptions is GET /jobs/:jobid/exceptions, normalised across versions:
// Flink 2.0 dropped the legacy top-level fields, so only the history is
// read; a 1.x response without history falls back to root-exception.
type Exceptions struct {
	Entries   []ExceptionEntry
	Truncated bool
}

// ExceptionEntry is a RootExceptionInfo (or one of its concurrent
// exceptions). Optional fields are empty when Flink left them out: global
// failures have no task, endpoint or TaskManager; failureLabels is 1.18+.
type ExceptionEntry struct {
	ExceptionName string            `json:"exceptionName"`
	Stacktrace    string            `json:"stacktrace"`
	Timestamp     Millis            `json:"timestamp"`
	TaskName      string            `json:"taskName,omitempty"`
	Endpoint      string            `json:"endpoint,omitempty"`
	Location      string            `json:"location,omitempty"`
	TaskManagerID string            `json:"taskManagerId,omitempty"`
	FailureLabels map[string]string `json:"failureLabels,omitempty"`
	Concurrent    []ExceptionEntry  `json:"concurrentExceptions,omitempty"`
}

// Where returns the TaskManager endpoint, from endpoint (1.19+) or location
// (up to 1.20).
func (e ExceptionEntry) Where() string {
	if e.Endpoint != "" {
		return e.Endpoint
	}
	return e.Location
}

// exceptionsWire is the union of every version's exceptions response.
type exceptionsWire struct {
	RootException    string `json:"root-exception"`
	Timestamp        Millis `json:"timestamp"`
	Truncated        bool   `json:"truncated"`
	ExceptionHistory *struct {
		Entries   []ExceptionEntry `json:"entries"`
		Truncated bool             `json:"truncated"`
	} `json:"exceptionHistory"`
}

// metricWire is one item of /jobs/:jobid/metrics.
type metricWire struct {
	ID    string `json:"id"`
	Value Number `json:"value"`
}
