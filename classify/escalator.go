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

// Escalator counts monitor-route failures per job and category and turns
// one into a page when the category has occurred count or more times within
// window. An occurrence is identified by its time: observing the same
// failure again (the next scrape sees the same history entry) does not
// count it twice. Page and notify results pass through unchanged. It is
// safe for concurrent use.
type Escalator struct {
	count  int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	seen  map[escKey][]time.Time // sorted, distinct
	calls int
}

type escKey struct{ job, category string }

// NewEscalator returns an escalator for the config's escalation section;
// zero values take the defaults. now is the clock used to forget idle
// jobs; time.Now when nil.
func NewEscalator(cfg config.Escalation, now func() time.Time) *Escalator {
	if now == nil {
		now = time.Now
	}
	return &Escalator{
		count:  cmpOr(cfg.Count, config.DefaultEscalationCount),
		window: cmpOr(cfg.Window.D(), config.DefaultEscalationWindow),
		now:    now,
		seen:   map[escKey][]time.Time{},
	}
}

// Observe records r for jobKey at the failure's time and returns r,
// escalated to page when its monitor category has now occurred count or
// more times within one window that includes at.
func (e *Escalator) Observe(jobKey string, r fleet.Decision, at time.Time) fleet.Decision {
	base := r.RuleRoute
	if base == "" {
		base = r.Route
	}
	if base != fleet.Monitor {
		return r
	}
	e.mu.Lock()
	n := e.record(escKey{jobKey, r.Category}, at)
	e.mu.Unlock()
	r.Occurrences = max(r.Occurrences, n)
	if n >= e.count && r.Route == fleet.Monitor {
		r.Route, r.Escalated = fleet.Page, true
		r.Reason += fmt.Sprintf("; escalated: %d occurrences of %s within %s", n, r.Category, config.Duration(e.window))
	}
	return r
}

// record adds at (once) and returns the occurrences in the window that
// ends at the newest occurrence, or at at when at is older than that
// window: a failure observed late still counts the burst it belongs to.
func (e *Escalator) record(k escKey, at time.Time) int {
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
func (e *Escalator) countIn(times []time.Time, end time.Time) int {
	lo, _ := slices.BinarySearchFunc(times, end.Add(-e.window), time.Time.Compare)
	if lo < len(times) && times[lo].Equal(end.Add(-e.window)) {
		lo++
	}
	hi, _ := slices.BinarySearchFunc(times, end.Add(time.Nanosecond), time.Time.Compare)
	return hi - lo
}

// sweep forgets jobs with no occurrence within the window of now.
func (e *Escalator) sweep() {
	horizon := e.now().Add(-e.window)
	for k, times := range e.seen {
		if len(times) == 0 || times[len(times)-1].Before(horizon) {
			delete(e.seen, k)
		}
	}
}
