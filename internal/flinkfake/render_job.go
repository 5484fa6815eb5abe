package flinkfake

// renderJob writes GET /jobs/:jobid (JobDetailsInfo).
func (jm *JobManager) renderJob(w *jw, j *job, now int64) {
	v := jm.opts.Version
	st := j.status(now, jm.timing)
	w.tasks = j.tasks(st, now, w.tasks[:0])
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
	for i := range j.vertices {
		jm.writeVertex(w, j, i, tasks[i], st, now)
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

func (jm *JobManager) writeVertex(w *jw, j *job, i int, c taskCounts, st jobStatus, now int64) {
	v := jm.opts.Version
	vx := &j.vertices[i]
	start, end, last := st.stamps[stRunning], int64(-1), now
	if j.finished(i, now, st) {
		end = j.boundedEnd(st)
		last = end
	}
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
	w.kInt("end-time", end)
	w.kInt("duration", max(last-start, 0))
	w.kOpen("tasks")
	for s, n := range c {
		w.kInt(execName(s), int64(n))
	}
	w.close()
	writeIOMetrics(w, v, j, i, st, now)
	w.close()
}

// writeIOMetrics writes a vertex's metrics (IOMetricsInfo): sums over its
// subtasks. A source's task has no network input and a sink's no network
// output, so their read and write sides stay 0. Subtasks whose metrics
// the store does not have add nothing and clear the -complete flags.
func writeIOMetrics(w *jw, v Version, j *job, i int, st jobStatus, now int64) {
	var c ioCounters
	complete, _ := j.reported(i, now, st)
	if complete {
		c = j.counters(i, now, st)
	}
	w.kOpen("metrics")
	w.kInt("read-bytes", c.recIn*bytesPerRecord)
	w.kBool("read-bytes-complete", complete)
	w.kInt("write-bytes", c.recOut*bytesPerRecord)
	w.kBool("write-bytes-complete", complete)
	w.kInt("read-records", c.recIn)
	w.kBool("read-records-complete", complete)
	w.kInt("write-records", c.recOut)
	w.kBool("write-records-complete", complete)
	if v.hasBlocked() {
		w.kInt("accumulated-backpressured-time", int64(c.bp))
		w.kInt("accumulated-idle-time", int64(c.idle))
		w.key("accumulated-busy-time").double(c.busy)
	}
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

// shipStrategy is how records reach vertex i: by key hash into the keyed
// vertex, rebalanced elsewhere (parallelisms differ, so no forwarding).
func shipStrategy(j *job, i int) string {
	if i == j.keyed {
		return "HASH"
	}
	return "REBALANCE"
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
		if len(vx.inputs) > 0 {
			w.kOpenArr("inputs")
			for n, in := range vx.inputs {
				w.open()
				w.kInt("num", int64(n))
				w.kStr("id", j.vertices[in].id)
				w.kStr("ship_strategy", shipStrategy(j, i))
				w.kStr("exchange", "pipelined_bounded")
				w.close()
			}
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
	w.kInt("timeout", jm.timing.timeout)
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
