package health

import (
	"strconv"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Config holds the signal definitions' parameters.
type Config struct {
	StartupGrace      time.Duration
	RestartWindow     time.Duration
	RestartThreshold  int
	CheckpointWindow  time.Duration // global override; 0 = derive
	CpMultiplier      float64
	CpFloor           time.Duration
	LagUnhealthyAfter time.Duration
	// StuckAfter, WatermarkLagAfter (0: off) and BackpressureAfter are
	// the detail signals' windows; a target may override the first two.
	StuckAfter        time.Duration
	WatermarkLagAfter time.Duration
	BackpressureAfter time.Duration
	// HeadroomRatio and HeadroomCount: HeadroomCount completed checkpoints
	// in a row over HeadroomRatio of the timeout leave no headroom.
	HeadroomRatio float64
	HeadroomCount int
}

// FromConfig reads the health section (defaults applied).
func FromConfig(h config.Health) Config {
	return Config{
		StartupGrace:      h.StartupGrace.D(),
		RestartWindow:     h.RestartWindow.D(),
		RestartThreshold:  h.RestartThreshold,
		CheckpointWindow:  h.CheckpointWindow.D(),
		CpMultiplier:      h.CheckpointWindowMultiplier,
		CpFloor:           h.CheckpointWindowFloor.D(),
		LagUnhealthyAfter: h.KafkaLagUnhealthyAfter.D(),
		StuckAfter:        h.StuckAfter.D(),
		WatermarkLagAfter: h.WatermarkLagUnhealthyAfter.D(),
		BackpressureAfter: h.BackpressureAfter.D(),
		HeadroomRatio:     h.CheckpointHeadroomRatio,
		HeadroomCount:     h.CheckpointHeadroomCheckpoints,
	}
}

// Observation is what one cycle read of a job. Details and the checkpoint
// responses may be carried over from an earlier cycle (the collector reads
// them only when they can have changed); so is Detail, read every
// detailInterval.
type Observation struct {
	Overview    flink.JobOverview
	Details     *flink.JobDetails
	Metrics     map[string]float64
	CpConfig    *flink.CheckpointConfig
	CpDisabled  bool
	Checkpoints *flink.Checkpoints
	// Detail is the job's last detail read; nil when there is none that
	// is current (the job is not RUNNING, detail reads are off, or the
	// last ones failed).
	Detail *Detail
}

// Evaluate turns one job's observation into its signals, updating m. lag
// is the latest lag of the target's consumer groups, as the cycle's view
// has them (nil without Kafka). Failures are the collector's: it counts and
// classifies them, and sets them on the status.
func Evaluate(c Config, t fleet.Target, m *Memory, o Observation, lag []fleet.GroupLag, now time.Time) fleet.JobStatus {
	jo := o.Overview
	j := fleet.JobStatus{Name: jo.Name, ID: jo.ID, State: jo.State, Expected: !t.Suspended, StartTime: jo.StartTime.Time()}
	j.TasksTotal, j.TasksRunning = jo.Tasks["total"], jo.Tasks["running"]
	counters(c, &j, m, o, now)
	j.Uptime = uptime(o, now)
	checkpointProgress(c, t, &j, m, o, now)
	j.CheckpointCost = checkpointCost(o)
	applyLag(&j, lag)
	j.Detail = detailSignals(&j, m, o)
	j.Reasons = reasons(c, t, j, o, lag, now)
	j.Healthy = len(j.Reasons) == 0
	return j
}

// counters updates the true counters from Flink's resetting values. A new
// incarnation is a new job id or a new start time (a new JobMaster).
func counters(c Config, j *fleet.JobStatus, m *Memory, o Observation, now time.Time) {
	inc := incarnation(o)
	mc := &m.Counters
	if r, ok := RawRestarts(o.Metrics); ok {
		j.Restarts = mc.Restarts.Observe(r, inc)
	} else {
		j.Restarts = mc.Restarts.Value()
	}
	completed, failed, ok := checkpointCounts(o)
	if ok {
		seen, before := mc.CpCompleted.Set, mc.CpCompleted.Value()
		j.CheckpointsCompleted = mc.CpCompleted.Observe(completed, inc)
		j.CheckpointsFailed = mc.CpFailed.Observe(failed, inc)
		// An increase seen between two scrapes is progress even when Flink
		// does not say when the checkpoint completed; first sight is not.
		if seen && j.CheckpointsCompleted > before {
			m.cpIncreasedAt = now
		}
	} else {
		j.CheckpointsCompleted, j.CheckpointsFailed = mc.CpCompleted.Value(), mc.CpFailed.Value()
	}
	m.addSample(now, j.Restarts, c.RestartWindow)
	j.RestartsInWindow = m.restartsInWindow()
}

// incarnation identifies the job's current run for the true counters.
func incarnation(o Observation) string {
	return o.Overview.ID + "@" + strconv.FormatInt(int64(o.Overview.StartTime), 10)
}

// RawRestarts reads numRestarts, falling back to fullRestarts for Flink
// 1.15/1.16, whose REST API may show only the latter (FLINK-30558).
func RawRestarts(metrics map[string]float64) (float64, bool) {
	if v, ok := metrics["numRestarts"]; ok && v >= 0 {
		return v, true
	}
	v, ok := metrics["fullRestarts"]
	return v, ok && v >= 0
}

// checkpointCounts prefers the job metrics, read every cycle, and falls
// back to the checkpoint statistics when the metrics lack the counts (the
// statistics are read only when a count moved, so they may be older). One
// source as long as both answer: a count that went back, from switching to
// a source that lags the other, would count as a reset.
func checkpointCounts(o Observation) (completed, failed float64, ok bool) {
	c, ok1 := o.Metrics["numberOfCompletedCheckpoints"]
	f, ok2 := o.Metrics["numberOfFailedCheckpoints"]
	if ok1 && ok2 && !o.CpDisabled {
		return c, f, true
	}
	if cp := o.Checkpoints; cp != nil {
		return float64(cp.Counts.Completed), float64(cp.Counts.Failed), true
	}
	return 0, 0, false
}

// uptime is how long the job has been RUNNING this time; zero otherwise.
func uptime(o Observation, now time.Time) time.Duration {
	if o.Overview.State != fleet.StateRunning {
		return 0
	}
	if v, ok := o.Metrics["uptime"]; ok && v > 0 {
		return time.Duration(v) * time.Millisecond
	}
	if since := runningSince(o); !since.IsZero() && now.After(since) {
		return now.Sub(since)
	}
	return 0
}

// runningSince is when the job last entered RUNNING.
func runningSince(o Observation) time.Time {
	if d := o.Details; d != nil && d.ID == o.Overview.ID {
		if ts := d.Timestamps[fleet.StateRunning]; ts > 0 {
			return ts.Time()
		}
	}
	return o.Overview.StartTime.Time()
}

// checkpointProgress decides whether checkpoints are progressing: the last
// completed checkpoint is within the window. A job that has not completed
// one since it was submitted (or its JobMaster started) gets one window
// from that moment; a restart does not renew it, or a job in a restart
// loop would never count as stalled. The window is the target's or the
// global override, else multiplier × the longer of the checkpoint interval
// and the last checkpoint's duration, never below the floor. A checkpoint
// far older than the window counts as stalled at once.
func checkpointProgress(c Config, t fleet.Target, j *fleet.JobStatus, m *Memory, o Observation, now time.Time) {
	if o.CpDisabled || o.CpConfig == nil {
		return
	}
	j.CheckpointingEnabled = true
	j.CheckpointInterval = o.CpConfig.Interval()
	if last := lastCompleted(o); last.After(m.lastCheckpoint) {
		m.lastCheckpoint = last
	}
	j.LastCheckpoint = m.lastCheckpoint
	j.CheckpointWindow = checkpointWindow(c, t, o)
	ref := m.lastCheckpoint
	if m.cpIncreasedAt.After(ref) {
		ref = m.cpIncreasedAt
	}
	if started := o.Overview.StartTime.Time(); started.After(ref) {
		ref = started
	}
	j.CheckpointsProgressing = !ref.IsZero() && now.Sub(ref) <= j.CheckpointWindow
}

func checkpointWindow(c Config, t fleet.Target, o Observation) time.Duration {
	if t.CheckpointWindow > 0 {
		return t.CheckpointWindow
	}
	if c.CheckpointWindow > 0 {
		return c.CheckpointWindow
	}
	base := o.CpConfig.Interval()
	if d := lastDuration(o); d > base {
		base = d
	}
	return max(time.Duration(float64(base)*c.CpMultiplier), c.CpFloor)
}

// lastDuration is the last completed checkpoint's duration: the job
// metric, current every cycle, else the statistics' latest completed one.
func lastDuration(o Observation) time.Duration {
	if v, ok := o.Metrics["lastCheckpointDuration"]; ok && v >= 0 {
		return time.Duration(v) * time.Millisecond
	}
	if cp := o.Checkpoints; cp != nil && cp.Latest.Completed != nil {
		return time.Duration(cp.Latest.Completed.EndToEndDuration) * time.Millisecond
	}
	return 0
}

// lastCompleted is the newest completion time Flink reports: the latest
// completed checkpoint's last acknowledgement, or the 2.0+ job metric.
func lastCompleted(o Observation) time.Time {
	var t time.Time
	if cp := o.Checkpoints; cp != nil && cp.Latest.Completed != nil {
		t = cp.Latest.Completed.LatestAckTimestamp.Time()
	}
	if v, ok := o.Metrics["lastCheckpointCompletedTimestamp"]; ok && v > 0 {
		if m := time.UnixMilli(int64(v)); m.After(t) {
			t = m
		}
	}
	return t
}

// reasons lists why a job is unhealthy, in the order of fleet.Reasons.
func reasons(c Config, t fleet.Target, j fleet.JobStatus, o Observation, lag []fleet.GroupLag, now time.Time) []fleet.Reason {
	if !j.Expected {
		return nil
	}
	var rs []fleet.Reason
	if DeploymentError(t) {
		rs = append(rs, fleet.ReasonDeploymentError)
	}
	switch {
	case j.State == fleet.StateRunning:
		if !tasksRunning(o.Overview) && now.Sub(o.Overview.LastModification.Time()) > c.StartupGrace {
			rs = append(rs, fleet.ReasonTasksNotRunning)
		}
		if j.CheckpointingEnabled && !j.CheckpointsProgressing {
			rs = append(rs, fleet.ReasonCheckpointsStalled)
		}
	case starting(j.State) && now.Sub(stateSince(o)) <= c.StartupGrace:
		// A job that is being (re)submitted gets the start-up grace.
	default:
		rs = append(rs, fleet.ReasonNotRunning)
	}
	if j.RestartsInWindow >= c.RestartThreshold {
		rs = append(rs, fleet.ReasonTooManyRestarts)
	}
	rs = append(rs, lagReasons(c, lag, now)...)
	if j.State == fleet.StateRunning {
		rs = append(rs, detailReasons(c, t, j, o, now)...)
	}
	return rs
}

// DeploymentError reports whether the operator says the JobManager
// deployment is broken.
func DeploymentError(t fleet.Target) bool {
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
func stateSince(o Observation) time.Time {
	if d := o.Details; d != nil && d.ID == o.Overview.ID {
		if ts := d.Timestamps[o.Overview.State]; ts > 0 {
			return ts.Time()
		}
	}
	return o.Overview.StartTime.Time()
}
