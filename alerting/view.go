package alerting

import (
	"sort"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// IncidentView is a copy of one incident as the router knows it, for the
// status page: open, or recently resolved (for as long as the router
// remembers resolving it, at least an hour). A resolved incident says
// what its last notification said; fields it did not carry stay empty.
type IncidentView struct {
	Key        incident.Key
	Route      fleet.Route
	PastRoutes []fleet.Route
	// Health: opened for an unhealthy job no classified failure explained.
	Health                        bool
	Open                          bool
	Opened, LastFailure, LastSent time.Time
	// Resolved is zero while open.
	Resolved time.Time
	// Total counts occurrences since it opened.
	Total int
	// Notified: a leader sent its trigger.
	Notified bool
	// Decision is the policy's decision about its latest failure (or the
	// health verdict); Owner and the evidence come with it. Excerpt and
	// Decision.Message were redacted before they reached the router.
	Decision  fleet.Decision
	Owner     fleet.Owner
	URL       string
	JobID     string
	Source    fleet.Source
	Exception string
	TaskName  string
	Excerpt   string
	// Trail is what was sent about it and what became of each delivery.
	Trail []TrailEntry
}

// Incidents returns the open and the recently resolved incidents, open
// first, each group in key order. It copies under the router's lock, so
// the caller may keep the result.
func (r *Router) Incidents() []IncidentView {
	r.mu.Lock()
	var out []IncidentView
	for _, inc := range r.eng.open {
		d := inc.detail
		out = append(out, IncidentView{
			Key: inc.key, Route: inc.route, PastRoutes: append([]fleet.Route(nil), inc.pastRoutes...), Health: inc.health, Open: true,
			Opened: inc.opened, LastFailure: inc.lastFailure, LastSent: inc.lastSent, Total: inc.total, Notified: inc.notified,
			Decision: d.Decision, Owner: d.Owner, URL: d.URL, JobID: d.JobID, Source: d.Source,
			Exception: d.Exception, TaskName: d.TaskName, Excerpt: d.Excerpt,
		})
	}
	for k, t := range r.eng.closed {
		out = append(out, IncidentView{Key: k, LastFailure: t.lastFailure, Resolved: t.resolved})
	}
	r.mu.Unlock()
	for i := range out {
		v := &out[i]
		trail, last := r.trail.of(v.Key)
		v.Trail = trail
		if v.Open || last == nil {
			continue
		}
		v.Route, v.PastRoutes, v.Decision = last.Route, last.PastRoutes, last.Decision
		v.Owner.Team, v.Opened, v.Total, v.JobID = last.Team, last.Opened, last.Total, last.JobID
		v.Source, v.Exception, v.TaskName, v.Health = last.Source, last.Exception, last.TaskName, last.Source == fleet.SourceHealth
		v.Notified = true
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Open != out[j].Open {
			return out[i].Open
		}
		return keyLess(out[i].Key, out[j].Key)
	})
	return out
}
