package flinkfake

// renderCheckpoints writes GET /jobs/:jobid/checkpoints
// (CheckpointingStatistics). latest.* are explicit nulls when empty.
func renderCheckpoints(w *jw, v Version, cv checkpointView) {
	w.open()
	w.kOpen("counts")
	w.kInt("restored", cv.counts.restored)
	w.kInt("total", cv.counts.total)
	w.kInt("in_progress", cv.inProgress)
	w.kInt("completed", cv.counts.completed)
	w.kInt("failed", cv.counts.failed)
	w.close()
	writeSummary(w, cv)
	w.kOpen("latest")
	writeLatest(w, v, "completed", cv.completed)
	w.kNull("savepoint")
	writeLatest(w, v, "failed", cv.failed)
	if r := cv.restored; r != nil {
		w.kOpen("restored")
		w.kInt("id", r.id)
		w.kInt("restore_timestamp", r.at)
		w.kBool("is_savepoint", false)
		w.key("external_path").strBytes(appendPath(w.scratch[:0], r.jobID, r.id))
		w.close()
	} else {
		w.kNull("restored")
	}
	w.close()
	w.kOpenArr("history")
	for i := range cv.history {
		writeCheckpoint(w, v, &cv.history[i])
	}
	w.closeArr()
	w.close()
}

func writeLatest(w *jw, v Version, key string, c *checkpoint) {
	if c == nil {
		w.kNull(key)
		return
	}
	w.key(key)
	writeCheckpoint(w, v, c)
}

// writeCheckpoint writes one CheckpointStatistics with its className
// discriminator and the subtype's fields.
func writeCheckpoint(w *jw, v Version, c *checkpoint) {
	w.open()
	switch c.status {
	case "COMPLETED":
		w.kStr("className", "completed")
	case "FAILED":
		w.kStr("className", "failed")
	default:
		w.kStr("className", "in_progress")
	}
	w.kInt("id", c.id)
	w.kStr("status", c.status)
	w.kBool("is_savepoint", false)
	if v.hasSavepointFormat() {
		w.kNull("savepointFormat")
	}
	w.kInt("trigger_timestamp", c.trigger)
	w.kInt("latest_ack_timestamp", c.ack)
	w.kInt("checkpointed_size", c.checkpointSize)
	w.kInt("state_size", c.stateSize)
	w.kInt("end_to_end_duration", c.dur)
	w.kInt("alignment_buffered", 0)
	w.kInt("processed_data", 0)
	w.kInt("persisted_data", 0)
	w.kInt("num_subtasks", int64(c.subtasks))
	w.kInt("num_acknowledged_subtasks", int64(c.acked))
	w.kStr("checkpoint_type", "CHECKPOINT")
	w.kEmptyObj("tasks")
	switch c.status {
	case "COMPLETED":
		w.key("external_path").strBytes(appendPath(w.scratch[:0], c.jobID, c.id))
		w.kBool("discarded", false)
	case "FAILED":
		w.kInt("failure_timestamp", c.failedAt)
		w.kStrOrNull("failure_message", c.message)
	}
	w.close()
}

// writeSummary writes the six StatsSummaryDto objects. With nothing
// completed, Jackson writes the NaN percentiles as the string "NaN".
func writeSummary(w *jw, cv checkpointView) {
	c := cv.completed
	stats := [...]struct {
		key string
		val int64
	}{
		{"checkpointed_size", 0}, {"state_size", 0}, {"end_to_end_duration", 0},
		{"alignment_buffered", 0}, {"processed_data", 0}, {"persisted_data", 0},
	}
	if c != nil {
		stats[0].val, stats[1].val, stats[2].val = c.checkpointSize, c.stateSize, c.dur
	}
	w.kOpen("summary")
	for _, s := range stats {
		w.kOpen(s.key)
		w.kInt("min", s.val*8/10)
		w.kInt("max", s.val*13/10)
		w.kInt("avg", s.val)
		for _, p := range [...]string{"p50", "p90", "p95", "p99", "p999"} {
			if c == nil {
				w.kStr(p, "NaN")
			} else {
				w.kFloat(p, float64(s.val))
			}
		}
		w.close()
	}
	w.close()
}
