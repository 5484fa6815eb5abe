package flinkfake

import (
	"strconv"
	"strings"
	"time"
)

// renderMetrics writes GET /jobs/:jobid/metrics. With get, the asked-for
// metrics that exist, values as strings, in the order asked; without it,
// the ids of every metric the job has.
func (jm *JobManager) renderMetrics(w *jw, j *job, now time.Time, get string) {
	vals := jm.jobMetrics(j, now)
	w.openArr()
	if get == "" {
		for _, m := range vals {
			w.open().kStr("id", m.id)
			w.close()
		}
		w.closeArr()
		return
	}
	for name := range strings.SplitSeq(get, ",") {
		for _, m := range vals {
			if m.id == name {
				w.open()
				w.kStr("id", m.id)
				w.kStr("value", m.value)
				w.close()
				break
			}
		}
	}
	w.closeArr()
}

type metric struct{ id, value string }

// jobMetrics lists the JobManager-side job metrics that exist for j on
// this version: fullRestarts until 1.20 (alone on 1.15/1.16 with
// OnlyFullRestarts, FLINK-30558), lastCheckpointCompletedTimestamp from
// 2.0, and no checkpoint metrics without checkpointing.
func (jm *JobManager) jobMetrics(j *job, now time.Time) []metric {
	v := jm.opts.Version
	st := j.status(now, jm.timing)
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	var out []metric
	add := func(id, val string) { out = append(out, metric{id, val}) }
	if !(jm.opts.OnlyFullRestarts && !v.fixedFullRestarts()) {
		add("numRestarts", i(st.restarts))
	}
	if v.hasFullRestarts() {
		add("fullRestarts", i(st.restarts))
	}
	if v.isV2() {
		add("numRescales", "0")
	}
	uptime, downtime := int64(0), int64(0)
	switch {
	case !st.end.IsZero():
		uptime, downtime = -1, -1
	case st.state == stRunning:
		uptime = now.Sub(st.stamps[stRunning]).Milliseconds()
	case st.state == stRestarting:
		downtime = now.Sub(st.stamps[stRestarting]).Milliseconds()
	}
	add("uptime", i(uptime))
	add("downtime", i(downtime))
	if j.scenario == CheckpointingDisabled {
		return out
	}
	cv := j.checkpoints(now, jm.timing)
	dur, size, path, id, done := int64(-1), int64(-1), "n/a", int64(-1), int64(-1)
	if c := cv.completed; c != nil {
		dur, size, path, id, done = c.dur.Milliseconds(), c.checkpointSize, c.path, c.id, ms(c.ack)
	}
	restoreAt := int64(-1)
	if cv.restored != nil {
		restoreAt = ms(cv.restored.at)
	}
	add("lastCheckpointDuration", i(dur))
	add("lastCheckpointSize", i(size))
	add("lastCheckpointRestoreTimestamp", i(restoreAt))
	add("lastCheckpointExternalPath", path)
	if v.hasLastCompletedID() {
		add("lastCompletedCheckpointId", i(id))
	}
	if v.isV2() {
		add("lastCheckpointCompletedTimestamp", i(done))
	}
	add("numberOfInProgressCheckpoints", i(cv.inProgress))
	add("numberOfCompletedCheckpoints", i(cv.counts.completed))
	add("numberOfFailedCheckpoints", i(cv.counts.failed))
	add("totalNumberOfCheckpoints", i(cv.counts.total))
	return out
}
