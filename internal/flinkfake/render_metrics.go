package flinkfake

import (
	"strconv"
	"strings"
)

// renderMetrics writes GET /jobs/:jobid/metrics. With get, the asked-for
// metrics that exist, values as strings, in the order asked; without it,
// the ids of every metric the job has.
func (jm *JobManager) renderMetrics(w *jw, j *job, now int64, get string) {
	var buf [16]metric
	ms := jm.jobMetrics(j, now, buf[:0])
	w.openArr()
	if get == "" {
		for _, m := range ms {
			w.open().kStr("id", m.id)
			w.close()
		}
		w.closeArr()
		return
	}
	for name := range strings.SplitSeq(get, ",") {
		for i := range ms {
			if ms[i].id == name {
				w.open()
				w.kStr("id", name)
				w.key("value").strBytes(ms[i].appendValue(w.scratch[:0]))
				w.close()
				break
			}
		}
	}
	w.closeArr()
}

// metric is one job metric; the REST API sends every value as a string.
type metric struct {
	id    string
	n     int64
	path  bool   // the value is the external path of checkpoint n of job
	jobID string // "" with path: "n/a"
}

func (m *metric) appendValue(b []byte) []byte {
	switch {
	case !m.path:
		return strconv.AppendInt(b, m.n, 10)
	case m.jobID == "":
		return append(b, "n/a"...)
	}
	return appendPath(b, m.jobID, m.n)
}

// jobMetrics appends the JobManager-side job metrics that exist for j on
// this version: fullRestarts until 1.20 (alone on 1.15/1.16 with
// OnlyFullRestarts, FLINK-30558), lastCheckpointCompletedTimestamp from
// 2.0, and no checkpoint metrics without checkpointing.
func (jm *JobManager) jobMetrics(j *job, now int64, out []metric) []metric {
	v := jm.opts.Version
	st := j.status(now, jm.timing)
	add := func(id string, n int64) { out = append(out, metric{id: id, n: n}) }
	if !jm.opts.OnlyFullRestarts || v.fixedFullRestarts() {
		add("numRestarts", st.restarts)
	}
	if v.hasFullRestarts() {
		add("fullRestarts", st.restarts)
	}
	if v.isV2() {
		add("numRescales", 0)
	}
	uptime, downtime := int64(0), int64(0)
	switch {
	case st.end != 0:
		uptime, downtime = -1, -1
	case st.state == stRunning:
		uptime = now - st.stamps[stRunning]
	case st.state == stRestarting:
		downtime = now - st.stamps[stRestarting]
	}
	add("uptime", uptime)
	add("downtime", downtime)
	if j.scenario == CheckpointingDisabled {
		return out
	}
	cv := j.checkpoints(now, jm.timing, st, 2)
	last := metric{id: "lastCheckpointExternalPath", path: true}
	dur, size, id, done := int64(-1), int64(-1), int64(-1), int64(-1)
	if c := cv.completed; c != nil {
		dur, size, id, done = c.dur, c.checkpointSize, c.id, c.ack
		last.n, last.jobID = c.id, c.jobID
	}
	restoreAt := int64(-1)
	if cv.restored != nil {
		restoreAt = cv.restored.at
	}
	add("lastCheckpointDuration", dur)
	add("lastCheckpointSize", size)
	add("lastCheckpointRestoreTimestamp", restoreAt)
	out = append(out, last)
	if v.hasLastCompletedID() {
		add("lastCompletedCheckpointId", id)
	}
	if v.isV2() {
		add("lastCheckpointCompletedTimestamp", done)
	}
	add("numberOfInProgressCheckpoints", cv.inProgress)
	add("numberOfCompletedCheckpoints", cv.counts.completed)
	add("numberOfFailedCheckpoints", cv.counts.failed)
	add("totalNumberOfCheckpoints", cv.counts.total)
	return out
}
