package flinkfake

// renderJob writes GET /jobs/:jobid (JobDetailsInfo).
func (jm *JobManager) renderJob(w *jw, j *job, now int64) {
	v := jm.opts.Version
	st := j.status(now, jm.timing)
	w.tasks = j.tasks(st, w.tasks[:0])
	tasks := w.tasks
	w.open()
	w.kStr("jid", j.id)
	w.kStr("name", j.name)
	w.kBool("isStoppable", false)
	w.kStr("state", j.stateString(st))
	if v.hasJobType() {
		w.kStr("job-type", "STREAMING")
	}
	jm.writeTimes(w, j, st, now)
	w.kInt("maxParallelism", -1)
	w.kInt("now", now)
	w.kOpen("timestamps")
	for s := range numStates {
		w.kInt(stateName(s), st.stamps[s])
	}
	w.close()
	w.kOpenArr("vertices")
	var counts taskCounts
	for i, vx := range j.vertices {
		jm.writeVertex(w, j, vx, tasks[i], st, now)
		for s := range numExec {
			if execName(s) == tasks[i].aggregate() {
				counts[s]++
			}
		}
	}
	w.closeArr()
	w.kOpen("status-counts")
	for s, n := range counts {
		w.kInt(execName(s), int64(n))
	}
	w.close()
	jm.writePlan(w, j)
	if v.isV2() {
		w.key("stream-graph")
		writePlanObject(w, j)
		w.kInt("pending-operators", 0)
	}
	if v.hasOverviewJobType() {
		w.kStr("schedulerType", "Default")
		w.kStr("application-id", hexID(j.id, "application"))
	}
	w.close()
}

func (jm *JobManager) writeVertex(w *jw, j *job, vx vertex, c taskCounts, st jobStatus, now int64) {
	v := jm.opts.Version
	start := st.stamps[stRunning]
	w.open()
	w.kStr("id", vx.id)
	if v.hasJobType() {
		w.kStr("slotSharingGroupId", hexID(j.id, "ssg"))
	}
	w.kStr("name", vx.name)
	w.kInt("maxParallelism", 128)
	w.kInt("parallelism", int64(vx.par))
	w.kStr("status", c.aggregate())
	w.kInt("start-time", start)
	w.kInt("end-time", -1)
	w.kInt("duration", max(now-start, 0))
	w.kOpen("tasks")
	for s, n := range c {
		w.kInt(execName(s), int64(n))
	}
	w.close()
	up := max(now-start, 0)
	w.kOpen("metrics")
	w.kInt("read-bytes", up*37)
	w.kBool("read-bytes-complete", true)
	w.kInt("write-bytes", up*41)
	w.kBool("write-bytes-complete", true)
	w.kInt("read-records", up/3)
	w.kBool("read-records-complete", true)
	w.kInt("write-records", up/3)
	w.kBool("write-records-complete", true)
	if v.hasBlocked() {
		w.kInt("accumulated-backpressured-time", 0)
		w.kInt("accumulated-idle-time", up*6/10)
		w.kFloat("accumulated-busy-time", float64(up*4/10))
	}
	w.close()
	w.close()
}

// writePlan writes the plan: a JSON string up to 1.17, an object after.
func (jm *JobManager) writePlan(w *jw, j *job) {
	if jm.opts.Version.planIsObject() {
		w.key("plan")
		writePlanObject(w, j)
		return
	}
	var inner jw
	writePlanObject(&inner, j)
	w.kStr("plan", string(inner.b))
}

func writePlanObject(w *jw, j *job) {
	w.open()
	w.kStr("jid", j.id)
	w.kStr("name", j.name)
	w.kStr("type", "STREAMING")
	w.kOpenArr("nodes")
	for i, vx := range j.vertices {
		w.open()
		w.kStr("id", vx.id)
		w.kInt("parallelism", int64(vx.par))
		w.kStr("operator", "")
		w.kStr("operator_strategy", "")
		w.kStr("description", vx.name)
		if i > 0 {
			w.kOpenArr("inputs").open()
			w.kInt("num", 0)
			w.kStr("id", j.vertices[i-1].id)
			w.kStr("ship_strategy", "HASH")
			w.kStr("exchange", "pipelined_bounded")
			w.close()
			w.closeArr()
		}
		w.kEmptyObj("optimizer_properties")
		w.close()
	}
	w.closeArr()
	w.close()
}

// renderCheckpointConfig writes GET /jobs/:jobid/checkpoints/config; mode
// is lower case on the wire whatever the OpenAPI file says.
func (jm *JobManager) renderCheckpointConfig(w *jw) {
	w.open()
	w.kStr("mode", "exactly_once")
	w.kInt("interval", jm.timing.interval)
	w.kInt("timeout", 600000)
	w.kInt("min_pause", 0)
	w.kInt("max_concurrent", 1)
	w.kOpen("externalization")
	w.kBool("enabled", true)
	w.kBool("delete_on_cancellation", false)
	w.close()
	w.kStr("state_backend", "EmbeddedRocksDBStateBackend")
	w.kStr("checkpoint_storage", "FileSystemCheckpointStorage")
	w.kBool("unaligned_checkpoints", false)
	w.kInt("tolerable_failed_checkpoints", 3)
	w.kInt("aligned_checkpoint_timeout", 0)
	w.kBool("checkpoints_after_tasks_finish", true)
	if jm.opts.Version.hasBlocked() {
		w.kBool("state_changelog_enabled", false)
		w.kInt("changelog_periodic_materialization_interval", 600000)
		w.kStr("changelog_storage", "memory")
	}
	w.close()
}
