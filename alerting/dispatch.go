package alerting

import (
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// queue delivers one sink's notifications. It keeps a lane per destination
// (a Slack channel, a PagerDuty routing key), each with its own bound,
// pacing and Retry-After, so that a busy or failing destination holds up
// no other; one scheduler goroutine starts the attempts, each in its own
// goroutine (see deliver.go). Notifications of one incident are attempted
// one at a time and in the order they were made, whatever their lanes: a
// Slack follow-up never overtakes the message it threads under, a resolve
// never overtakes its trigger. For a sink that fans out, each lane is a
// receiver of its own, and the order holds within each. A failed attempt waits out its backoff
// without holding a worker, so that other incidents go on meanwhile.
type queue struct {
	queueConfig
	name  string
	sink  Sink
	dests Destinations // nil: the sink is one destination, or fans out
	fan   Fanout       // non-nil: every notification goes to each of its destinations
	// refresh is how often an open incident is re-posted (Refresher); 0:
	// never.
	refresh time.Duration
	// durable: the sink's notifications go through the outbox; guarded:
	// it is durable and takes triggers, so a resolve needs one delivered
	// first (the console prints whatever it is given).
	durable, guarded, skipResolved bool
	hooks                          queueHooks
	depth                          prometheus.Gauge
	wake                           chan struct{}

	mu    sync.Mutex
	lanes map[string]*lane
	// order lists each incident's items in the order they were made; only
	// the first may be attempted.
	order map[orderKey][]*item
	// pausedUntil holds every lane (a Retry-After for the whole sink).
	pausedUntil time.Time
	waiting     int
}

// queueConfig is what the router sets for every queue.
type queueConfig struct {
	// size bounds each lane.
	size   int
	dryRun bool
	d      Delivery
	m      *metrics
	log    *slog.Logger
	now    func() time.Time
}

// queueHooks are how a queue reports to the router. They are called with
// no lock of the queue held.
type queueHooks struct {
	delivered func(*item, incident.Receipt)
	dropped   func(*item, string)
	// reached says whether the receiver got the trigger of the incident
	// whose resolve it is, so that the resolve may be sent.
	reached func(*item) bool
}

// lane is one destination's backlog.
type lane struct {
	dest  string
	items []*item // in the order pushed
	// limiter paces the lane; nil: unpaced.
	limiter               *rate.Limiter
	maxInFlight, inFlight int
	pausedUntil           time.Time
	depth                 prometheus.Gauge
}

// item is one entry of the outbox on its way to one sink. Its fields are
// guarded by the queue's mutex, except e, which is set when it is made.
type item struct {
	e    *entry
	q    *queue
	lane *lane
	// created starts its time: it is dropped MaxAge after, restarts
	// included.
	created time.Time
	// ready: the outbox holding it was saved, so it may be attempted.
	ready    bool
	inFlight bool
	removed  bool
	// resolved: its incident resolved while it was in flight, at a queue
	// that skips resolved incidents; if the attempt fails it is dropped,
	// not retried.
	resolved bool
	attempts int
	// notBefore is when its next attempt may start (backoff, Retry-After).
	notBefore time.Time
	// unconfirmed is when an attempt whose outcome is unknown ended.
	unconfirmed time.Time
	// bo is made at the first failure: most items never need one.
	bo *backoff.ExponentialBackOff
}

func newQueue(name string, s Sink, cfg queueConfig) *queue {
	q := &queue{queueConfig: cfg, name: name, sink: s}
	q.dests, _ = s.(Destinations)
	if q.fan, _ = s.(Fanout); q.fan != nil {
		q.dests = nil
	}
	if rf, ok := s.(Refresher); ok && !cfg.dryRun {
		q.refresh = rf.RefreshInterval()
	}
	t, ok := s.(Transient)
	q.durable = !ok || !t.Transient()
	q.guarded = q.durable && s.Accepts(incident.Trigger)
	if sr, ok := s.(SkipsResolved); ok {
		q.skipResolved = sr.SkipResolved()
	}
	q.depth = q.m.queueDepth.WithLabelValues(name)
	q.wake = make(chan struct{}, 1)
	q.lanes = map[string]*lane{}
	q.order = map[orderKey][]*item{}
	return q
}

// destination names the lane n goes to; for a sink that fans out, the
// first of its lanes.
func (q *queue) destination(n incident.Notification) string {
	switch {
	case q.fan != nil:
		if d := q.fan.Fanout(); len(d) > 0 {
			return d[0]
		}
	case q.dests != nil:
		return q.dests.Destination(n)
	}
	return q.name
}

// destinations names every lane n goes to: one, unless the sink fans out.
func (q *queue) destinations(n incident.Notification) []string {
	if q.fan != nil {
		return q.fan.Fanout()
	}
	return []string{q.destination(n)}
}

func (q *queue) laneLocked(dest string) *lane {
	if l, ok := q.lanes[dest]; ok {
		return l
	}
	p := incident.Pacing{}
	switch {
	case q.fan != nil:
		p = q.fan.Pacing(dest)
	case q.dests != nil:
		p = q.dests.Pacing(dest)
	}
	l := &lane{dest: dest, maxInFlight: max(p.InFlight, 1), depth: q.m.laneDepth.WithLabelValues(q.name, dest)}
	if p.PerSecond > 0 {
		l.limiter = rate.NewLimiter(rate.Limit(p.PerSecond), max(p.Burst, 1))
	}
	q.lanes[dest] = l
	return l
}

// push queues e for dest without ever blocking; it returns nil when the
// lane is full. created is when e entered the outbox; a restored item is
// unconfirmed since the restore. It is attempted once released.
func (q *queue) push(e *entry, dest string, created time.Time, unconfirmed time.Time) *item {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.laneLocked(dest)
	if len(l.items)-l.inFlight >= q.size {
		return nil
	}
	it := &item{e: e, q: q, lane: l, created: created, unconfirmed: unconfirmed}
	l.items = append(l.items, it)
	k := q.orderOf(e.n.Key, dest)
	q.order[k] = append(q.order[k], it)
	q.waiting++
	q.gaugesLocked(l)
	return it
}

// release lets items be attempted once the outbox holding them is saved.
func (q *queue) release(items []*item) {
	q.mu.Lock()
	for _, it := range items {
		it.ready = true
	}
	q.mu.Unlock()
	q.poke()
}

// pending reports whether an item of inc is queued or in flight, for
// lane dest, or in any lane when dest is "".
func (q *queue) pending(inc *openIncident, dest string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, k := range q.orderKeys(inc.key, dest) {
		for _, it := range q.order[k] {
			if it.e.inc == inc {
				return true
			}
		}
	}
	return false
}

// orderKey is what notifications are ordered by: the incident, and for a
// sink that fans out, the lane.
type orderKey struct {
	incident.Key
	lane string
}

func (q *queue) orderOf(k incident.Key, dest string) orderKey {
	if q.fan == nil {
		return orderKey{Key: k}
	}
	return orderKey{Key: k, lane: dest}
}

// orderKeys are the orders of k's items at dest, or at every lane when
// dest is "".
func (q *queue) orderKeys(k incident.Key, dest string) []orderKey {
	if q.fan == nil || dest != "" {
		return []orderKey{q.orderOf(k, dest)}
	}
	var out []orderKey
	for _, d := range q.fan.Fanout() {
		out = append(out, q.orderOf(k, d))
	}
	return out
}

// cancel removes inc's items that are not in flight and returns them, and
// whether one is in flight.
func (q *queue) cancel(inc *openIncident) (gone []*item, inFlight bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, k := range q.orderKeys(inc.key, "") {
		for _, it := range append([]*item(nil), q.order[k]...) {
			switch {
			case it.e.inc != inc:
			case it.inFlight:
				it.resolved = true
				inFlight = true
			default:
				q.removeLocked(it)
				gone = append(gone, it)
			}
		}
	}
	return gone, inFlight
}

// discard forgets every item, counting none: they are another leader's
// now. Attempts in flight finish, and are not retried.
func (q *queue) discard() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, l := range q.lanes {
		for _, it := range l.items {
			it.removed = true
			n++
		}
		l.items = nil
		q.gaugesLocked(l)
	}
	q.order = map[orderKey][]*item{}
	q.waiting = 0
	q.depth.Set(0)
	return n
}

// removeLocked takes it out of its lane and its incident's order.
func (q *queue) removeLocked(it *item) {
	if it.removed {
		return
	}
	it.removed = true
	if !it.inFlight {
		q.waiting--
	}
	l := it.lane
	l.items = without(l.items, it)
	k := q.orderOf(it.e.n.Key, l.dest)
	if rest := without(q.order[k], it); len(rest) > 0 {
		q.order[k] = rest
	} else {
		delete(q.order, k)
	}
	q.gaugesLocked(l)
}

func without(items []*item, it *item) []*item {
	for i, x := range items {
		if x == it {
			return append(items[:i:i], items[i+1:]...)
		}
	}
	return items
}

// first reports whether it is its incident's next item.
func (q *queue) firstLocked(it *item) bool {
	o := q.order[q.orderOf(it.e.n.Key, it.lane.dest)]
	return len(o) > 0 && o[0] == it
}

func (q *queue) gaugesLocked(l *lane) {
	q.depth.Set(float64(q.waiting))
	l.depth.Set(float64(max(len(l.items)-l.inFlight, 0)))
}

// empty: nothing queued or in flight.
func (q *queue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order) == 0
}

// poke wakes the scheduler.
func (q *queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}
