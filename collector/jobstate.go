package collector

import (
	"strconv"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

// jobState is what the loop remembers about one job (by name) between
// cycles: counter baselines, cached rarely-changing responses, the restart
// history for the window, and the failures already seen.
type jobState struct {
	restarts, cpCompleted, cpFailed counter

	// samples of the restart total, oldest first, for the restart window.
	samples []sample

	cpConfig    *flink.CheckpointConfig
	cpDisabled  bool
	cpConfigFor string // job id the checkpoint config was read for

	details       *flink.JobDetails
	exceptionsFor string // exceptionsKey of the last exceptions read

	lastCompleted  float64   // raw completed count last seen
	cpIncreasedAt  time.Time // when the completed count last went up
	lastCheckpoint time.Time // newest completed checkpoint seen

	failures    map[fleet.FailureKey]float64
	lastFailure *fleet.Failure
	seen        fingerprints
}

type sample struct {
	at    time.Time
	total float64
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
	r, _ := rawRestarts(metrics)
	return jo.ID + "/" + string(jo.State) + "/" + strconv.FormatFloat(r, 'f', -1, 64)
}

// rawRestarts reads numRestarts, falling back to fullRestarts for Flink
// 1.15/1.16, whose REST API may show only the latter (FLINK-30558).
func rawRestarts(m map[string]float64) (float64, bool) {
	if v, ok := m["numRestarts"]; ok && v >= 0 {
		return v, true
	}
	v, ok := m["fullRestarts"]
	return v, ok && v >= 0
}

// addSample records the restart total and drops samples that fall out of
// the window (keeping the newest one before it as the baseline).
func (js *jobState) addSample(now time.Time, total float64, window time.Duration) {
	js.samples = append(js.samples, sample{now, total})
	cut := 0
	for cut+1 < len(js.samples) && !js.samples[cut+1].at.After(now.Add(-window)) {
		cut++
	}
	js.samples = js.samples[cut:]
}

// restartsInWindow is the growth of the total over the window. Before a
// full window has been seen it is the growth since the first sample.
func (js *jobState) restartsInWindow() int {
	if len(js.samples) == 0 {
		return 0
	}
	return int(js.samples[len(js.samples)-1].total - js.samples[0].total)
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
