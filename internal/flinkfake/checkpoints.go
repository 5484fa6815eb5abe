package flinkfake

import "strconv"

// checkpointView is a job's checkpoint statistics at one instant.
type checkpointView struct {
	counts     counters // total, completed, failed, restored
	inProgress int64
	lastID     int64
	history    []checkpoint // newest first
	completed  *checkpoint
	failed     *checkpoint
	restored   *restore
}

// Failure messages of failed checkpoints (CheckpointFailureReason). The
// fake compresses time: a checkpoint "expires" half an interval after its
// trigger rather than after the configured timeout.
const (
	msgExpired = "Checkpoint expired before completing."
	// msgSuspend is CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND:
	// the coordinator aborts what is in flight when the job changes state.
	msgSuspend = "Checkpoint Coordinator is suspending."
	msgAsync   = "Asynchronous task checkpoint failed."
)

// checkpoints computes the statistics at now from the job's status st.
// Only the newest keep checkpoints of the segment are materialised (the
// history needs checkpointHistorySize, the metrics two), so a long
// segment costs the same as a short one.
func (j *job) checkpoints(now int64, tm timing, st jobStatus, keep int64) checkpointView {
	cv := checkpointView{counts: j.base, lastID: j.lastID, completed: j.lastDone, failed: j.lastFail, restored: j.restored}
	cv.counts.restarts = 0
	if st.restores > 0 && j.lastDone != nil {
		cv.counts.restored += st.restores
		cv.restored = &restore{id: j.lastDone.id, at: st.lastRestore, jobID: j.lastDone.jobID}
	}
	e := max(now-j.segStart, 0)
	var n int64
	switch {
	case j.ended:
	case j.scenario == CheckpointsStalled:
		n = min(e/tm.interval, 1)
	case j.scenario == Healthy || j.scenario.transport() || j.scenario == CheckpointsFailing || j.scenario.detail():
		n = e / j.period(tm)
	}
	fresh := make([]checkpoint, 0, min(n, keep)+int64(len(j.pastCP)))
	for k := n; k >= max(1, n-keep+1); k-- {
		fresh = append(fresh, j.segmentCheckpoint(k, now, tm))
	}
	cv.lastID += n
	cv.counts.total += n
	for i := range fresh {
		c := &fresh[i]
		switch c.status {
		case "IN_PROGRESS":
			cv.inProgress++
		case "COMPLETED":
			if cv.completed == nil || c.id > cv.completed.id {
				cv.completed = c
			}
		case "FAILED":
			if cv.failed == nil || c.id > cv.failed.id {
				cv.failed = c
			}
		}
	}
	if j.scenario == CheckpointsFailing {
		cv.counts.failed += n - cv.inProgress
	} else {
		cv.counts.completed += n - cv.inProgress
	}
	cv.history = append(fresh, j.pastCP...)
	cv.history = cv.history[:min(len(cv.history), checkpointHistorySize)]
	return cv
}

// segmentCheckpoint is the k-th checkpoint triggered in the current
// segment, as it stands at now.
func (j *job) segmentCheckpoint(k, now int64, tm timing) checkpoint {
	id := j.lastID + k
	h := mix64(j.seed ^ uint64(id))
	trig := j.segStart + k*j.period(tm)
	c := checkpoint{
		id: id, trigger: trig, subtasks: j.subtasks(), jobID: j.id,
		dur:            min(600+int64(h%1400), tm.interval/2),
		stateSize:      48<<20 + id*4096,
		checkpointSize: 1<<20 + int64(h%(3<<20)),
	}
	if j.scenario == SlowCheckpoints {
		c.dur = slowDuration(tm)
		c.stateSize += k * (8 << 20)
		c.checkpointSize = 4<<20 + k*(2<<20)
	}
	el := now - trig
	switch {
	case j.scenario == CheckpointsStalled:
		c.status, c.acked = "IN_PROGRESS", c.subtasks-1
		c.ack, c.dur = trig+400, el
	case j.scenario == CheckpointsFailing && el >= tm.interval/2:
		c.status, c.acked = "FAILED", c.subtasks/2
		c.dur = tm.interval / 2
		c.ack, c.failedAt = trig+c.dur/3, trig+c.dur
		c.message = msgExpired
		if j.failure == CheckpointStorage {
			c.message = msgAsync
		}
		c.checkpointSize, c.stateSize = 0, 0
	case j.scenario == CheckpointsFailing || el < c.dur:
		c.status = "IN_PROGRESS"
		c.acked = min(int(int64(c.subtasks)*el/max(c.dur, 1)), c.subtasks-1)
		c.ack, c.dur = trig+el/2, el
	default:
		c.status, c.acked = "COMPLETED", c.subtasks
		c.ack = trig + c.dur
	}
	return c
}

// detail reports a detail scenario (Stuck … MetricsPending): checkpoints
// complete as in Healthy.
func (s Scenario) detail() bool { return s >= Stuck && s <= MetricsPending }

// slowDuration is how long a SlowCheckpoints checkpoint takes.
func slowDuration(tm timing) int64 { return tm.timeout * 9 / 10 }

// period is the time between two checkpoint triggers: the interval, or
// with max_concurrent 1 the duration when checkpoints take longer.
func (j *job) period(tm timing) int64 {
	if j.scenario == SlowCheckpoints {
		return max(tm.interval, slowDuration(tm))
	}
	return tm.interval
}

// appendPath appends the external path of checkpoint id of job jobID.
func appendPath(b []byte, jobID string, id int64) []byte {
	b = append(b, "s3://plat-state-eu1/checkpoints/"...)
	b = append(b, jobID...)
	b = append(b, "/chk-"...)
	return strconv.AppendInt(b, id, 10)
}

// abortInFlight fails the in-progress checkpoints at t, as the checkpoint
// coordinator does when the job changes under it.
func (cv *checkpointView) abortInFlight(t int64) {
	for i := range cv.history {
		c := &cv.history[i]
		if c.status != "IN_PROGRESS" {
			continue
		}
		c.status, c.failedAt, c.message = "FAILED", t, msgSuspend
		c.dur = t - c.trigger
		cv.inProgress--
		cv.counts.failed++
		if cv.failed == nil || c.id > cv.failed.id {
			cv.failed = c
		}
	}
}
