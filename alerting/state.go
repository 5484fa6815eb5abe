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
// Version 1 (no outbox) is read too: its incidents count as delivered,
// which is what the build that wrote it believed.
const stateVersion = 2

// stateDoc is the persisted state: the incidents a leader notified and has
// not resolved, the recently resolved ones (so that a replay or a slower
// replica does not reopen them), and the outbox of notifications not yet
// delivered. It is small JSON, to fit a Lease annotation as well as a file.
type stateDoc struct {
	Version   int      `json:"version"`
	Incidents []record `json:"incidents"`
	// Outbox is every notification a durable sink has yet to deliver,
	// oldest first; Seq the last notification number given out.
	Outbox []outboxRecord `json:"outbox,omitempty"`
	Seq    uint64         `json:"seq,omitempty"`
}

type record struct {
	Key         incident.Key      `json:"key"`
	Route       fleet.Route       `json:"route,omitempty"`
	PastRoutes  []fleet.Route     `json:"pastRoutes,omitempty"`
	Health      bool              `json:"health,omitempty"`
	Opened      time.Time         `json:"opened,omitzero"`
	LastFailure time.Time         `json:"lastFailure"`
	LastSent    time.Time         `json:"lastSent,omitzero"`
	Total       int               `json:"total,omitempty"`
	Threads     map[string]string `json:"threads,omitempty"`
	// Reached lists the sink destinations that got the incident
	// ("slack\x00#channel").
	Reached []string `json:"reached,omitempty"`
	// Resolved is set on a resolved incident. It is kept short, as a
	// tombstone, unless a notification of it is still in the outbox.
	Resolved time.Time `json:"resolved,omitzero"`
	Detail   *detail   `json:"detail,omitempty"`

	// legacy: read from a version 1 state.
	legacy bool
}

// full reports whether r has what a notification needs: an open incident,
// or a resolved one whose notifications are still in the outbox.
func (r record) full() bool { return r.Route != "" && r.Detail != nil }

// encodeState serialises what a new leader needs, sorted for stable
// output. With limit > 0 a state that would exceed it leaves out
// undelivered notifications, least urgent first, then the oldest
// tombstones; left says how many of each were left out.
func encodeState(e *engine, ob []*entry, seq uint64, limit int) (b []byte, left int, err error) {
	doc := stateDoc{Version: stateVersion, Seq: seq, Incidents: []record{}}
	for _, en := range ob {
		if rec, ok := en.record(); ok {
			doc.Outbox = append(doc.Outbox, rec)
		}
	}
	sort.Slice(doc.Outbox, func(i, j int) bool { return doc.Outbox[i].ID < doc.Outbox[j].ID })
	if b, err = marshalState(e, doc); err != nil || limit <= 0 || len(b) <= limit {
		return b, 0, err
	}
	left = trimOutbox(&doc, len(b)-limit)
	if b, err = marshalState(e, doc); err != nil || len(b) <= limit {
		return b, left, err
	}
	return nil, left, fmt.Errorf("encode alerting state: %d bytes of open incidents exceed the store's %d byte limit", len(b), limit)
}

// marshalState fills doc's incidents from e and the outbox, and encodes it.
func marshalState(e *engine, doc stateDoc) ([]byte, error) {
	doc.Incidents = e.records(doc.Outbox)
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode alerting state: %w", err)
	}
	return b, nil
}

// trimOutbox leaves out at least over bytes of outbox records: repeats
// first, then reminders, resolves and triggers, newest first within each.
func trimOutbox(doc *stateDoc, over int) int {
	urgency := map[incident.Action]int{incident.Repeat: 0, incident.Remind: 1, incident.Resolve: 2, incident.Trigger: 3}
	idx := make([]int, len(doc.Outbox))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		ra, rb := doc.Outbox[idx[a]], doc.Outbox[idx[b]]
		if ua, ub := urgency[ra.Action], urgency[rb.Action]; ua != ub {
			return ua < ub
		}
		return ra.ID > rb.ID
	})
	drop := map[int]bool{}
	for _, i := range idx {
		if over <= 0 {
			break
		}
		b, _ := json.Marshal(doc.Outbox[i])
		over -= len(b) + 1
		drop[i] = true
	}
	kept := doc.Outbox[:0]
	for i, r := range doc.Outbox {
		if !drop[i] {
			kept = append(kept, r)
		}
	}
	doc.Outbox = kept
	return len(drop)
}

// records are the persisted incidents: every open one a leader notified,
// a tombstone of every resolved one, and in full every incident the
// outbox still has notifications of.
func (e *engine) records(ob []outboxRecord) []record {
	referenced := map[*openIncident]bool{}
	for _, r := range ob {
		referenced[r.inc] = true
	}
	out := []record{}
	for _, inc := range e.open {
		if inc.notified || referenced[inc] {
			out = append(out, inc.record())
			delete(referenced, inc)
		}
	}
	for k, t := range e.closed {
		if referenced[t.inc] {
			out = append(out, t.inc.record())
			delete(referenced, t.inc)
			continue
		}
		out = append(out, record{Key: k, LastFailure: t.lastFailure, Resolved: t.resolved})
	}
	// What is left is resolved incidents whose key opened again, or whose
	// tombstone expired, while a notification of them waits in the outbox.
	for inc := range referenced {
		if inc != nil {
			out = append(out, inc.record())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return keyLess(out[i].Key, out[j].Key)
		}
		return out[i].Opened.Before(out[j].Opened)
	})
	return out
}

// record is inc as persisted.
func (inc *openIncident) record() record {
	d := inc.detail
	r := record{
		Key: inc.key, Route: inc.route, PastRoutes: inc.pastRoutes, Health: inc.health,
		Opened: inc.opened, LastFailure: inc.lastFailure, LastSent: inc.lastSent, Total: inc.total,
		Threads: inc.threads, Resolved: inc.resolvedAt, Detail: &d,
	}
	for k := range inc.reached {
		r.Reached = append(r.Reached, k)
	}
	sort.Strings(r.Reached)
	return r
}

// instance identifies one incident of a key: after a resolve the key may
// open again while the old incident's resolve is still in the outbox.
type instance struct {
	key    incident.Key
	opened int64
}

func instanceOf(k incident.Key, opened time.Time) instance {
	return instance{key: k, opened: opened.UnixNano()}
}

// decodeState reads saved state. Unknown fields are ignored so that an
// older build can read a newer build's state of the same version; another
// version is refused rather than misread, except version 1, which this
// version extends.
func decodeState(b []byte) (*stateDoc, error) {
	if len(b) == 0 {
		return &stateDoc{Version: stateVersion}, nil
	}
	var doc stateDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("decode alerting state: %w", err)
	}
	switch doc.Version {
	case stateVersion:
	case 1:
		doc.Outbox = nil
	default:
		return nil, fmt.Errorf("decode alerting state: version %d, this build reads %d", doc.Version, stateVersion)
	}
	recs := doc.Incidents[:0]
	for _, r := range doc.Incidents {
		if r.Key.Deployment == "" || r.Key.Category == "" {
			continue // not an incident any build writes
		}
		if r.Resolved.IsZero() && (rank(r.Route) == 0 || r.Detail == nil) {
			continue
		}
		r.legacy = doc.Version == 1
		recs = append(recs, r)
	}
	doc.Incidents = recs
	ob := doc.Outbox[:0]
	for _, r := range doc.Outbox {
		if r.valid() {
			ob = append(ob, r)
		}
	}
	doc.Outbox = ob
	sort.Slice(doc.Outbox, func(i, j int) bool { return doc.Outbox[i].ID < doc.Outbox[j].ID })
	return &doc, nil
}
