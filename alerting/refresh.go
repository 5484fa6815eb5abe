package alerting

import (
	"slices"
	"sort"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// refreshedAt records that something telling q's receiver that inc is open
// was queued at now.
func (inc *openIncident) refreshedAt(sink string, now time.Time) {
	if inc.refreshed == nil {
		inc.refreshed = map[string]time.Time{}
	}
	inc.refreshed[sink] = now
}

// refreshLocked re-posts the open incidents that are due at the sinks that
// forget them (Refresher), and returns the items, to be released at once:
// they are not in the outbox. An incident is due a refresh interval after
// the last notification queued for it at the sink (never, since this
// process leads: at once), and gets one only at the destinations where
// nothing of it waits, so that a receiver that is down accumulates at most
// one re-post per incident.
func (r *Router) refreshLocked(now time.Time) []*item {
	var qs []*queue
	for _, q := range r.queues {
		if q.refresh > 0 {
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 || len(r.eng.open) == 0 {
		return nil
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].name < qs[j].name })
	incs := make([]*openIncident, 0, len(r.eng.open))
	for _, inc := range r.eng.open {
		incs = append(incs, inc)
	}
	sort.Slice(incs, func(i, j int) bool { return keyLess(incs[i].key, incs[j].key) })
	var out []*item
	for _, q := range qs {
		for _, inc := range incs {
			if !slices.Contains(r.routes.sinks[inc.route], q.name) {
				continue
			}
			if last, ok := inc.refreshed[q.name]; ok && now.Sub(last) < q.refresh {
				continue
			}
			out = append(out, r.refresh(q, inc, now)...)
		}
	}
	return out
}

// refresh queues a re-post of inc at every destination of q where nothing
// of it waits.
func (r *Router) refresh(q *queue, inc *openIncident, now time.Time) []*item {
	inc.refreshedAt(q.name, now)
	n := r.eng.notification(inc, incident.Refresh, now)
	// Not in the outbox: it needs no number.
	e := &entry{n: &n, inc: inc, created: r.wall()}
	var out []*item
	for _, dest := range q.destinations(n) {
		if q.pending(inc, dest) {
			continue // what waits says it, and is retried
		}
		if it := q.push(e, dest, e.created, time.Time{}); it != nil {
			out = append(out, it)
		} else {
			r.m.refreshes.WithLabelValues(q.name, refreshFailed).Inc()
		}
	}
	return out
}

// isRefresh: it is a re-post, not a notification: it is neither retried
// nor counted among notifications.
func (it *item) isRefresh() bool { return it.e.n.Action == incident.Refresh }
