package flinkfake

import (
	"fmt"
	"time"
)

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
	msgAsync   = "Asynchronous task checkpoint failed."
)

// checkpoints computes the statistics at now. Only the newest
// checkpointHistorySize checkpoints of the segment are materialised, so a
// long segment costs the same as a short one.
func (j *job) checkpoints(now time.Time, tm timing) checkpointView {
	cv := checkpointView{counts: j.base, lastID: j.lastID, completed: j.lastDone, failed: j.lastFail, restored: j.restored}
	cv.counts.restarts = 0
	st := j.status(now, tm)
	if st.restores > 0 && j.lastDone != nil {
		cv.counts.restored += st.restores
		cv.restored = &restore{id: j.lastDone.id, at: st.lastRestore, path: j.lastDone.path}
	}
	e := max(now.Sub(j.segStart), 0)
	var n int64
	switch {
	case j.ended:
	case j.scenario == CheckpointsStalled:
		n = min(int64(e/tm.interval), 1)
	case j.scenario == Healthy || j.scenario.transport() || j.scenario == CheckpointsFailing:
		n = int64(e / tm.interval)
	}
	var fresh []checkpoint
	for k := n; k >= max(1, n-checkpointHistorySize+1); k-- {
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
	done := n - cv.inProgress
	if j.scenario == CheckpointsFailing {
		cv.counts.failed += done
	} else {
		cv.counts.completed += done
	}
	cv.history = append(fresh, j.pastCP...)
	if len(cv.history) > checkpointHistorySize {
		cv.history = cv.history[:checkpointHistorySize]
	}
	return cv
}

// segmentCheckpoint is the k-th checkpoint triggered in the current
// segment, as it stands at now.
func (j *job) segmentCheckpoint(k int64, now time.Time, tm timing) checkpoint {
	id := j.lastID + k
	h := hash64(j.id, fmt.Sprint(id))
	trig := j.segStart.Add(time.Duration(k) * tm.interval)
	c := checkpoint{
		id: id, trigger: trig, subtasks: j.subtasks(),
		dur:            min(600*time.Millisecond+time.Duration(h%1400)*time.Millisecond, tm.interval/2),
		stateSize:      48<<20 + int64(id)*4096,
		checkpointSize: 1<<20 + int64(h%(3<<20)),
	}
	switch {
	case j.scenario == CheckpointsStalled:
		c.status, c.acked = "IN_PROGRESS", c.subtasks-1
		c.ack, c.dur = trig.Add(400*time.Millisecond), now.Sub(trig)
	case j.scenario == CheckpointsFailing && now.Sub(trig) >= tm.interval/2:
		c.status, c.acked = "FAILED", c.subtasks/2
		c.dur = tm.interval / 2
		c.ack, c.failedAt = trig.Add(c.dur/3), trig.Add(c.dur)
		c.message = msgExpired
		if j.failure == CheckpointStorage {
			c.message = msgAsync
		}
		c.checkpointSize, c.stateSize = 0, 0
	case j.scenario == CheckpointsFailing || now.Sub(trig) < c.dur:
		c.status = "IN_PROGRESS"
		el := now.Sub(trig)
		c.acked = int(int64(c.subtasks) * int64(el) / int64(max(c.dur, time.Millisecond)))
		c.acked = min(c.acked, c.subtasks-1)
		c.ack, c.dur = trig.Add(el/2), el
	default:
		c.status, c.acked = "COMPLETED", c.subtasks
		c.ack = trig.Add(c.dur)
		c.path = fmt.Sprintf("s3://plat-state-eu1/checkpoints/%s/chk-%d", j.id, id)
	}
	return c
}

// abortInFlight fails the in-progress checkpoints at t, as the checkpoint
// coordinator does when the job changes under it.
func (cv *checkpointView) abortInFlight(t time.Time) {
	for i := range cv.history {
		c := &cv.history[i]
		if c.status != "IN_PROGRESS" {
			continue
		}
		c.status, c.failedAt, c.message = "FAILED", t, msgExpired
		c.dur = t.Sub(c.trigger)
		cv.inProgress--
		cv.counts.failed++
		if cv.failed == nil || c.id > cv.failed.id {
			cv.failed = c
		}
	}
}
