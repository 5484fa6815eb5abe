package alerting

import (
	"slices"
	"sync"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// Trail bounds.
const (
	// trailPerIncident notifications are kept per incident: the first
	// (what opened it) and the latest.
	trailPerIncident = 20
	// trailIncidents incidents are kept; the one recorded longest ago goes
	// first.
	trailIncidents = 10000
)

// TrailEntry is one notification about an incident and what became of it
// on each sink: for the status page, which shows who was told what.
type TrailEntry struct {
	Action incident.Action
	// At is when the router made the notification.
	At            time.Time
	Route         fleet.Route
	EscalatedFrom fleet.Route
	// Count is the occurrences it reported (grouped repeats).
	Count int
	// Summary is what it said, in words (incident.Notification.What).
	Summary string
	// Deliveries are the sinks' results, in the order they came.
	Deliveries []Outcome
}

// Outcome is one sink's result for a notification.
type Outcome struct {
	Sink string
	// Destination names the receiver ("pagerduty", "slack #team-alerts",
	// "datadog event", "console").
	Destination string
	// Result is sent, dry_run, or dropped: <reason> (the reasons of
	// flinkslo_notifications_dropped_total).
	Result string
	At     time.Time
}

// Trail keeps the notification trail of recent incidents, bounded, and
// the last notification of each, which tells about an incident after it
// resolved (the router keeps only a tombstone then). It is safe for
// concurrent use: the sinks' workers record, the status page reads.
type Trail struct {
	mu sync.Mutex
	by map[incident.Key]*trailOf
}

type trailOf struct {
	entries []TrailEntry
	last    incident.Notification // without its excerpt and threads
	touched time.Time
}

// NewTrail returns an empty trail.
func NewTrail() *Trail { return &Trail{by: map[incident.Key]*trailOf{}} }

// Record notes that sink delivered n with result at the time given. Single
// occurrences (Datadog's events) are not kept: they are counted in the
// incident's total. A nil Trail records nothing.
func (t *Trail) Record(n incident.Notification, sink, result string, at time.Time) {
	if t == nil || n.Action == incident.Occurrence {
		return
	}
	dest := destination(sink, &n)
	if dest == "" {
		dest = sink
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tr := t.by[n.Key]
	if tr == nil {
		t.evict()
		tr = &trailOf{}
		t.by[n.Key] = tr
	}
	tr.touched = at
	e := tr.find(n)
	if e == nil {
		tr.entries = append(tr.entries, TrailEntry{Action: n.Action, At: n.At, Route: n.Route, EscalatedFrom: n.EscalatedFrom, Count: n.Count, Summary: n.What()})
		e = &tr.entries[len(tr.entries)-1]
		if len(tr.entries) > trailPerIncident {
			tr.entries = slices.Delete(tr.entries, 1, 2)
			e = &tr.entries[len(tr.entries)-1]
		}
	}
	e.Deliveries = append(e.Deliveries, Outcome{Sink: sink, Destination: dest, Result: result, At: at})
	if !n.At.Before(tr.last.At) {
		n.Excerpt, n.Threads = "", nil
		tr.last = n
	}
}

// find is the entry of n: the same action made at the same time on the
// same route (each sink records it once).
func (tr *trailOf) find(n incident.Notification) *TrailEntry {
	for i := len(tr.entries) - 1; i >= 0; i-- {
		e := &tr.entries[i]
		if e.Action == n.Action && e.At.Equal(n.At) && e.Route == n.Route {
			return e
		}
	}
	return nil
}

// evict makes room for one more incident.
func (t *Trail) evict() {
	if len(t.by) < trailIncidents {
		return
	}
	var oldest incident.Key
	var at time.Time
	first := true
	for k, tr := range t.by {
		if first || tr.touched.Before(at) {
			oldest, at, first = k, tr.touched, false
		}
	}
	delete(t.by, oldest)
}

// of returns a copy of the trail of k and its last notification.
func (t *Trail) of(k incident.Key) ([]TrailEntry, *incident.Notification) {
	if t == nil {
		return nil, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tr := t.by[k]
	if tr == nil {
		return nil, nil
	}
	out := make([]TrailEntry, len(tr.entries))
	for i, e := range tr.entries {
		e.Deliveries = slices.Clone(e.Deliveries)
		out[i] = e
	}
	last := tr.last
	return out, &last
}
