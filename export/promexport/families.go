package promexport

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"
)

// family is one metric family flinkslo derives from the snapshot.
type family struct {
	name, help string
	typ        prometheus.ValueType
	labels     []string
	desc       *prometheus.Desc
	idx        int   // position in families.all, sorted by name
	order      []int // label indexes sorted by label name, as registries write them
}

const cached = " Cached from the background scrape loop."

var (
	targetLabels = []string{"deployment", "namespace"}
	jobLabels    = []string{"deployment", "namespace", "team", "job_name"}
)

// families lists every metric family of the exporter. The README's metrics
// reference documents each; TestMetricsDocumented keeps them in step.
type families struct {
	all []*family

	targetUp, targetInfo, scrapeDuration, scrapeErrors, lastScrape, taskManagers, slotsTotal, slotsAvailable *family
	suspended, lifecycle, jmStatus, deployFailures                                                           *family

	healthy, reason, state, info, progressing, lastCheckpoint, checkpointAge, checkpointWindow, checkpointInterval *family
	completed, failed, restarts, recentRestarts, uptime, tasksTotal, tasksRunning, failures, lastFailure           *family
	lagRecords, lagSeconds                                                                                         *family
}

func newFamilies() families {
	var fs families
	mk := func(typ prometheus.ValueType, name, help string, labels ...string) *family {
		f := &family{name: name, help: help + cached, typ: typ, labels: labels, order: make([]int, len(labels))}
		for i := range f.order {
			f.order[i] = i
		}
		sort.Slice(f.order, func(i, j int) bool { return labels[f.order[i]] < labels[f.order[j]] })
		f.desc = prometheus.NewDesc(name, f.help, labels, nil)
		fs.all = append(fs.all, f)
		return f
	}
	g := func(name, help string, labels ...string) *family {
		return mk(prometheus.GaugeValue, name, help, labels...)
	}
	c := func(name, help string, labels ...string) *family {
		return mk(prometheus.CounterValue, name, help, labels...)
	}
	jl := func(extra ...string) []string { return append(append([]string{}, jobLabels...), extra...) }

	fs.targetUp = g("flinkslo_target_up", "1 if the JobManager answered the last scrape, else 0.", targetLabels...)
	fs.targetInfo = g("flinkslo_target_info", "Deployment metadata: owning team, source of the target, Flink version.", "deployment", "namespace", "team", "source", "flink_version")
	fs.scrapeDuration = g("flinkslo_target_scrape_duration_seconds", "Time the last scrape of the target took.", targetLabels...)
	fs.scrapeErrors = c("flinkslo_target_scrape_errors_total", "Failed requests to the target's JobManager, by kind.", "deployment", "namespace", "kind")
	fs.lastScrape = g("flinkslo_target_last_scrape_timestamp_seconds", "When the target was last scraped.", targetLabels...)
	fs.taskManagers = g("flinkslo_target_taskmanagers", "TaskManagers registered with the JobManager.", targetLabels...)
	fs.slotsTotal = g("flinkslo_target_slots_total", "Task slots of the cluster.", targetLabels...)
	fs.slotsAvailable = g("flinkslo_target_slots_available", "Free task slots of the cluster.", targetLabels...)
	fs.suspended = g("flinkslo_deployment_suspended", "1 if the deployment is not expected to run (spec state suspended).", "deployment", "namespace", "team")
	fs.lifecycle = g("flinkslo_deployment_lifecycle_state", "The Flink Kubernetes Operator's lifecycle state of the deployment (state-set).", "deployment", "namespace", "state")
	fs.jmStatus = g("flinkslo_deployment_jobmanager_status", "The operator's JobManager deployment status (state-set).", "deployment", "namespace", "status")
	fs.deployFailures = c("flinkslo_deployment_failures_total", "Classified failures of the deployment itself (pods, operator), by route and category.", "deployment", "namespace", "team", "route", "category")

	fs.healthy = g("flinkslo_job_healthy", "1 if the job is expected to run and is healthy, else 0. No series for suspended deployments.", jobLabels...)
	fs.reason = g("flinkslo_job_unhealthy_reason", "1 for each reason the job is unhealthy.", jl("reason")...)
	fs.state = g("flinkslo_job_state", "The job's Flink state (state-set: 1 for the current state).", jl("state")...)
	fs.info = g("flinkslo_job_info", "Job metadata: current job id and Flink version.", jl("job_id", "flink_version")...)
	fs.progressing = g("flinkslo_job_checkpoints_progressing", "1 if the last completed checkpoint is within the checkpoint window. Only for jobs with checkpointing.", jobLabels...)
	fs.lastCheckpoint = g("flinkslo_job_last_checkpoint_timestamp_seconds", "When the last checkpoint completed.", jobLabels...)
	fs.checkpointAge = g("flinkslo_job_checkpoint_age_seconds", "Time since the last checkpoint completed, at the end of the last scrape cycle.", jobLabels...)
	fs.checkpointWindow = g("flinkslo_job_checkpoint_window_seconds", "The window within which a checkpoint must complete.", jobLabels...)
	fs.checkpointInterval = g("flinkslo_job_checkpoint_interval_seconds", "The job's configured checkpoint interval.", jobLabels...)
	fs.completed = c("flinkslo_job_checkpoints_completed_total", "Completed checkpoints; monotonic across JobManager failover and resubmission.", jobLabels...)
	fs.failed = c("flinkslo_job_checkpoints_failed_total", "Failed checkpoints; monotonic across JobManager failover and resubmission.", jobLabels...)
	fs.restarts = c("flinkslo_job_restarts_total", "Job restarts; monotonic across JobManager failover and resubmission.", jobLabels...)
	fs.recentRestarts = g("flinkslo_job_recent_restarts", "Restarts within health.restartWindow.", jobLabels...)
	fs.uptime = g("flinkslo_job_uptime_seconds", "Time since the job last entered RUNNING; 0 when not running.", jobLabels...)
	fs.tasksTotal = g("flinkslo_job_tasks", "Tasks of the job.", jobLabels...)
	fs.tasksRunning = g("flinkslo_job_tasks_running", "Tasks of the job in state RUNNING.", jobLabels...)
	fs.failures = c("flinkslo_job_failures_total", "Classified failures of the job, by route and category.", jl("route", "category")...)
	fs.lastFailure = g("flinkslo_job_last_failure_timestamp_seconds", "When the job's last classified failure happened, with its route and category.", jl("route", "category")...)
	fs.lagRecords = g("flinkslo_job_kafka_lag_records", "Kafka consumer lag of the job's consumer groups, in records (sum).", jobLabels...)
	fs.lagSeconds = g("flinkslo_job_kafka_lag_seconds", "Kafka consumer lag of the job's consumer groups, in seconds (max).", jobLabels...)

	sort.Slice(fs.all, func(i, j int) bool { return fs.all[i].name < fs.all[j].name })
	for i, f := range fs.all {
		f.idx = i
	}
	return fs
}

// Names lists the metric names the exporter can expose, sorted.
func (e *Exporter) Names() []string {
	out := make([]string, len(e.f.all))
	for i, f := range e.f.all {
		out[i] = f.name
	}
	return out
}
