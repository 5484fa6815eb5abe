package collector

import (
	"strconv"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/health"
)

// jobState is what the loop remembers about one job (by name) between
// cycles: counter baselines, cached rarely-changing responses, the restart
// history for the window, and the failures already seen.
type jobState struct {
	// mem is what the signals remember (true counters, restart window,
	// checkpoint progress).
	mem health.Memory

	cpConfig    *flink.CheckpointConfig
	cpDisabled  bool
	cpConfigFor string // job id the checkpoint config was read for

	// checkpoints are the statistics last read, and cpKey what the
	// metrics said then (needsCheckpoints).
	checkpoints *flink.Checkpoints
	cpKey       cpKey

	details       *flink.JobDetails
	exceptionsFor string // exceptionsKey of the last exceptions read

	// detail is the job's last detail read (detail.go), pending the names
	// of its sources' pendingRecords metrics by vertex ("" when a source
	// registers none), read once per job id.
	detail     *health.Detail
	pending    map[string]string
	pendingFor string

	failures    map[fleet.FailureKey]float64
	lastFailure *fleet.Failure
	seen        fingerprints
}

// jobFor returns the state of a job, creating it (from the state file, if
// one is kept) at first sight. Jobs of one target are created before their
// scrapes start, so the map is never written concurrently.
func (l *Loop) jobFor(t fleet.Target, st *targetState, name string) *jobState {
	js := st.jobs[name]
	if js == nil {
		js = &jobState{failures: map[fleet.FailureKey]float64{}}
		if l.state != nil {
			l.state.restore(t.Key(), name, js)
		}
		st.jobs[name] = js
	}
	return js
}

// forgetJobs drops the state of jobs no longer reported, so that their
// series disappear and a job that comes back starts cleanly.
func (st *targetState) forgetJobs(jobs []fleet.JobStatus) {
	keep := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		keep[j.Name] = true
	}
	for name := range st.jobs {
		if !keep[name] {
			delete(st.jobs, name)
		}
	}
}

// needsExceptions reports whether the exception history may hold something
// new: first sight, a new job id or state, or a changed restart count.
func (js *jobState) needsExceptions(jo flink.JobOverview, metrics map[string]float64) bool {
	return js.exceptionsFor != exceptionsKey(jo, metrics)
}

func exceptionsKey(jo flink.JobOverview, metrics map[string]float64) string {
	r, _ := health.RawRestarts(metrics)
	return jo.ID + "/" + string(jo.State) + "/" + strconv.FormatFloat(r, 'f', -1, 64)
}

// fingerprints remembers the failures already seen, bounded so a job that
// fails forever cannot grow it without limit.
type fingerprints struct {
	set   map[string]struct{}
	order []string
}

const maxFingerprints = 512

// add returns false when fp was seen before.
func (f *fingerprints) add(fp string) bool {
	if f.set == nil {
		f.set = map[string]struct{}{}
	}
	if _, ok := f.set[fp]; ok {
		return false
	}
	f.set[fp] = struct{}{}
	f.order = append(f.order, fp)
	if len(f.order) > maxFingerprints {
		delete(f.set, f.order[0])
		f.order = f.order[1:]
	}
	return true
}
