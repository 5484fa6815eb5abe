package flinkfake

// renderOverview writes GET /overview (ClusterOverviewWithVersion).
func (jm *JobManager) renderOverview(w *jw, now int64) {
	var running, finished, cancelled, failed int64
	slots := 0
	for _, j := range jm.jobs {
		switch st := j.status(now, jm.timing); st.state {
		case stFailed:
			failed++
		case stCanceled:
			cancelled++
		case stFinished:
			finished++
		default:
			running++
			slots += j.maxPar()
		}
	}
	tms := max(1, (slots+slotsPerTaskManager-1)/slotsPerTaskManager)
	v := jm.opts.Version
	w.open()
	w.kInt("taskmanagers", int64(tms))
	w.kInt("slots-total", int64(tms*slotsPerTaskManager))
	w.kInt("slots-available", int64(tms*slotsPerTaskManager-slots))
	if v.hasBlocked() {
		w.kInt("taskmanagers-blocked", 0)
		w.kInt("slots-free-and-blocked", 0)
	}
	w.kInt("jobs-running", running)
	w.kInt("jobs-finished", finished)
	w.kInt("jobs-cancelled", cancelled)
	w.kInt("jobs-failed", failed)
	w.kStr("flink-version", v.Release())
	w.kStr("flink-commit", v.commit())
	w.close()
}

// renderConfig writes GET /config (DashboardConfiguration).
func (jm *JobManager) renderConfig(w *jw) {
	v := jm.opts.Version
	w.open()
	w.kInt("refresh-interval", 3000)
	w.kStr("timezone-name", "Coordinated Universal Time")
	w.kInt("timezone-offset", 0)
	w.kStr("flink-version", v.Release())
	w.kStr("flink-revision", v.commit()+" @ 2025-02-13T11:00:00+01:00")
	w.kOpen("features")
	w.kBool("web-submit", false)
	w.kBool("web-cancel", false)
	if v.atLeast(1, 18) {
		w.kBool("web-rescale", false)
	}
	if v.atLeast(1, 16) {
		w.kBool("web-history", false)
	}
	w.close()
	w.close()
}

// renderJobIDs writes GET /jobs (JobIdsWithStatusOverview): id/status,
// not jid/state.
func (jm *JobManager) renderJobIDs(w *jw, now int64) {
	w.open().kOpenArr("jobs")
	for _, j := range jm.jobs {
		w.open()
		w.kStr("id", j.id)
		w.kStr("status", j.stateString(j.status(now, jm.timing)))
		w.close()
	}
	w.closeArr()
	w.close()
}

// renderJobsOverview writes GET /jobs/overview (MultipleJobsDetails).
func (jm *JobManager) renderJobsOverview(w *jw, now int64) {
	v := jm.opts.Version
	w.open().kOpenArr("jobs")
	for _, j := range jm.jobs {
		st := j.status(now, jm.timing)
		w.open()
		w.kStr("jid", j.id)
		w.kStr("name", j.name)
		if v.hasOverviewJobType() {
			w.kStr("jobType", "STREAMING")
			w.kStr("schedulerType", "Default")
		}
		jm.writeTimes(w, j, st, now)
		w.kStr("state", j.stateString(st))
		w.kInt("last-modification", j.lastModification(st))
		w.kOpen("tasks")
		var sum taskCounts
		w.tasks = j.tasks(st, now, w.tasks[:0])
		for _, c := range w.tasks {
			for s, n := range c {
				sum[s] += n
			}
		}
		w.kInt("total", int64(sum.total()))
		for s, n := range sum {
			w.kInt(execLower(s), int64(n))
		}
		w.close()
		if v.isV2() {
			w.kInt("pending-operators", 0)
		}
		w.close()
	}
	w.closeArr()
	w.close()
}

// writeTimes writes start-time, end-time and duration: end-time is -1
// until the job is globally terminal.
func (jm *JobManager) writeTimes(w *jw, j *job, st jobStatus, now int64) {
	end, last := int64(-1), now
	if st.end != 0 {
		end, last = st.end, st.end
	}
	w.kInt("start-time", j.submitted)
	w.kInt("end-time", end)
	w.kInt("duration", last-j.submitted)
}
