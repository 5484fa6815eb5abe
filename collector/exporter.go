package collector

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/collector/flink"
)

// Exporter is a prometheus.Collector over the latest snapshot. Collect
// never touches a JobManager: it renders what the background loop saw, so
// the series of a vanished target or job vanish with it.
type Exporter struct {
	store  *Store
	now    func() time.Time
	d      descs
	states []string // the Flink job states, for the state-set
}

var _ prometheus.Collector = (*Exporter)(nil)

// NewExporter returns an exporter reading store; now is the clock for
// ages (time.Now when nil).
func NewExporter(store *Store, now func() time.Time) *Exporter {
	if now == nil {
		now = time.Now
	}
	states := make([]string, len(flink.JobStates))
	for i, s := range flink.JobStates {
		states[i] = string(s)
	}
	return &Exporter{store: store, now: now, d: newDescs(), states: states}
}

var (
	targetLabels = []string{"deployment", "namespace"}
	jobLabels    = []string{"deployment", "namespace", "team", "job"}
)

const cached = " Cached from the background scrape loop."

type descs struct {
	targetUp, targetInfo, scrapeDuration, scrapeErrors, lastScrape, taskManagers, slotsTotal, slotsAvailable *prometheus.Desc
	suspended, lifecycle, jmStatus, deployFailures                                                           *prometheus.Desc

	healthy, reason, state, info, progressing, lastCheckpoint, checkpointAge, checkpointWindow, checkpointInterval *prometheus.Desc
	completed, failed, restarts, recentRestarts, uptime, tasksTotal, tasksRunning, failures, lastFailure           *prometheus.Desc
	lagRecords, lagSeconds                                                                                         *prometheus.Desc
}

func newDescs() descs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help+cached, labels, nil)
	}
	jl := func(extra ...string) []string { return append(append([]string{}, jobLabels...), extra...) }
	return descs{
		targetUp:       d("flinkslo_target_up", "1 if the JobManager answered the last scrape, else 0.", targetLabels...),
		targetInfo:     d("flinkslo_target_info", "Deployment metadata: owning team, source of the target, Flink version.", "deployment", "namespace", "team", "source", "flink_version"),
		scrapeDuration: d("flinkslo_target_scrape_duration_seconds", "Time the last scrape of the target took.", targetLabels...),
		scrapeErrors:   d("flinkslo_target_scrape_errors_total", "Failed requests to the target's JobManager, by kind.", "deployment", "namespace", "kind"),
		lastScrape:     d("flinkslo_target_last_scrape_timestamp_seconds", "When the target was last scraped.", targetLabels...),
		taskManagers:   d("flinkslo_target_taskmanagers", "TaskManagers registered with the JobManager.", targetLabels...),
		slotsTotal:     d("flinkslo_target_slots_total", "Task slots of the cluster.", targetLabels...),
		slotsAvailable: d("flinkslo_target_slots_available", "Free task slots of the cluster.", targetLabels...),
		suspended:      d("flinkslo_deployment_suspended", "1 if the deployment is not expected to run (spec state suspended).", "deployment", "namespace", "team"),
		lifecycle:      d("flinkslo_deployment_lifecycle_state", "The Flink Kubernetes Operator's lifecycle state of the deployment (state-set).", "deployment", "namespace", "state"),
		jmStatus:       d("flinkslo_deployment_jobmanager_status", "The operator's JobManager deployment status (state-set).", "deployment", "namespace", "status"),
		deployFailures: d("flinkslo_deployment_failures_total", "Classified failures of the deployment itself (pods, operator), by route and category.", "deployment", "namespace", "team", "route", "category"),

		healthy:            d("flinkslo_job_healthy", "1 if the job is expected to run and is healthy, else 0. No series for suspended deployments.", jobLabels...),
		reason:             d("flinkslo_job_unhealthy_reason", "1 for each reason the job is unhealthy.", jl("reason")...),
		state:              d("flinkslo_job_state", "The job's Flink state (state-set: 1 for the current state).", jl("state")...),
		info:               d("flinkslo_job_info", "Job metadata: current job id and Flink version.", jl("job_id", "flink_version")...),
		progressing:        d("flinkslo_job_checkpoints_progressing", "1 if the last completed checkpoint is within the checkpoint window. Only for jobs with checkpointing.", jobLabels...),
		lastCheckpoint:     d("flinkslo_job_last_checkpoint_timestamp_seconds", "When the last checkpoint completed.", jobLabels...),
		checkpointAge:      d("flinkslo_job_checkpoint_age_seconds", "Time since the last checkpoint completed, at the last scrape.", jobLabels...),
		checkpointWindow:   d("flinkslo_job_checkpoint_window_seconds", "The window within which a checkpoint must complete.", jobLabels...),
		checkpointInterval: d("flinkslo_job_checkpoint_interval_seconds", "The job's configured checkpoint interval.", jobLabels...),
		completed:          d("flinkslo_job_checkpoints_completed_total", "Completed checkpoints; monotonic across JobManager failover and resubmission.", jobLabels...),
		failed:             d("flinkslo_job_checkpoints_failed_total", "Failed checkpoints; monotonic across JobManager failover and resubmission.", jobLabels...),
		restarts:           d("flinkslo_job_restarts_total", "Job restarts; monotonic across JobManager failover and resubmission.", jobLabels...),
		recentRestarts:     d("flinkslo_job_recent_restarts", "Restarts within health.restartWindow.", jobLabels...),
		uptime:             d("flinkslo_job_uptime_seconds", "Time since the job last entered RUNNING; 0 when not running.", jobLabels...),
		tasksTotal:         d("flinkslo_job_tasks", "Tasks of the job.", jobLabels...),
		tasksRunning:       d("flinkslo_job_tasks_running", "Tasks of the job in state RUNNING.", jobLabels...),
		failures:           d("flinkslo_job_failures_total", "Classified failures of the job, by route and category.", jl("route", "category")...),
		lastFailure:        d("flinkslo_job_last_failure_timestamp_seconds", "When the job's last classified failure happened, with its route and category.", jl("route", "category")...),
		lagRecords:         d("flinkslo_job_kafka_lag_records", "Kafka consumer lag of the job's consumer groups, in records (sum).", jobLabels...),
		lagSeconds:         d("flinkslo_job_kafka_lag_seconds", "Kafka consumer lag of the job's consumer groups, in seconds (max).", jobLabels...),
	}
}

