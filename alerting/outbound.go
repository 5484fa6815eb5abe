package alerting

import (
	"strconv"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// dispatch enters n in the outbox and queues it on every sink of its route
// that takes its action, naming them in n.Destinations first so that every
// line printed about n says where it went. It returns the queued items,
// to be released once the outbox is saved.
func (r *Router) dispatch(n *incident.Notification, inc *openIncident) []*item {
	r.seq++
	e := &entry{id: r.seq, n: n, inc: inc, created: r.wall()}
	n.ID = strconv.FormatUint(e.id, 10)
	type target struct {
		q    *queue
		dest string
	}
	var buf [6]target // one per sink, without an allocation
	to := buf[:0]
	for _, name := range r.routes.sinks[n.Route] {
		q := r.queues[name]
		if !q.sink.Accepts(n.Action) {
			continue
		}
		if name == SinkSlack && n.SlackChannel == "" {
			r.drop(n, name, dropNoChannel)
			continue
		}
		queued := false
		for _, dest := range q.destinations(*n) {
			if n.Action == incident.Resolve && q.guarded && !r.resolvable(q, inc, n, dest) {
				continue
			}
			to = append(to, target{q, dest})
			queued = true
		}
		if d := destination(name, n); d != "" && queued {
			n.Destinations = append(n.Destinations, d)
		}
		if queued && q.refresh > 0 && inc != nil {
			// What is queued tells the receiver the incident is open:
			// the next re-post is due an interval after it.
			inc.refreshedAt(q.name, r.now())
		}
	}
	var out []*item
	for _, t := range to {
		it := t.q.push(e, t.dest, e.created, time.Time{})
		if it == nil {
			r.drop(n, t.q.name, dropQueueFull)
			r.log.Warn("notification queue full, dropping notification", "sink", t.q.name, "destination", t.dest,
				"incident", n.Key.String(), "action", n.Action)
			continue
		}
		if t.q.durable {
			e.pending = append(e.pending, it)
		}
		out = append(out, it)
	}
	if len(e.pending) > 0 && inc != nil {
		r.outbox[e.id] = e
		r.eng.dirty = true
	}
	return out
}

// resolvable decides, as a resolve is made, whether it goes to q's
// destination dest. It does when the incident reached q's receiver there.
// When its trigger is still on the way, the resolve follows it, unless q
// skips resolved incidents: then what is queued is dropped with it. When
// nothing of the incident ever got there, a resolve would be its first
// news, and is not sent.
func (r *Router) resolvable(q *queue, inc *openIncident, n *incident.Notification, dest string) bool {
	if inc == nil || r.reachedLocked(q, inc, *n, dest) {
		return true
	}
	lane := "" // a single-destination sink: any lane of it (a past route's)
	if q.fan != nil {
		lane = dest
	}
	if !q.pending(inc, lane) {
		r.drop(n, q.name, dropResolved)
		return false
	}
	if !q.skipResolved {
		return true
	}
	gone, inFlight := q.cancel(inc)
	for _, it := range gone {
		r.drop(it.e.n, q.name, dropResolved)
		r.settleLocked(q, it)
	}
	if inFlight {
		return true // it may get there: the resolve's turn decides
	}
	r.drop(n, q.name, dropResolved)
	r.log.Info("incident resolved before its trigger was delivered, sending neither", "sink", q.name, "incident", inc.key.String())
	return false
}

// reachedLocked reports whether a notification of inc reached the
// destination of n at q, or that of one of its past routes (a resolve
// closes the incident everywhere it was triggered); for a sink that fans
// out, whether it reached dest.
func (r *Router) reachedLocked(q *queue, inc *openIncident, n incident.Notification, dest string) bool {
	if inc == nil || len(inc.reached) == 0 {
		return false
	}
	if q.fan != nil {
		return inc.reached[reachKey(q.name, dest)]
	}
	routes := append([]fleet.Route{n.Route}, n.PastRoutes...)
	for _, route := range routes {
		m := n
		m.Route = route
		if inc.reached[reachKey(q.name, q.destination(m))] {
			return true
		}
	}
	return false
}

// reached is reachedLocked for a queue about to send a resolve.
func (r *Router) reached(q *queue, it *item) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reachedLocked(q, it.e.inc, *it.e.n, it.lane.dest)
}

// delivered records what a delivery taught: that the receiver has the
// incident, and the Slack thread of its first message, so that follow-ups
// thread under it even after a restart or failover.
func (r *Router) delivered(q *queue, it *item, rc incident.Receipt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if inc := it.e.inc; inc != nil && q.durable {
		if k := reachKey(q.name, it.lane.dest); it.e.n.Action != incident.Resolve && !inc.reached[k] {
			inc.reached[k] = true
			r.eng.dirty = true
		}
		if rc.ThreadTS != "" && inc.threads[rc.Channel] != rc.ThreadTS {
			inc.threads[rc.Channel] = rc.ThreadTS
			r.eng.dirty = true
		}
	}
	r.settleLocked(q, it)
}

// settle takes q's delivery of it out of the outbox.
func (r *Router) settle(q *queue, it *item) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.settleLocked(q, it)
}

func (r *Router) settleLocked(q *queue, it *item) {
	e := it.e
	n := len(e.pending)
	e.pending = without(e.pending, it)
	if len(e.pending) == n {
		return
	}
	if len(e.pending) == 0 && r.outbox[e.id] == e {
		delete(r.outbox, e.id)
	}
	r.eng.dirty = true
}

// release lets the items be attempted.
func release(items []*item) {
	by := map[*queue][]*item{}
	for _, it := range items {
		by[it.q] = append(by[it.q], it)
	}
	for q, its := range by {
		q.release(its)
	}
}

// destination names the receiver sink name reaches for n; "" for the
// console, which is where the name is printed.
func destination(sink string, n *incident.Notification) string {
	switch sink {
	case SinkConsole:
		return ""
	case SinkSlack:
		return "slack " + n.SlackChannel
	case SinkDatadog:
		return "datadog event"
	}
	return sink
}

// drop counts a notification sink never got, for reason, and notes it in
// the trail.
func (r *Router) drop(n *incident.Notification, sink, reason string) {
	r.m.drop(n.Route, sink, reason)
	r.trail.Record(*n, sink, resultDropped+": "+reason, r.wall())
}
