package collector

import (
	"strconv"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// healthConfig holds the signal definitions' parameters.
type healthConfig struct {
	startupGrace      time.Duration
	restartWindow     time.Duration
	restartThreshold  int
	cpWindow          time.Duration // global override; 0 = derive
	cpMultiplier      float64
	cpFloor           time.Duration
	lagUnhealthyAfter time.Duration
}

func newHealthConfig(h config.Health) healthConfig {
	return healthConfig{
		startupGrace:      h.StartupGrace.D(),
		restartWindow:     h.RestartWindow.D(),
		restartThreshold:  h.RestartThreshold,
		cpWindow:          h.CheckpointWindow.D(),
		cpMultiplier:      h.CheckpointWindowMultiplier,
		cpFloor:           h.CheckpointWindowFloor.D(),
		lagUnhealthyAfter: h.KafkaLagUnhealthyAfter.D(),
	}
}

// evaluate turns one job's observation into its signals and the failures
// first seen this cycle.
func (l *Loop) evaluate(t fleet.Target, rs *fleet.TargetStatus, js *jobState, o jobObservation, now time.Time) (fleet.JobStatus, []fleet.Failure) {
	jo := o.overview
	j := fleet.JobStatus{Name: jo.Name, ID: jo.ID, State: jo.State, Expected: !t.Suspended, StartTime: jo.StartTime.Time()}
	j.TasksTotal, j.TasksRunning = jo.Tasks["total"], jo.Tasks["running"]
	l.counters(&j, js, o, now)
	j.Uptime = uptime(o, now)
	l.checkpointProgress(t, &j, js, o, now)
	failures := l.jobFailures(t, js, o, now)
	j.Failures = copyCounts(js.failures)
	j.LastFailure = js.lastFailure
	l.applyKafka(t, &j, now)
	j.Reasons = l.reasons(t, j, o, now)
	j.Healthy = len(j.Reasons) == 0
	return j, failures
}

// counters updates the true counters from Flink's resetting values. A new
// incarnation is a new job id or a new start time (a new JobMaster).
func (l *Loop) counters(j *fleet.JobStatus, js *jobState, o jobObservation, now time.Time) {
	inc := o.overview.ID + "@" + strconv.FormatInt(int64(o.overview.StartTime), 10)
	if r, ok := rawRestarts(o.metrics); ok {
		j.Restarts = js.restarts.observe(r, inc)
	} else {
		j.Restarts = js.restarts.value()
	}
	completed, failed, ok := checkpointCounts(o)
	if ok {
		seen, before := js.cpCompleted.Set, js.cpCompleted.value()
		j.CheckpointsCompleted = js.cpCompleted.observe(completed, inc)
		j.CheckpointsFailed = js.cpFailed.observe(failed, inc)
		// An increase seen between two scrapes is progress even when Flink
		// does not say when the checkpoint completed; first sight is not.
		if seen && j.CheckpointsCompleted > before {
			js.cpIncreasedAt = now
		}
	} else {
		j.CheckpointsCompleted, j.CheckpointsFailed = js.cpCompleted.value(), js.cpFailed.value()
	}
	js.addSample(now, j.Restarts, l.health.restartWindow)
	j.RestartsInWindow = js.restartsInWindow()
}

// checkpointCounts prefers the checkpoint statistics and falls back to the
// job metrics when the statistics could not be read this cycle.
func checkpointCounts(o jobObservation) (completed, failed float64, ok bool) {
	if cp := o.checkpoints; cp != nil {
		return float64(cp.Counts.Completed), float64(cp.Counts.Failed), true
	}
	c, ok1 := o.metrics["numberOfCompletedCheckpoints"]
	f, ok2 := o.metrics["numberOfFailedCheckpoints"]
	return c, f, ok1 && ok2 && !o.cpDisabled
}

// uptime is how long the job has been RUNNING this time; zero otherwise.
func uptime(o jobObservation, now time.Time) time.Duration {
	if o.overview.State != fleet.StateRunning {
		return 0
	}
	if v, ok := o.metrics["uptime"]; ok && v > 0 {
		return time.Duration(v) * time.Millisecond
	}
	if since := runningSince(o); !since.IsZero() && now.After(since) {
		return now.Sub(since)
	}
	return 0
}

// runningSince is when the job last entered RUNNING.
func runningSince(o jobObservation) time.Time {
	if d := o.details; d != nil && d.ID == o.overview.ID {
		if ts := d.Timestamps[fleet.StateRunning]; ts > 0 {
			return ts.Time()
		}
	}
	return o.overview.StartTime.Time()
}

// checkpointProgress decides whether checkpoints are progressing: the last
// completed checkpoint is within the window. A job that has not completed
// one since it was submitted (or its JobMaster started) gets one window
// from that moment; a restart does not renew it, or a job in a restart
// loop would never count as stalled. The window is the target's or the
// global override, else multiplier × the longer of the checkpoint interval
// and the last checkpoint's duration, never below the floor. A checkpoint
// far older than the window counts as stalled at once.
func (l *Loop) checkpointProgress(t fleet.Target, j *fleet.JobStatus, js *jobState, o jobObservation, now time.Time) {
	if o.cpDisabled || o.cpConfig == nil {
		return
	}
	j.CheckpointingEnabled = true
	j.CheckpointInterval = o.cpConfig.Interval()
	last := lastCompleted(o)
	if last.After(js.lastCheckpoint) {
		js.lastCheckpoint = last
	}
	j.LastCheckpoint = js.lastCheckpoint
	j.CheckpointWindow = l.checkpointWindow(t, o)
	ref := js.lastCheckpoint
	if js.cpIncreasedAt.After(ref) {
		ref = js.cpIncreasedAt
	}
	if started := o.overview.StartTime.Time(); started.After(ref) {
		ref = started
	}
	j.CheckpointsProgressing = !ref.IsZero() && now.Sub(ref) <= j.CheckpointWindow
}

func (l *Loop) checkpointWindow(t fleet.Target, o jobObservation) time.Duration {
	if t.CheckpointWindow > 0 {
		return t.CheckpointWindow
	}
	if l.health.cpWindow > 0 {
		return l.health.cpWindow
	}
	base := o.cpConfig.Interval()
	if cp := o.checkpoints; cp != nil && cp.Latest.Completed != nil {
		if d := time.Duration(cp.Latest.Completed.EndToEndDuration) * time.Millisecond; d > base {
			base = d
		}
	}
	return max(time.Duration(float64(base)*l.health.cpMultiplier), l.health.cpFloor)
}

// lastCompleted is the newest completion time Flink reports: the latest
// completed checkpoint's last acknowledgement, or the 2.0+ job metric.
func lastCompleted(o jobObservation) time.Time {
	var t time.Time
	if cp := o.checkpoints; cp != nil && cp.Latest.Completed != nil {
		t = cp.Latest.Completed.LatestAckTimestamp.Time()
	}
	if v, ok := o.metrics["lastCheckpointCompletedTimestamp"]; ok && v > 0 {
		if m := time.UnixMilli(int64(v)); m.After(t) {
			t = m
		}
	}
	return t
}

// reasons lists why a job is unhealthy, in the order of Reasons.
func (l *Loop) reasons(t fleet.Target, j fleet.JobStatus, o jobObservation, now time.Time) []fleet.Reason {
	if !j.Expected {
		return nil
	}
	var rs []fleet.Reason
	if deploymentError(t) {
		rs = append(rs, fleet.ReasonDeploymentError)
	}
	switch {
	case j.State == fleet.StateRunning:
		if !tasksRunning(o.overview) && now.Sub(o.overview.LastModification.Time()) > l.health.startupGrace {
			rs = append(rs, fleet.ReasonTasksNotRunning)
		}
		if j.CheckpointingEnabled && !j.CheckpointsProgressing {
			rs = append(rs, fleet.ReasonCheckpointsStalled)
		}
	case starting(j.State) && now.Sub(stateSince(o)) <= l.health.startupGrace:
		// A job that is being (re)submitted gets the start-up grace.
	default:
		rs = append(rs, fleet.ReasonNotRunning)
	}
	if j.RestartsInWindow >= l.health.restartThreshold {
		rs = append(rs, fleet.ReasonTooManyRestarts)
	}
	return append(rs, l.kafkaReasons(t, now)...)
}

// deploymentError: the operator says the JobManager deployment is broken.
func deploymentError(t fleet.Target) bool {
	return t.Operator != nil && t.Operator.JobManagerDeploymentStatus == "ERROR"
}

func tasksRunning(jo flink.JobOverview) bool {
	total := jo.Tasks["total"]
	if total == 0 {
		return true
	}
	running, finished := jo.Tasks["running"], jo.Tasks["finished"]
	return running > 0 && running+finished == total
}

func starting(s fleet.JobState) bool {
	return s == fleet.StateInitializing || s == fleet.StateCreated || s == fleet.StateReconciling
}

// stateSince is when the job entered its current state, as far as known.
func stateSince(o jobObservation) time.Time {
	if d := o.details; d != nil && d.ID == o.overview.ID {
		if ts := d.Timestamps[o.overview.State]; ts > 0 {
			return ts.Time()
		}
	}
	return o.overview.StartTime.Time()
}

func copyCounts(m map[fleet.FailureKey]float64) map[fleet.FailureKey]float64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[fleet.FailureKey]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
