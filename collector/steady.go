package collector

import (
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/health"
)

// The steady request plan. A JobManager whose jobs run undisturbed is read
// with two requests a cycle: /jobs/overview and each job's metrics. The
// metrics carry the checkpoint counts, so the checkpoint statistics are
// read only when a count moved; /overview (TaskManagers, slots, version)
// is read at least every overviewMaxAge and whenever the jobs changed.
// README "Performance" lists what each Flink version needs.

// overviewMaxAge bounds how old the TaskManager and slot counts get.
const overviewMaxAge = time.Minute

// cpKey is what the job metrics said when the checkpoint statistics were
// last read: while it holds, the statistics cannot have changed in a way
// the signals read.
type cpKey struct {
	id, state           string
	start               flink.Millis
	restarts            float64
	completed, failed   float64
	ok                  bool
	completionInMetrics bool
}

// checkpointsKey reads the key from this cycle's metrics; ok is false when
// they lack the counts (the request failed, or checkpointing has not
// reported yet), and the statistics are then read every cycle.
func checkpointsKey(jo flink.JobOverview, metrics map[string]float64) cpKey {
	k := cpKey{id: jo.ID, state: string(jo.State), start: jo.StartTime}
	k.restarts, _ = health.RawRestarts(metrics)
	c, ok1 := metrics["numberOfCompletedCheckpoints"]
	f, ok2 := metrics["numberOfFailedCheckpoints"]
	k.completed, k.failed, k.ok = c, f, ok1 && ok2
	// Flink 2.x reports the last completion time as a job metric, and
	// every version its duration: a completed checkpoint then needs no
	// statistics (only a failed one has its cause there).
	_, k.completionInMetrics = metrics["lastCheckpointCompletedTimestamp"]
	return k
}

// needsCheckpoints reports whether the statistics must be read this cycle:
// none read yet for this run of the job, the metrics lack the counts, a
// restart or state change, a failed checkpoint, or a completed one on a
// version whose metrics do not say when it completed.
func (js *jobState) needsCheckpoints(k cpKey) bool {
	p := js.cpKey
	switch {
	case js.checkpoints == nil, !k.ok, !p.ok:
		return true
	case k.id != p.id || k.state != p.state || k.start != p.start || k.restarts != p.restarts:
		return true
	case k.failed != p.failed:
		return true
	}
	return k.completed != p.completed && !k.completionInMetrics
}

// overviewDue reports whether /overview is read this cycle: first sight,
// the target was down, the last read failed or is overviewMaxAge old
// (within half an interval, so that a minute is not missed by a cycle
// that starts a little early), or the jobs changed.
func (st *targetState) overviewDue(now time.Time, interval time.Duration, jobs uint64, changed bool) bool {
	return st.overview == nil || changed || jobs != st.overviewJobs ||
		now.Sub(st.overviewAt) >= overviewMaxAge-interval/2
}

// jobsSignature sums up the jobs overview's ids and states (FNV-1a): a
// job added, gone, resubmitted or changing state changes it.
func jobsSignature(jobs []flink.JobOverview) uint64 {
	h := uint64(14695981039346656037)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
		h ^= 0
		h *= 1099511628211
	}
	for _, j := range jobs {
		add(j.ID)
		add(string(j.State))
	}
	return h
}
