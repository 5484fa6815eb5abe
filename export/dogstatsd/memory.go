package dogstatsd

import (
	"math"
	"slices"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// memory is what the emitter remembers between the snapshots it sends:
// counter values already sent as counts, and gauges sent as 1 that must be
// sent as 0 once when they stop applying. It belongs to the emitting
// goroutine.
type memory struct {
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

type jobMemo struct {
	// tags are deployment, namespace, team and job. The client keeps the
	// slice (its aggregator holds it until the next flush), so it is never
	// changed after it is built, only replaced.
	tags []string
	team string

	completed, failed, restarts counter
	failures                    map[fleet.FailureKey]*counter

	// state and reasons were sent with value 1 last time.
	state     fleet.JobState
	stateTags []string
	reasons   []fleet.Reason

	seen time.Time
}

type targetMemo struct {
	failures map[fleet.FailureKey]*counter
	seen     time.Time
}

func newMemory() *memory {
	return &memory{
		jobs:    map[jobKey]*jobMemo{},
		targets: map[targetKey]*targetMemo{},
		teams:   map[string]bool{},
	}
}

// job returns the memo of j and whether the job is new, creating it. The
// first sight of a job sets every counter's baseline and sends no count:
// the increments before it are history Datadog never saw.
func (m *memory) job(t *fleet.TargetStatus, j *fleet.JobStatus, now time.Time) (*jobMemo, bool) {
	k := jobKey{targetKey{t.Namespace, t.Deployment}, j.Name}
	jm, ok := m.jobs[k]
	if !ok {
		jm = &jobMemo{failures: map[fleet.FailureKey]*counter{}}
		jm.completed.base = j.CheckpointsCompleted
		jm.failed.base = j.CheckpointsFailed
		jm.restarts.base = j.Restarts
		for fk, v := range j.Failures {
			jm.failures[fk] = &counter{base: v}
		}
		m.jobs[k] = jm
	}
	if jm.tags == nil || jm.team != t.Team {
		jm.team = t.Team
		jm.tags = []string{
			tag("deployment", t.Deployment), tag("namespace", t.Namespace),
			tag("team", t.Team), tag("job_name", j.Name),
		}
		jm.stateTags = nil
	}
	jm.seen = now
	return jm, !ok
}

// target returns the memo of t and whether the target is new.
func (m *memory) target(t *fleet.TargetStatus, now time.Time) (*targetMemo, bool) {
	k := targetKey{t.Namespace, t.Deployment}
	tm, ok := m.targets[k]
	if !ok {
		tm = &targetMemo{failures: map[fleet.FailureKey]*counter{}}
		for fk, v := range t.Failures {
			tm.failures[fk] = &counter{base: v}
		}
		m.targets[k] = tm
	}
	tm.seen = now
	return tm, !ok
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
// been sent (or was there at first sight).
type counter struct{ base float64 }

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

// failureDelta is delta for a failure counter. A key that first appears
// on a known job or target started from zero: all of it is new.
func failureDelta(cs map[fleet.FailureKey]*counter, k fleet.FailureKey, v float64) int64 {
	c, ok := cs[k]
	if !ok {
		c = &counter{}
		cs[k] = c
	}
	return c.delta(v)
}

// clearedReasons returns the reasons sent last time that no longer hold.
func clearedReasons(prev, cur []fleet.Reason) []fleet.Reason {
	var out []fleet.Reason
	for _, r := range prev {
		if !slices.Contains(cur, r) {
			out = append(out, r)
		}
	}
	return out
}
