package fleet

import "time"

// JobDetail is what the detail reads (every detailInterval, RUNNING jobs
// only; docs/flink-detail-endpoints.md) tell of a job: whether records
// flow, how far its event time trails, and where it is back-pressured.
// Each group has its own flag: a group Flink cannot answer yet (no metrics
// in the JobManager's store, no watermark, a job chained into one vertex)
// is unknown, never zero.
type JobDetail struct {
	// At is when the job was last read in detail; zero if it never was.
	At time.Time

	// Records the job's sources emitted and its sinks received, as true
	// counters (Flink's restart with every task attempt). Known only from
	// complete counts of sources and sinks that exchange records with
	// other tasks.
	HasSourceRecords, HasSinkRecords bool
	SourceRecords, SinkRecords       float64
	// SourcesGrewAt is when the sources' count was last seen growing (or
	// the job last started running, if later); valid with
	// HasSourceRecords.
	SourcesGrewAt time.Time

	// WatermarkLag is the wall clock at the read minus the lowest input
	// watermark of the sinks; unknown while a sink subtask has none
	// (Long.MIN_VALUE) or the store lacks one.
	HasWatermarkLag bool
	WatermarkLag    time.Duration

	// Busy and back-pressured share of time (0–1) of the busiest and the
	// most back-pressured vertex read (their busiest subtask).
	HasBackpressure               bool
	BusyRatio, BackpressuredRatio float64
	// BackpressuredSince is when the current back-pressured streak began;
	// zero when the job is not back-pressured.
	BackpressuredSince time.Time
	// Bottleneck is the vertex that limits the job: the busiest vertex
	// whose downstream vertices are not back-pressured, named when it is
	// busy more than half of the time ("" otherwise). BottleneckID is its
	// vertex id, BottleneckBusyRatio its busy share.
	Bottleneck, BottleneckID string
	BottleneckBusyRatio      float64
}

// CheckpointCost is what the last completed checkpoint cost, from the
// checkpoint statistics (no extra request).
type CheckpointCost struct {
	// Known is false until a checkpoint completes.
	Known    bool
	Duration time.Duration
	// Size is the checkpoint's full state size; IncrementalSize what it
	// persisted (the increment with incremental checkpoints, else Size).
	Size, IncrementalSize float64
	// Timeout is the job's checkpoint timeout; TimeoutRatio is Duration ÷
	// Timeout (valid when Timeout > 0).
	Timeout      time.Duration
	TimeoutRatio float64
}

// TaskManagerMemory is the TaskManagers' JVM memory as one aggregated
// read per JobManager sees it: the largest heap in use and the largest
// heap, over the TaskManagers, and the share of time spent in garbage
// collection.
type TaskManagerMemory struct {
	// Known is false when it was not read (detail reads off, a session
	// job's target: its cluster's target reads it) or Flink had no values.
	Known             bool
	HeapUsed, HeapMax float64
	// GCTimeRatio is the worst TaskManager's share of time in GC (Flink
	// 1.19+), or the TaskManagers' average between two reads before 1.19;
	// unknown until then.
	HasGCTime   bool
	GCTimeRatio float64
}

// TaskManagerJVM is one TaskManager's JVM memory, from its own metrics
// (GET /taskmanagers/:taskmanagerid/metrics).
type TaskManagerJVM struct {
	// ID is Flink's TaskManager id: the taskmanager_id label.
	ID string
	// HasHeap is false when the TaskManager had no heap values (it left
	// between the listing and the read).
	HasHeap           bool
	HeapUsed, HeapMax float64
	// GCTimeRatio is its share of time in GC: Flink 1.19+'s per-second
	// metric, else its collectors' time between two reads.
	HasGCTime   bool
	GCTimeRatio float64
}
