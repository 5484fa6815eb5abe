package alerting

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// stateVersion is the version of the persisted state this build writes.
const stateVersion = 1

// stateDoc is the persisted state: the incidents a leader notified and has
// not resolved, and the recently resolved ones (so that a replay or a
// slower replica does not reopen them). It is small JSON, to fit a Lease
// annotation as well as a file.
type stateDoc struct {
	Version   int      `json:"version"`
	Incidents []record `json:"incidents"`
}

type record struct {
	Key         incident.Key      `json:"key"`
	Route       fleet.Route       `json:"route"`
	PastRoutes  []fleet.Route     `json:"pastRoutes,omitempty"`
	Health      bool              `json:"health,omitempty"`
	Opened      time.Time         `json:"opened"`
	LastFailure time.Time         `json:"lastFailure"`
	LastSent    time.Time         `json:"lastSent,omitzero"`
	Total       int               `json:"total"`
	Threads     map[string]string `json:"threads,omitempty"`
	// Resolved is set on a resolved incident kept as a tombstone.
	Resolved time.Time `json:"resolved,omitzero"`
	Detail   detail    `json:"detail"`
}

// encodeState serialises what a new leader needs, sorted for stable output.
func (e *engine) encodeState() ([]byte, error) {
	doc := stateDoc{Version: stateVersion, Incidents: []record{}}
	for _, inc := range e.open {
		if !inc.notified {
			continue // never sent: nothing to deduplicate against
		}
		doc.Incidents = append(doc.Incidents, record{
			Key: inc.key, Route: inc.route, PastRoutes: inc.pastRoutes, Health: inc.health,
			Opened: inc.opened, LastFailure: inc.lastFailure, LastSent: inc.lastSent, Total: inc.total,
			Threads: inc.threads, Detail: inc.detail,
		})
	}
	for k, t := range e.closed {
		doc.Incidents = append(doc.Incidents, record{Key: k, LastFailure: t.lastFailure, Resolved: t.resolved})
	}
	sort.Slice(doc.Incidents, func(i, j int) bool { return keyLess(doc.Incidents[i].Key, doc.Incidents[j].Key) })
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode alerting state: %w", err)
	}
	return b, nil
}

// decodeState reads saved state. Unknown fields are ignored so that an
// older build can read a newer build's state of the same version; a newer
// version is refused rather than misread.
func decodeState(b []byte) ([]record, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var doc stateDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("decode alerting state: %w", err)
	}
	if doc.Version != stateVersion {
		return nil, fmt.Errorf("decode alerting state: version %d, this build reads %d", doc.Version, stateVersion)
	}
	out := doc.Incidents[:0]
	for _, r := range doc.Incidents {
		if r.Key.Deployment == "" || r.Key.Category == "" {
			continue // not an incident any build writes
		}
		if r.Resolved.IsZero() && rank(r.Route) == 0 {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// takeover merges the state a previous leader saved into what this replica
// tracked on its own, and sends what that leader never did: so that a
// failover neither repeats a notification nor drops one.
func (e *engine) takeover(recs []record, now time.Time) {
	stored := map[incident.Key]bool{}
	for _, r := range recs {
		stored[r.Key] = true
		if !r.Resolved.IsZero() {
			e.bury(r)
			continue
		}
		if inc, ok := e.open[r.Key]; ok {
			e.adopt(inc, r, now)
			continue
		}
		inc := &openIncident{key: r.Key, route: r.Route, pastRoutes: r.PastRoutes, health: r.Health, detail: r.Detail,
			opened: r.Opened, lastFailure: r.LastFailure, lastSent: r.LastSent, total: r.Total,
			notified: true, replayBefore: r.LastFailure, threads: nonNil(r.Threads)}
		e.add(inc)
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
}

// bury records a resolved incident and drops the local copy of it unless
// it failed again after the resolve.
func (e *engine) bury(r record) {
	t := tombstone{lastFailure: r.LastFailure, resolved: r.Resolved}
	if old, ok := e.closed[r.Key]; !ok || old.resolved.Before(t.resolved) {
		e.closed[r.Key] = t
	}
	if inc, ok := e.open[r.Key]; ok && !inc.lastFailure.After(r.LastFailure) {
		e.remove(inc)
	}
}

// adopt takes the leader's record of an incident this replica also
// tracked: what was sent and where wins; an escalation the leader did not
// see is sent now.
func (e *engine) adopt(inc *openIncident, r record, now time.Time) {
	inc.notified = true
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
