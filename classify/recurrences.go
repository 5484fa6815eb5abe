package classify

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Bounds on the escalator's memory.
const (
	maxTimesPerKey = 1024
	sweepEvery     = 1024 // observations between sweeps of idle keys
)

// recurrences counts monitor-route failures per job and category, for the
// Policy to turn one into a page when the category has occurred count or
// more times within window. An occurrence is identified by its time:
// observing the same failure again (the next scrape sees the same history
// entry) does not count it twice. Page and notify decisions pass through
// unchanged. It is safe for concurrent use.
type recurrences struct {
	count  int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	seen  map[escKey][]time.Time // sorted, distinct
	calls int
}

type escKey struct {
	job      fleet.JobRef
	category string
}

func newRecurrences(count int, window time.Duration, now func() time.Time) *recurrences {
	return &recurrences{count: count, window: window, now: now, seen: map[escKey][]time.Time{}}
}

// observe records d for job at the failure's time and returns d, escalated
// to page (with r's escalated hint) when its monitor category has now
// occurred count or more times within one window that includes at.
func (e *recurrences) observe(job fleet.JobRef, d fleet.Decision, r *rule, at time.Time) fleet.Decision {
	base := d.RuleRoute
	if base == "" {
		base = d.Route
	}
	if base != fleet.Monitor {
		return d
	}
	e.mu.Lock()
	n := e.record(escKey{job, d.Category}, at)
	e.mu.Unlock()
	d.Occurrences = max(d.Occurrences, n)
	if n >= e.count && d.Route == fleet.Monitor {
		escalateTo(&d, r, fmt.Sprintf("%d occurrences of %s within %s", n, d.Category, config.Duration(e.window)), "")
	}
	return d
}

// record adds at (once) and returns the occurrences in the window that
// ends at the newest occurrence, or at at when at is older than that
// window: a failure observed late still counts the burst it belongs to.
func (e *recurrences) record(k escKey, at time.Time) int {
	times := e.seen[k]
	if i, found := slices.BinarySearchFunc(times, at, time.Time.Compare); !found {
		times = slices.Insert(times, i, at)
	}
	end := times[len(times)-1]
	if !at.After(end.Add(-e.window)) {
		end = at
	}
	n := e.countIn(times, end)
	// Forget what no later occurrence can count: anything a window older
	// than the newest, and anything past the per-key bound.
	cut, _ := slices.BinarySearchFunc(times, times[len(times)-1].Add(-e.window), time.Time.Compare)
	cut = max(cut, len(times)-maxTimesPerKey)
	e.seen[k] = slices.Delete(times, 0, cut)
	if e.calls++; e.calls%sweepEvery == 0 {
		e.sweep()
	}
	return n
}

// countIn counts the times in (end-window, end].
func (e *recurrences) countIn(times []time.Time, end time.Time) int {
	lo, _ := slices.BinarySearchFunc(times, end.Add(-e.window), time.Time.Compare)
	if lo < len(times) && times[lo].Equal(end.Add(-e.window)) {
		lo++
	}
	hi, _ := slices.BinarySearchFunc(times, end.Add(time.Nanosecond), time.Time.Compare)
	return hi - lo
}

// sweep forgets jobs with no occurrence within the window of now.
func (e *recurrences) sweep() {
	horizon := e.now().Add(-e.window)
	for k, times := range e.seen {
		if len(times) == 0 || times[len(times)-1].Before(horizon) {
			delete(e.seen, k)
		}
	}
}
