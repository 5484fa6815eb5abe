package export

import (
	"slices"
	"strconv"
	"strings"

	"github.com/flinkslo/flinkslo/fleet"
)

// LifecycleStates are the operator's resource lifecycle states.
var LifecycleStates = []string{"CREATED", "SUSPENDED", "UPGRADING", "DEPLOYED", "STABLE", "ROLLING_BACK", "ROLLED_BACK", "FAILED", "DELETING", "DELETED"}

// JobManagerStatuses are the operator's JobManager deployment statuses.
var JobManagerStatuses = []string{"READY", "DEPLOYED_NOT_READY", "DEPLOYING", "MISSING", "ERROR"}

type (
	targetFunc = func(o *Out, t *fleet.TargetStatus)
	jobFunc    = func(o *Out, t *fleet.TargetStatus, j *fleet.JobStatus)
)

// Families returns the table, in the order the README lists it; each
// family's Index is its position in name order. Every call builds a new
// table: nothing in it is shared.
func Families() []*Family {
	states := make([]string, len(fleet.JobStates))
	for i, s := range fleet.JobStates {
		states[i] = string(s)
	}
	dog := func(name string, k Kind) DogStatsD { return DogStatsD{Name: name, Kind: k} }
	tf := func(typ Type, name, help, doc string, labels []string, d DogStatsD, fn targetFunc) *Family {
		return &Family{Name: name, Help: help, Doc: doc, Type: typ, Level: PerTarget, Labels: append(slices.Clone(TargetLabels), labels...), DogStatsD: d, target: fn}
	}
	jf := func(typ Type, name, help, doc string, labels []string, d DogStatsD, fn jobFunc) *Family {
		return &Family{Name: name, Help: help, Doc: doc, Type: typ, Level: PerJob, Labels: append(slices.Clone(JobLabels), labels...), DogStatsD: d, job: fn}
	}
	dogTagged := func(name string, k Kind, tags ...DogTag) DogStatsD { return DogStatsD{Name: name, Kind: k, Tags: tags} }
	none := DogStatsD{}
	fams := []*Family{
		tf(Gauge, "flinkslo_target_up", "1 if the JobManager answered the last scrape, else 0.",
			"1 if the JobManager answered the last scrape", nil, dog("target.up", DogGauge),
			func(o *Out, t *fleet.TargetStatus) {
				if !t.Suspended {
					o.Add(b2f(t.Up))
				}
			}),
		tf(Gauge, "flinkslo_target_info", "Deployment metadata: owning team, source of the target, Flink version.",
			"1; deployment metadata", []string{"team", "source", "flink_version"}, none,
			func(o *Out, t *fleet.TargetStatus) {
				if !t.Suspended {
					o.Add(1, t.Team, t.Source, t.FlinkVersion)
				}
			}),
		tf(Gauge, "flinkslo_target_scrape_duration_seconds", "Time the last scrape of the target took.",
			"time the last scrape of the target took", nil, none,
			func(o *Out, t *fleet.TargetStatus) {
				if !t.Suspended {
					o.Add(t.ScrapeDuration.Seconds())
				}
			}),
		tf(Counter, "flinkslo_target_scrape_errors_total", "Failed requests to the target's JobManager, by kind.",
			"failed requests by kind: "+codeList(fleet.ErrorKinds), []string{"kind"}, none,
			func(o *Out, t *fleet.TargetStatus) {
				if !t.Suspended {
					for k, v := range t.ErrorCounts {
						o.Add(v, string(k))
					}
				}
			}),
		tf(Gauge, "flinkslo_target_last_scrape_timestamp_seconds", "When the target was last scraped.",
			"when the target was last scraped", nil, none,
			func(o *Out, t *fleet.TargetStatus) {
				if !t.Suspended {
					o.Add(seconds(t.ScrapedAt))
				}
			}),
		tf(Gauge, "flinkslo_target_taskmanagers", "TaskManagers registered with the JobManager.",
			"registered TaskManagers", nil, none,
			func(o *Out, t *fleet.TargetStatus) {
				if !t.Suspended && t.Up {
					o.Add(float64(t.TaskManagers))
				}
			}),
		tf(Gauge, "flinkslo_target_slots", "Task slots of the cluster.",
			"task slots", nil, none,
			func(o *Out, t *fleet.TargetStatus) {
				if !t.Suspended && t.Up {
					o.Add(float64(t.SlotsTotal))
				}
			}),
		tf(Gauge, "flinkslo_target_slots_available", "Free task slots of the cluster.",
			"free task slots", nil, none,
			func(o *Out, t *fleet.TargetStatus) {
				if !t.Suspended && t.Up {
					o.Add(float64(t.SlotsAvailable))
				}
			}),
		tf(Gauge, "flinkslo_target_taskmanager_heap_used_bytes", "Largest JVM heap in use over the TaskManagers, from the last detail read (every detailInterval).",
			"largest heap in use over the TaskManagers (detail read)", nil, dog("target.taskmanager_heap_used_bytes", DogGauge),
			func(o *Out, t *fleet.TargetStatus) {
				if m := t.Memory; !t.Suspended && m.Known {
					o.Add(m.HeapUsed)
				}
			}),
		tf(Gauge, "flinkslo_target_taskmanager_heap_max_bytes", "Largest JVM heap over the TaskManagers, from the last detail read.",
			"largest heap over the TaskManagers (detail read)", nil, dog("target.taskmanager_heap_max_bytes", DogGauge),
			func(o *Out, t *fleet.TargetStatus) {
				if m := t.Memory; !t.Suspended && m.Known && m.HeapMax > 0 {
					o.Add(m.HeapMax)
				}
			}),
		tf(Gauge, "flinkslo_target_taskmanager_gc_time_ratio", "Share of time spent in garbage collection (0-1): the worst TaskManager's on Flink 1.19+, else their average; from the last detail reads.",
			"share of time in GC: worst TaskManager (1.19+), else their average (detail read)", nil, dog("target.taskmanager_gc_time_ratio", DogGauge),
			func(o *Out, t *fleet.TargetStatus) {
				if m := t.Memory; !t.Suspended && m.Known && m.HasGCTime {
					o.Add(m.GCTimeRatio)
				}
			}),
		tf(Gauge, "flinkslo_taskmanager_heap_used_bytes", "JVM heap in use of each TaskManager, from the last detail read; only with perTaskManagerMetrics.",
			"heap in use per TaskManager (detail read, perTaskManagerMetrics)", []string{"taskmanager_id"}, dog("taskmanager.heap_used_bytes", DogGauge),
			func(o *Out, t *fleet.TargetStatus) {
				for _, tm := range t.PerTaskManager {
					if !t.Suspended && tm.HasHeap {
						o.Add(tm.HeapUsed, tm.ID)
					}
				}
			}),
		tf(Gauge, "flinkslo_taskmanager_heap_max_bytes", "JVM heap of each TaskManager, from the last detail read; only with perTaskManagerMetrics.",
			"heap per TaskManager (detail read, perTaskManagerMetrics)", []string{"taskmanager_id"}, dog("taskmanager.heap_max_bytes", DogGauge),
			func(o *Out, t *fleet.TargetStatus) {
				for _, tm := range t.PerTaskManager {
					if !t.Suspended && tm.HasHeap && tm.HeapMax > 0 {
						o.Add(tm.HeapMax, tm.ID)
					}
				}
			}),
		tf(Gauge, "flinkslo_taskmanager_gc_time_ratio", "Share of time each TaskManager spent in garbage collection (0-1), from the last detail reads; only with perTaskManagerMetrics.",
			"share of time in GC per TaskManager (detail read, perTaskManagerMetrics)", []string{"taskmanager_id"}, dog("taskmanager.gc_time_ratio", DogGauge),
			func(o *Out, t *fleet.TargetStatus) {
				for _, tm := range t.PerTaskManager {
					if !t.Suspended && tm.HasGCTime {
						o.Add(tm.GCTimeRatio, tm.ID)
					}
				}
			}),
		tf(Gauge, "flinkslo_deployment_suspended", "1 if the deployment is not expected to run (spec state suspended).",
			"1 if not expected to run", []string{"team"}, none,
			func(o *Out, t *fleet.TargetStatus) { o.Add(b2f(t.Suspended), t.Team) }),
		tf(Gauge, "flinkslo_deployment_lifecycle_state", "The Flink Kubernetes Operator's lifecycle state of the deployment (state-set).",
			"the operator's lifecycle state (state-set)", []string{"state"}, none,
			func(o *Out, t *fleet.TargetStatus) {
				if op := t.Operator; op != nil {
					o.StateSet(LifecycleStates, op.LifecycleState)
				}
			}),
		tf(Gauge, "flinkslo_deployment_jobmanager_status", "The operator's JobManager deployment status (state-set).",
			"the operator's JobManager deployment status (state-set)", []string{"status"}, none,
			func(o *Out, t *fleet.TargetStatus) {
				if op := t.Operator; op != nil && op.Kind != "FlinkSessionJob" {
					o.StateSet(JobManagerStatuses, op.JobManagerDeploymentStatus)
				}
			}),
		tf(Counter, "flinkslo_deployment_failures_total", "Classified failures of the deployment itself (pods, operator), by route and category.",
			"classified failures of the deployment itself (pods, operator)", []string{"team", "route", "category"}, dog("deployment.failures", DogCount),
			func(o *Out, t *fleet.TargetStatus) {
				for k, v := range t.Failures {
					o.Add(v, t.Team, string(k.Route), k.Category)
				}
			}),

		jf(Gauge, "flinkslo_job_healthy", "1 if the job is expected to run and is healthy, else 0. No series for suspended deployments.",
			"1 if the job should run and is healthy; no series for suspended deployments", nil, dog("job.healthy", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.Expected {
					o.Add(b2f(j.Healthy))
				}
			}),
		jf(Gauge, "flinkslo_job_unhealthy_reason", "1 for each reason the job is unhealthy.",
			"1 for each current reason: "+codeList(fleet.Reasons), []string{"reason"}, dogTagged("job.unhealthy_reason", DogPresence, DogTag{Key: "explained", Value: explained}),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.Expected {
					for _, r := range j.Reasons {
						o.Add(1, string(r))
					}
				}
			}),
		jf(Gauge, "flinkslo_job_state", "The job's Flink state (state-set: 1 for the current state).",
			"Flink job state (state-set; unknown states from newer Flinks are added)", []string{"state"}, dog("job.state", DogPresence),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.State != "" {
					o.StateSet(states, string(j.State))
				}
			}),
		jf(Gauge, "flinkslo_job_info", "Job metadata: current job id and Flink version.",
			"1; the current job id", []string{"job_id", "flink_version"}, none,
			func(o *Out, t *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.ID != "" {
					o.Add(1, j.ID, t.FlinkVersion)
				}
			}),
		jf(Gauge, "flinkslo_job_checkpoints_progressing", "1 if the last completed checkpoint is within the checkpoint window. Only for jobs with checkpointing.",
			"1 if checkpoints are progressing (jobs with checkpointing)", nil, dog("job.checkpoints_progressing", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.CheckpointingEnabled {
					o.Add(b2f(j.CheckpointsProgressing))
				}
			}),
		jf(Gauge, "flinkslo_job_last_checkpoint_timestamp_seconds", "When the last checkpoint completed.",
			"when the last checkpoint completed", nil, none,
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.CheckpointingEnabled && !j.LastCheckpoint.IsZero() {
					o.Add(seconds(j.LastCheckpoint))
				}
			}),
		jf(Gauge, "flinkslo_job_checkpoint_age_seconds", "Time since the last checkpoint completed, at the end of the last scrape cycle.",
			"time since then, at the end of the last cycle", nil, dog("job.checkpoint_age_seconds", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.CheckpointingEnabled && !j.LastCheckpoint.IsZero() {
					o.Add(o.Now().Sub(j.LastCheckpoint).Seconds())
				}
			}),
		jf(Gauge, "flinkslo_job_checkpoint_window_seconds", "The window within which a checkpoint must complete.",
			"the checkpoint window in force", nil, none,
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.CheckpointingEnabled {
					o.Add(j.CheckpointWindow.Seconds())
				}
			}),
		jf(Gauge, "flinkslo_job_checkpoint_interval_seconds", "The job's configured checkpoint interval.",
			"the configured checkpoint interval", nil, none,
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.CheckpointingEnabled {
					o.Add(j.CheckpointInterval.Seconds())
				}
			}),
		jf(Counter, "flinkslo_job_checkpoints_completed_total", "Completed checkpoints; monotonic across JobManager failover and resubmission.",
			"completed checkpoints (true counter)", nil, dog("job.checkpoints_completed", DogCount),
			withID(func(o *Out, j *fleet.JobStatus) { o.Add(j.CheckpointsCompleted) })),
		jf(Counter, "flinkslo_job_checkpoints_failed_total", "Failed checkpoints; monotonic across JobManager failover and resubmission.",
			"failed checkpoints (true counter)", nil, dog("job.checkpoints_failed", DogCount),
			withID(func(o *Out, j *fleet.JobStatus) { o.Add(j.CheckpointsFailed) })),
		jf(Counter, "flinkslo_job_restarts_total", "Job restarts; monotonic across JobManager failover and resubmission.",
			"restarts (true counter)", nil, dog("job.restarts", DogCount),
			withID(func(o *Out, j *fleet.JobStatus) { o.Add(j.Restarts) })),
		jf(Gauge, "flinkslo_job_recent_restarts", "Restarts within health.restartWindow.",
			"restarts within `health.restartWindow`", nil, none,
			withID(func(o *Out, j *fleet.JobStatus) { o.Add(float64(j.RestartsInWindow)) })),
		jf(Gauge, "flinkslo_job_uptime_seconds", "Time since the job last entered RUNNING; 0 when not running.",
			"time since the job last entered RUNNING", nil, dog("job.uptime_seconds", DogGauge),
			withID(func(o *Out, j *fleet.JobStatus) { o.Add(j.Uptime.Seconds()) })),
		jf(Gauge, "flinkslo_job_tasks", "Tasks of the job.",
			"tasks of the job", nil, none,
			withID(func(o *Out, j *fleet.JobStatus) { o.Add(float64(j.TasksTotal)) })),
		jf(Gauge, "flinkslo_job_tasks_running", "Tasks of the job in state RUNNING.",
			"tasks running", nil, none,
			withID(func(o *Out, j *fleet.JobStatus) { o.Add(float64(j.TasksRunning)) })),
		jf(Counter, "flinkslo_job_failures_total", "Classified failures of the job, by route and category.",
			"classified failures", []string{"route", "category"}, dog("job.failures", DogCount),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				for k, v := range j.Failures {
					o.Add(v, string(k.Route), k.Category)
				}
			}),
		jf(Gauge, "flinkslo_job_last_failure_timestamp_seconds", "When the job's last classified failure happened, with its route and category.",
			"when the last classified failure happened", []string{"route", "category"}, none,
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if lf := j.LastFailure; lf != nil {
					o.Add(seconds(lf.Time), string(lf.Decision.Route), lf.Decision.Category)
				}
			}),
		jf(Gauge, "flinkslo_job_kafka_lag_records", "Kafka consumer lag of the job's consumer groups, in records (sum).",
			"Kafka lag of the job's consumer groups, records (sum)", nil, dog("job.kafka_lag_records", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.HasKafkaLag {
					o.Add(j.KafkaLagRecords)
				}
			}),
		jf(Gauge, "flinkslo_job_kafka_lag_seconds", "Kafka consumer lag of the job's consumer groups, in seconds (max).",
			"Kafka lag of the job's consumer groups, seconds (max)", nil, dog("job.kafka_lag_seconds", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				// An estimate not made yet is no data, not 0 seconds behind.
				if j.HasKafkaLag && j.KafkaLagSecondsKnown {
					o.Add(j.KafkaLagSeconds)
				}
			}),
		jf(Gauge, "flinkslo_job_last_checkpoint_duration_seconds", "Duration of the last completed checkpoint.",
			"duration of the last completed checkpoint", nil, dog("job.last_checkpoint_duration_seconds", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.CheckpointingEnabled && j.CheckpointCost.Known {
					o.Add(j.CheckpointCost.Duration.Seconds())
				}
			}),
		jf(Gauge, "flinkslo_job_last_checkpoint_size_bytes", "Full state size of the last completed checkpoint.",
			"full state size of the last completed checkpoint", nil, dog("job.last_checkpoint_size_bytes", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.CheckpointingEnabled && j.CheckpointCost.Known {
					o.Add(j.CheckpointCost.Size)
				}
			}),
		jf(Gauge, "flinkslo_job_last_checkpoint_incremental_size_bytes", "What the last completed checkpoint persisted: the increment with incremental checkpoints, else the full size.",
			"what it persisted (the increment with incremental checkpoints)", nil, dog("job.last_checkpoint_incremental_size_bytes", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.CheckpointingEnabled && j.CheckpointCost.Known {
					o.Add(j.CheckpointCost.IncrementalSize)
				}
			}),
		jf(Gauge, "flinkslo_job_checkpoint_timeout_seconds", "The job's checkpoint timeout (execution.checkpointing.timeout).",
			"the checkpoint timeout (`execution.checkpointing.timeout`)", nil, none,
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if j.CheckpointingEnabled && j.CheckpointCost.Timeout > 0 {
					o.Add(j.CheckpointCost.Timeout.Seconds())
				}
			}),
		jf(Gauge, "flinkslo_job_checkpoint_timeout_ratio", "Duration of the last completed checkpoint over the checkpoint timeout (0-1; near 1: about to time out).",
			"last checkpoint's duration ÷ the timeout (headroom)", nil, dog("job.checkpoint_timeout_ratio", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if c := j.CheckpointCost; j.CheckpointingEnabled && c.Known && c.Timeout > 0 {
					o.Add(c.TimeoutRatio)
				}
			}),
		jf(Gauge, "flinkslo_job_detail_read_timestamp_seconds", "When the job was last read in detail (every detailInterval, RUNNING jobs only); the detail families below are from that read.",
			"when the job was last read in detail (`detailInterval`)", nil, none,
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if !j.Detail.At.IsZero() {
					o.Add(seconds(j.Detail.At))
				}
			}),
		jf(Counter, "flinkslo_job_source_records_total", "Records the job's sources emitted; monotonic across task restarts. From the last detail read.",
			"records the sources emitted (true counter; detail read)", nil, dog("job.source_records", DogCount),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if !j.Detail.At.IsZero() && j.Detail.HasSourceRecords {
					o.Add(j.Detail.SourceRecords)
				}
			}),
		jf(Counter, "flinkslo_job_sink_records_total", "Records the job's sinks received; monotonic across task restarts. From the last detail read.",
			"records the sinks received (true counter; detail read)", nil, dog("job.sink_records", DogCount),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if !j.Detail.At.IsZero() && j.Detail.HasSinkRecords {
					o.Add(j.Detail.SinkRecords)
				}
			}),
		jf(Gauge, "flinkslo_job_sources_last_progress_timestamp_seconds", "When the job's sources were last seen emitting records (or the job last started running, if later). From the detail reads.",
			"when the sources last emitted records (detail read)", nil, none,
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if d := j.Detail; !d.At.IsZero() && d.HasSourceRecords && !d.SourcesGrewAt.IsZero() {
					o.Add(seconds(d.SourcesGrewAt))
				}
			}),
		jf(Gauge, "flinkslo_job_watermark_lag_seconds", "Wall clock minus the lowest input watermark of the job's sinks, at the last detail read; absent while a sink has no watermark.",
			"wall clock − the sinks' lowest input watermark (detail read)", nil, dog("job.watermark_lag_seconds", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if d := j.Detail; !d.At.IsZero() && d.HasWatermarkLag {
					o.Add(d.WatermarkLag.Seconds())
				}
			}),
		jf(Gauge, "flinkslo_job_busy_ratio", "Busy share of time (0-1) of the job's busiest vertex (its busiest subtask), at the last detail read.",
			"busy share of time of the busiest vertex (detail read)", nil, dog("job.busy_ratio", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if d := j.Detail; !d.At.IsZero() && d.HasBackpressure {
					o.Add(d.BusyRatio)
				}
			}),
		jf(Gauge, "flinkslo_job_backpressured_ratio", "Back-pressured share of time (0-1) of the job's most back-pressured vertex (its worst subtask), at the last detail read.",
			"back-pressured share of time of the most back-pressured vertex (detail read)", nil, dog("job.backpressured_ratio", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if d := j.Detail; !d.At.IsZero() && d.HasBackpressure {
					o.Add(d.BackpressuredRatio)
				}
			}),
		jf(Gauge, "flinkslo_job_bottleneck_busy_ratio", "Busy share of time of the vertex that limits the job (the busiest whose downstream is not back-pressured, busy over half of the time), named by vertex; at most one series per job.",
			"busy share of the bottleneck vertex, named in `vertex`; one series per job, only while there is one (detail read)", []string{"vertex"}, dog("job.bottleneck_busy_ratio", DogGauge),
			func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
				if d := j.Detail; !d.At.IsZero() && d.HasBackpressure && d.Bottleneck != "" {
					o.Add(d.BottleneckBusyRatio, d.Bottleneck)
				}
			}),
	}
	byName := slices.Clone(fams)
	slices.SortFunc(byName, func(a, b *Family) int { return strings.Compare(a.Name, b.Name) })
	for i, f := range byName {
		f.Index = i
	}
	return fams
}

// withID is a job family whose series exist once the job has an id on the
// JobManager: before that there is nothing to count.
func withID(fn func(o *Out, j *fleet.JobStatus)) jobFunc {
	return func(o *Out, _ *fleet.TargetStatus, j *fleet.JobStatus) {
		if j.ID != "" {
			fn(o, j)
		}
	}
}

// codeList renders a closed set for the README: `a`, `b`, `c`.
func codeList[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = "`" + string(v) + "`"
	}
	return strings.Join(s, ", ")
}

// explained is the value of the explained tag of a reason's DogStatsD
// series: true while another reason of the job explains it
// (fleet.ExplainedBy), so that a Datadog monitor on the reason yields as
// the Prometheus alert does: a stuck job pages once, as stuck, without also
// notifying its team that it lags.
func explained(_ *fleet.TargetStatus, j *fleet.JobStatus, lv []string) string {
	return strconv.FormatBool(fleet.Explained(fleet.Reason(lv[len(lv)-1]), j.Reasons))
}