// Describe sends every descriptor.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	d := e.d
	for _, x := range []*prometheus.Desc{
		d.targetUp, d.targetInfo, d.scrapeDuration, d.scrapeErrors, d.lastScrape, d.taskManagers, d.slotsTotal, d.slotsAvailable,
		d.suspended, d.lifecycle, d.jmStatus, d.deployFailures,
		d.healthy, d.reason, d.state, d.info, d.progressing, d.lastCheckpoint, d.checkpointAge, d.checkpointWindow, d.checkpointInterval,
		d.completed, d.failed, d.restarts, d.recentRestarts, d.uptime, d.tasksTotal, d.tasksRunning, d.failures, d.lastFailure,
		d.lagRecords, d.lagSeconds,
	} {
		ch <- x
	}
}

// Collect renders the latest snapshot.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	snap := e.store.Load()
	if snap == nil {
		return
	}
	now := e.now()
	for i := range snap.Targets {
		e.collectTarget(ch, &snap.Targets[i], now)
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, lv ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
}

func count(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, lv ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, lv...)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func (e *Exporter) collectTarget(ch chan<- prometheus.Metric, t *TargetStatus, now time.Time) {
	d := e.d
	dep, ns := t.Deployment, t.Namespace
	gauge(ch, d.suspended, b2f(t.Suspended), dep, ns, t.Team)
	if op := t.Operator; op != nil {
		stateSet(ch, d.lifecycle, LifecycleStates, op.LifecycleState, dep, ns)
		if op.Kind != "FlinkSessionJob" {
			stateSet(ch, d.jmStatus, JobManagerStatuses, op.JobManagerDeploymentStatus, dep, ns)
		}
	}
	for k, v := range t.Failures {
		count(ch, d.deployFailures, v, dep, ns, t.Team, string(k.Route), k.Category)
	}
	if t.Suspended {
		return
	}
	gauge(ch, d.targetUp, b2f(t.Up), dep, ns)
	gauge(ch, d.targetInfo, 1, dep, ns, t.Team, t.Source, t.FlinkVersion)
	gauge(ch, d.scrapeDuration, t.ScrapeDuration.Seconds(), dep, ns)
	gauge(ch, d.lastScrape, seconds(t.ScrapedAt), dep, ns)
	for k, v := range t.ErrorCounts {
		count(ch, d.scrapeErrors, v, dep, ns, string(k))
	}
	if t.Up {
		gauge(ch, d.taskManagers, float64(t.TaskManagers), dep, ns)
		gauge(ch, d.slotsTotal, float64(t.SlotsTotal), dep, ns)
		gauge(ch, d.slotsAvailable, float64(t.SlotsAvailable), dep, ns)
	}
	for i := range t.Jobs {
		e.collectJob(ch, t, &t.Jobs[i], now)
	}
}

