package alerting

import (
	"sort"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// takeover merges the state a previous leader saved into what this replica
// tracked on its own, and sends what that leader never made: so that a
// failover neither repeats a notification nor drops one. It returns the
// incidents the saved outbox may refer to, by instance.
func (e *engine) takeover(doc *stateDoc, now time.Time) map[instance]*openIncident {
	index := map[instance]*openIncident{}
	stored := map[incident.Key]bool{}
	for _, r := range doc.Incidents {
		if !r.Resolved.IsZero() {
			if inc := e.bury(r); inc != nil {
				index[instanceOf(r.Key, r.Opened)] = inc
			}
			continue
		}
		stored[r.Key] = true
		if inc, ok := e.open[r.Key]; ok {
			e.adopt(inc, r, now)
			index[instanceOf(r.Key, r.Opened)] = inc
			continue
		}
		inc := incidentOf(r)
		inc.notified, inc.replayBefore = true, r.LastFailure
		e.add(inc)
		index[instanceOf(r.Key, r.Opened)] = inc
	}
	var unsent []*openIncident
	for k, inc := range e.open {
		if !stored[k] && !inc.notified {
			unsent = append(unsent, inc)
		}
	}
	sort.Slice(unsent, func(i, j int) bool { return keyLess(unsent[i].key, unsent[j].key) })
	for _, inc := range unsent {
		// Opened while another replica led, and that leader never saved
		// it: it never went out.
		inc.pending = 0
		e.push(inc, e.notification(inc, incident.Trigger, now), now)
	}
	e.dirty = true
	return index
}

// incidentOf rebuilds an incident from its record.
func incidentOf(r record) *openIncident {
	inc := &openIncident{key: r.Key, route: r.Route, pastRoutes: r.PastRoutes, health: r.Health,
		opened: r.Opened, lastFailure: r.LastFailure, lastSent: r.LastSent, total: r.Total,
		threads: nonNil(r.Threads), reached: map[string]bool{}, resolvedAt: r.Resolved, legacy: r.legacy}
	if r.Detail != nil {
		inc.detail = *r.Detail
	}
	for _, k := range r.Reached {
		inc.reached[k] = true
	}
	return inc
}

// bury records a resolved incident and drops the local copy of it unless
// it failed again after the resolve. A resolved incident saved in full
// (its resolve was not delivered yet) is returned for the outbox.
func (e *engine) bury(r record) *openIncident {
	t := tombstone{lastFailure: r.LastFailure, resolved: r.Resolved}
	if r.full() {
		t.inc = incidentOf(r)
	}
	if old, ok := e.closed[r.Key]; !ok || old.resolved.Before(t.resolved) {
		e.closed[r.Key] = t
	}
	if inc, ok := e.open[r.Key]; ok && !inc.lastFailure.After(r.LastFailure) {
		e.remove(inc)
	}
	return t.inc
}

// adopt takes the leader's record of an incident this replica also
// tracked: what was sent and where wins; an escalation the leader did not
// see is sent now.
func (e *engine) adopt(inc *openIncident, r record, now time.Time) {
	inc.notified = true
	inc.legacy = inc.legacy || r.legacy
	inc.lastSent = r.LastSent
	inc.replayBefore = r.LastFailure
	if inc.pending = inc.total - r.Total; inc.pending < 0 {
		inc.pending = 0
	}
	inc.total = max(inc.total, r.Total)
	if r.Opened.Before(inc.opened) {
		inc.opened = r.Opened
	}
	for ch, ts := range r.Threads {
		inc.threads[ch] = ts
	}
	for _, k := range r.Reached {
		inc.reached[k] = true
	}
	for _, pr := range r.PastRoutes {
		if !containsRoute(inc.pastRoutes, pr) {
			inc.pastRoutes = append(inc.pastRoutes, pr)
		}
	}
	local := inc.route
	switch {
	case rank(r.Route) > rank(local):
		inc.route = r.Route
	case rank(r.Route) < rank(local):
		inc.route = r.Route
		e.escalate(inc, local, now)
	}
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
