package flinkfake

import "fmt"

// exceptions returns the exception history at now, newest first and at
// most exceptionHistorySize entries, as the JobMaster keeps it.
func (j *job) exceptions(now int64, tm timing) []exEntry {
	var fresh []exEntry
	switch {
	case j.ended:
	case j.scenario == Failed:
		fresh = append(fresh, j.memoEntry(0, func() exEntry { return j.entry(1, j.segStart, true) }))
	case j.scenario == RestartLoop:
		n, _, _ := restartCycle(max(now-j.segStart, 0), tm)
		for k := n; k >= max(1, n-exceptionHistorySize+1); k-- {
			at := j.segStart + k*tm.restartEvery - tm.restartDelay
			fresh = append(fresh, j.memoEntry(k, func() exEntry { return j.entry(k, at, false) }))
		}
	}
	out := append(fresh, j.pastEx...)
	if len(out) > exceptionHistorySize {
		out = out[:exceptionHistorySize]
	}
	return out
}

// memoEntry returns the segment's k-th entry, building it once: a trace
// takes far longer to render than the rest of a response. Entries that fell
// out of the history are forgotten.
func (j *job) memoEntry(k int64, build func() exEntry) exEntry {
	if e, ok := j.exMemo[k]; ok {
		return e
	}
	if j.exMemo == nil {
		j.exMemo = map[int64]exEntry{}
	}
	for old := range j.exMemo {
		if old > 0 && old <= k-exceptionHistorySize {
			delete(j.exMemo, old)
		}
	}
	e := build()
	j.exMemo[k] = e
	return e
}

// entry builds the k-th failure of the segment; final wraps it as the
// failure that ended the job.
func (j *job) entry(k, at int64, final bool) exEntry {
	site := j.site(k)
	site.v = j.v
	f := newFailure(j.failure, site)
	if final {
		f = suppressed(f, site)
	}
	e := exEntry{name: f.t.class, trace: f.t.String(), at: at, user: f.user}
	if !f.global {
		e.task, e.tmID, e.host = f.task, site.tmID, site.host()
	}
	if j.failure == Transient {
		// A lost TaskManager fails every subtask it ran, not just one.
		other := site
		other.subtask = site.subtask + 1
		if site.subtask%slotsPerTaskManager == 0 {
			other.subtask = site.subtask - 1
		}
		if other.subtask >= 1 && other.subtask <= site.par {
			c := newFailure(j.failure, other)
			e.concurrent = []exEntry{{
				name: c.t.class, trace: c.t.String(), at: at + 3,
				task: c.task, tmID: other.tmID, host: other.host(),
			}}
		}
	}
	return e
}

// site places the k-th failure on a subtask and its TaskManager.
func (j *job) site(k int64) failureSite {
	v := j.vertices[j.failingVertex()]
	sub := int(k%int64(v.par)) + 1
	tm := (sub-1)/slotsPerTaskManager + 1
	return failureSite{
		jobID: j.id, cluster: j.cluster,
		source: j.vertices[0].name, sourceID: j.vertices[0].id,
		keyed: j.vertices[j.keyed].name, topic: j.topic,
		tmID:    fmt.Sprintf("%s-taskmanager-1-%d", j.cluster, tm),
		tmHost:  taskManagerHost(j.cluster, tm),
		subtask: sub, par: v.par, n: int(k),
	}
}

// taskManagerHost is the pod IP of TaskManager i of a cluster.
func taskManagerHost(cluster string, i int) string {
	h := hash64(cluster)
	return fmt.Sprintf("10.42.%d.%d", h%200+1, (int(h>>8)+i)%250+2)
}

func (s failureSite) host() string { return s.tmHost + ":6121" }
