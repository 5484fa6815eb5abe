package alerting

import (
	"slices"
	"sort"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// entry is one notification on its way to its sinks. A notification that
// goes to a durable sink is in the outbox from before any sink attempts it
// until every durable sink settled it (delivered it, or dropped it and
// counted that); the outbox is saved with the incidents.
type entry struct {
	id  uint64
	n   *incident.Notification
	inc *openIncident // nil for an occurrence
	// created is when it entered the outbox (wall time): it expires
	// Delivery.MaxAge after, restarts included.
	created time.Time
	// pending are its items at the durable sinks that have not settled
	// it. Guarded by the router's mutex.
	pending []*item
}

// maxExcerpt bounds the exception excerpt an outbox record keeps for a
// trigger: a restored page still shows how the exception starts, and the
// state still fits a Lease.
const maxExcerpt = 512

// outboxRecord is an entry as persisted. The incident's details come from
// its record (found by key and opened), so that they are stored once.
type outboxRecord struct {
	ID            uint64          `json:"id"`
	Created       time.Time       `json:"created"`
	Key           incident.Key    `json:"key"`
	Opened        time.Time       `json:"opened"`
	Action        incident.Action `json:"action"`
	Route         fleet.Route     `json:"route"`
	EscalatedFrom fleet.Route     `json:"escalatedFrom,omitempty"`
	PastRoutes    []fleet.Route   `json:"pastRoutes,omitempty"`
	Count         int             `json:"count,omitempty"`
	Total         int             `json:"total,omitempty"`
	Window        time.Duration   `json:"window,omitempty"`
	At            time.Time       `json:"at"`
	Health        []string        `json:"health,omitempty"`
	Note          string          `json:"note,omitempty"`
	SlackChannel  string          `json:"slackChannel,omitempty"`
	Excerpt       string          `json:"excerpt,omitempty"`
	// Sinks are the durable sinks that have yet to deliver it.
	Sinks []string `json:"sinks"`
	// Lanes are, for each sink of Sinks that fans out (Alertmanager), the
	// destinations that have yet to deliver it.
	Lanes map[string][]string `json:"lanes,omitempty"`

	inc *openIncident
}

// record is e as persisted; false when no durable sink waits for it.
func (e *entry) record() (outboxRecord, bool) {
	if len(e.pending) == 0 || e.inc == nil {
		return outboxRecord{}, false
	}
	n := e.n
	r := outboxRecord{
		ID: e.id, Created: e.created, Key: n.Key, Opened: e.inc.opened, Action: n.Action, Route: n.Route,
		EscalatedFrom: n.EscalatedFrom, PastRoutes: n.PastRoutes, Count: n.Count, Total: n.Total, Window: n.Window,
		At: n.At, Health: n.Health, Note: n.Note, SlackChannel: n.SlackChannel, inc: e.inc,
	}
	if n.Action == incident.Trigger {
		r.Excerpt = trunc(n.Excerpt, maxExcerpt)
	}
	for _, it := range e.pending {
		if !slices.Contains(r.Sinks, it.q.name) {
			r.Sinks = append(r.Sinks, it.q.name)
		}
		if it.q.fan != nil {
			if r.Lanes == nil {
				r.Lanes = map[string][]string{}
			}
			r.Lanes[it.q.name] = append(r.Lanes[it.q.name], it.lane.dest)
		}
	}
	sort.Strings(r.Sinks)
	for _, l := range r.Lanes {
		sort.Strings(l)
	}
	return r, true
}

// valid: r is something this build writes.
func (r outboxRecord) valid() bool {
	switch r.Action {
	case incident.Trigger, incident.Repeat, incident.Remind, incident.Resolve:
	default:
		return false
	}
	return r.ID > 0 && r.Key.Deployment != "" && r.Key.Category != "" && rank(r.Route) > 0 && len(r.Sinks) > 0
}

// rebuild is the notification r records, about inc.
func (e *engine) rebuild(inc *openIncident, r outboxRecord) incident.Notification {
	n := e.notification(inc, r.Action, r.At)
	n.Route, n.EscalatedFrom, n.PastRoutes = r.Route, r.EscalatedFrom, r.PastRoutes
	n.Count, n.Total, n.Window = r.Count, r.Total, r.Window
	n.Health, n.Note, n.SlackChannel, n.Excerpt = r.Health, r.Note, r.SlackChannel, r.Excerpt
	n.Links = e.routes.links(n, inc.detail.URL)
	return n
}

// trunc cuts s to at most n bytes on a character boundary.
func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
