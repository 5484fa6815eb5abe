package dogstatsd

import (
	"math"
	"time"

	"github.com/flinkslo/flinkslo/export"
	"github.com/flinkslo/flinkslo/fleet"
)

// memory is what the emitter remembers between the snapshots it sends:
// counter values already sent as counts, and gauges sent as 1 that must be
// sent as 0 once when they stop applying. It belongs to the emitting
// goroutine.
type memory struct {
	fams    *families
	jobs    map[jobKey]*jobMemo
	targets map[targetKey]*targetMemo
	// teams had fleet series in the last emission.
	teams map[string]bool
}

type targetKey struct{ namespace, deployment string }

type jobKey struct {
	targetKey
	job string
}

// seriesMemo is what a target or a job remembers of its families' series.
type seriesMemo struct {
	// first: the target or job is seen for the first time; its counters
	// take their baselines.
	first bool
	// gen changes with the level's tags (a new team): presence gauges of
	// the old tags are then sent as 0, not reused.
	gen int
	// plain are the counters without labels of their own, by family slot;
	// counts the others.
	plain   []counter
	counts  map[countKey]*counter
	present []presence
}

type countKey struct {
	slot int // Family.Index
	a, b string
}

// presence holds the series of a DogPresence family sent as 1 last time
// and those sent this time.
type presence struct{ last, cur []sentGauge }

type sentGauge struct {
	// value is the last label's; dog the DogStatsD-only tags' (dogKey).
	value, dog string
	// tags are never changed once built: the client may hold them.
	tags []string
	gen  int
}

// same reports whether g and o are one series.
func (g sentGauge) same(o sentGauge) bool {
	return g.value == o.value && g.dog == o.dog && g.gen == o.gen
}

func newSeriesMemo(fams *families, level export.Level) seriesMemo {
	return seriesMemo{
		first:   true,
		plain:   make([]counter, fams.plain[level]),
		counts:  map[countKey]*counter{},
		present: make([]presence, fams.present[level]),
	}
}

type jobMemo struct {
	series seriesMemo
	// tags are deployment, namespace, team and job. The client keeps the
	// slice (its aggregator holds it until the next flush), so it is never
	// changed after it is built, only replaced.
	tags []string
	team string
	seen time.Time
}

type targetMemo struct {
	series seriesMemo
	seen   time.Time
}

func newMemory(fams *families) *memory {
	return &memory{
		fams:    fams,
		jobs:    map[jobKey]*jobMemo{},
		targets: map[targetKey]*targetMemo{},
		teams:   map[string]bool{},
	}
}

// job returns the memo of j, creating it.
func (m *memory) job(t *fleet.TargetStatus, j *fleet.JobStatus, now time.Time) *jobMemo {
	k := jobKey{targetKey{t.Namespace, t.Deployment}, j.Name}
	jm, ok := m.jobs[k]
	if !ok {
		jm = &jobMemo{series: newSeriesMemo(m.fams, export.PerJob)}
		m.jobs[k] = jm
	}
	if jm.tags == nil || jm.team != t.Team {
		jm.team = t.Team
		jm.tags = []string{
			tag("deployment", t.Deployment), tag("namespace", t.Namespace),
			tag("team", t.Team), tag("job_name", j.Name),
		}
		jm.series.gen++
	}
	jm.seen = now
	return jm
}

// target returns the memo of t, creating it.
func (m *memory) target(t *fleet.TargetStatus, now time.Time) *targetMemo {
	k := targetKey{t.Namespace, t.Deployment}
	tm, ok := m.targets[k]
	if !ok {
		tm = &targetMemo{series: newSeriesMemo(m.fams, export.PerTarget)}
		m.targets[k] = tm
	}
	tm.seen = now
	return tm
}

// forget drops what was last seen before cutoff. A job that vanishes for
// less than the retention (a discovery flap, a redeploy under the same
// name) keeps its baselines, so the increments made meanwhile are counted
// when it returns instead of being lost to a fresh first sight.
func (m *memory) forget(cutoff time.Time) {
	for k, jm := range m.jobs {
		if jm.seen.Before(cutoff) {
			delete(m.jobs, k)
		}
	}
	for k, tm := range m.targets {
		if tm.seen.Before(cutoff) {
			delete(m.targets, k)
		}
	}
}

// counter turns a monotonic value into counts. base is how much of it has
// been sent (or was there at first sight); seen says it has a base.
type counter struct {
	base float64
	seen bool
}

// delta returns the whole increments since the last call and takes them
// off. A value below the base means the source started again (the
// collector should prevent it): the base follows it down and nothing is
// sent, never a negative count. A fraction is kept for the next call.
func (c *counter) delta(v float64) int64 {
	if v < c.base || math.IsNaN(v) {
		if !math.IsNaN(v) {
			c.base = v
		}
		return 0
	}
	n := math.Floor(v - c.base)
	if n < 1 || math.IsInf(n, 0) {
		return 0
	}
	c.base += n
	return int64(n)
}