func (e *Exporter) collectJob(ch chan<- prometheus.Metric, t *TargetStatus, j *JobStatus, now time.Time) {
	d := e.d
	lv := []string{t.Deployment, t.Namespace, t.Team, j.Name}
	with := func(extra ...string) []string { return append(append(make([]string, 0, 6), lv...), extra...) }
	if j.Expected {
		gauge(ch, d.healthy, b2f(j.Healthy), lv...)
		for _, r := range j.Reasons {
			gauge(ch, d.reason, 1, with(string(r))...)
		}
	}
	if j.State != "" {
		stateSet(ch, d.state, e.states, string(j.State), lv...)
	}
	if j.ID != "" {
		gauge(ch, d.info, 1, with(j.ID, t.FlinkVersion)...)
		count(ch, d.completed, j.CheckpointsCompleted, lv...)
		count(ch, d.failed, j.CheckpointsFailed, lv...)
		count(ch, d.restarts, j.Restarts, lv...)
		gauge(ch, d.recentRestarts, float64(j.RestartsInWindow), lv...)
		gauge(ch, d.uptime, j.Uptime.Seconds(), lv...)
		gauge(ch, d.tasksTotal, float64(j.TasksTotal), lv...)
		gauge(ch, d.tasksRunning, float64(j.TasksRunning), lv...)
	}
	if j.CheckpointingEnabled {
		gauge(ch, d.progressing, b2f(j.CheckpointsProgressing), lv...)
		gauge(ch, d.checkpointWindow, j.CheckpointWindow.Seconds(), lv...)
		gauge(ch, d.checkpointInterval, j.CheckpointInterval.Seconds(), lv...)
		if !j.LastCheckpoint.IsZero() {
			gauge(ch, d.lastCheckpoint, seconds(j.LastCheckpoint), lv...)
			gauge(ch, d.checkpointAge, now.Sub(j.LastCheckpoint).Seconds(), lv...)
		}
	}
	for k, v := range j.Failures {
		count(ch, d.failures, v, with(string(k.Route), k.Category)...)
	}
	if f := j.LastFailure; f != nil {
		gauge(ch, d.lastFailure, seconds(f.Time), with(string(f.Result.Route), f.Result.Category)...)
	}
	if j.HasKafkaLag {
		gauge(ch, d.lagRecords, j.KafkaLagRecords, lv...)
		gauge(ch, d.lagSeconds, j.KafkaLagSeconds, lv...)
	}
}

// stateSet emits 1 for the current value and 0 for the others of a closed
// set; an unknown current value (a newer Flink or operator) is added.
func stateSet(ch chan<- prometheus.Metric, d *prometheus.Desc, set []string, cur string, lv ...string) {
	known := false
	for _, s := range set {
		known = known || s == cur
		gauge(ch, d, b2f(s == cur), append(lv[:len(lv):len(lv)], s)...)
	}
	if !known && cur != "" {
		gauge(ch, d, 1, append(lv[:len(lv):len(lv)], cur)...)
	}
}

// LifecycleStates are the operator's resource lifecycle states.
var LifecycleStates = []string{"CREATED", "SUSPENDED", "UPGRADING", "DEPLOYED", "STABLE", "ROLLING_BACK", "ROLLED_BACK", "FAILED", "DELETING", "DELETED"}

// JobManagerStatuses are the operator's JobManager deployment statuses.
var JobManagerStatuses = []string{"READY", "DEPLOYED_NOT_READY", "DEPLOYING", "MISSING", "ERROR"}
