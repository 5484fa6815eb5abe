package alerting

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// takeover loads the state the previous leader (or process) saved, and
// queues again every notification it had not delivered. A store that
// cannot be read must not silence alerting: it goes on with what this
// replica knows, at the risk of a repeated notification.
func (r *Router) takeover(ctx context.Context, now time.Time) {
	r.log.Info("leading: sending notifications")
	doc := &stateDoc{Version: stateVersion}
	if r.opts.Store != nil {
		doc = r.load(ctx)
	}
	index := r.eng.takeover(doc, now)
	r.assumeReached(index, now)
	r.restore(doc, index)
}

// load reads and decodes the saved state. One that cannot be decoded
// (corrupt, truncated, another build's version) is reported and set aside
// when the store can, so that the next save does not destroy it and
// flinkslo starts all the same.
func (r *Router) load(ctx context.Context) *stateDoc {
	lctx, cancel := context.WithTimeout(ctx, r.opts.Delivery.RequestTimeout)
	defer cancel()
	empty := &stateDoc{Version: stateVersion}
	b, err := r.opts.Store.Load(lctx)
	if err != nil {
		r.m.stateErrors.WithLabelValues("load").Inc()
		r.log.Warn("alerting state not loaded, open incidents of an earlier leader may be notified again", "err", err)
		return empty
	}
	doc, err := decodeState(b)
	if err == nil {
		if doc.Version != stateVersion {
			r.log.Info("alerting state of an earlier version read; its incidents count as delivered", "version", doc.Version)
		}
		return doc
	}
	r.m.stateErrors.WithLabelValues("load").Inc()
	attrs := []any{"err", err, "bytes", len(b)}
	if s, ok := r.opts.Store.(asideSetter); ok {
		if to, serr := s.SetAside(lctx); serr != nil {
			attrs = append(attrs, "set_aside_err", serr)
		} else {
			attrs = append(attrs, "moved_to", to)
		}
	}
	r.log.Warn("alerting state unreadable, starting without it: open incidents and undelivered notifications it held are not resumed", attrs...)
	return empty
}

// assumeReached marks every receiver of an incident read from a version 1
// state as having its trigger: the build that saved it believed so, and
// its resolve must reach them.
func (r *Router) assumeReached(index map[instance]*openIncident, now time.Time) {
	for _, inc := range index {
		if !inc.legacy {
			continue
		}
		inc.legacy = false
		for _, route := range append([]fleet.Route{inc.route}, inc.pastRoutes...) {
			at := *inc
			at.route = route
			n := r.eng.notification(&at, incident.Trigger, now)
			for _, name := range r.routes.sinks[route] {
				if q := r.queues[name]; q.guarded {
					for _, dest := range q.destinations(n) {
						inc.reached[reachKey(name, dest)] = true
					}
				}
			}
		}
	}
}

// restore queues the saved outbox in its order. An attempt of it may have
// been in flight when the saving process stopped, so every one is
// unconfirmed: a sink that cannot deduplicate looks before sending.
func (r *Router) restore(doc *stateDoc, index map[instance]*openIncident) {
	wall := r.wall()
	resumed := 0
	// Nothing is attempted before the whole outbox is back, so that a
	// resolve restored after its trigger still finds it queued.
	var restored []*item
	defer func() { release(restored) }()
	for _, rec := range doc.Outbox {
		r.seq = max(r.seq, rec.ID)
		inc := index[instanceOf(rec.Key, rec.Opened)]
		if inc == nil {
			r.log.Warn("undelivered notification of an incident the state does not hold, dropping it", "incident", rec.Key.String(), "action", rec.Action)
			continue
		}
		n := r.eng.rebuild(inc, rec)
		n.ID = strconv.FormatUint(rec.ID, 10)
		type target struct {
			q    *queue
			dest string
		}
		var to []target
		for _, name := range rec.Sinks {
			q := r.queues[name]
			if q == nil || !q.durable || !q.sink.Accepts(n.Action) {
				r.log.Warn("undelivered notification for a sink no longer configured, dropping it", "sink", name, "incident", rec.Key.String())
				continue
			}
			queued := false
			for _, dest := range restoredLanes(q, n, rec.Lanes[name]) {
				if n.Action == incident.Resolve && q.guarded && !r.resolvable(q, inc, &n, dest) {
					continue // as when it was made: a resolve is not a receiver's first news
				}
				to = append(to, target{q, dest})
				queued = true
			}
			if d := destination(name, &n); d != "" && queued {
				n.Destinations = append(n.Destinations, d)
			}
		}
		e := &entry{id: rec.ID, n: &n, inc: inc, created: rec.Created}
		for _, t := range to {
			q := t.q
			it := q.push(e, t.dest, rec.Created, wall)
			if it == nil {
				r.drop(&n, q.name, dropQueueFull)
				continue
			}
			e.pending = append(e.pending, it)
			restored = append(restored, it)
		}
		if len(e.pending) > 0 {
			r.outbox[e.id] = e
			resumed++
		}
	}
	r.seq = max(r.seq, doc.Seq)
	if resumed > 0 {
		r.log.Info("resuming undelivered notifications", "notifications", resumed)
	}
}

// restoredLanes are the lanes of q a restored notification still waits
// for: the ones its record names that the sink still has, for a sink that
// fans out (all of them, from a record that names none), else the one
// lane of n.
func restoredLanes(q *queue, n incident.Notification, saved []string) []string {
	if q.fan == nil {
		return []string{q.destination(n)}
	}
	all := q.fan.Fanout()
	if len(saved) == 0 {
		return all
	}
	var out []string
	for _, d := range all {
		if slices.Contains(saved, d) {
			out = append(out, d)
		}
	}
	return out
}

// encodeLocked is the state to save, nil when it cannot be encoded.
func (r *Router) encodeLocked() []byte {
	entries := make([]*entry, 0, len(r.outbox))
	for _, e := range r.outbox {
		entries = append(entries, e)
	}
	b, left, err := encodeState(r.eng, entries, r.seq, r.limit)
	if left > 0 {
		r.m.stateErrors.WithLabelValues("save").Inc()
		r.log.Warn("alerting state over the store's limit: the least urgent undelivered notifications are left out of it, and a restart now would lose them",
			"left_out", left, "limit_bytes", r.limit)
	}
	if err != nil {
		r.m.stateErrors.WithLabelValues("save").Inc()
		r.log.Error("alerting state not saved", "err", err)
		return nil
	}
	r.m.stateBytes.Set(float64(len(b)))
	return b
}

// saver hands states to the save loop, newest first: a state not yet
// written is replaced by a newer one. The items a state records wait for
// it, and are released once it is written (or failed to be: a broken
// store must not silence alerting).
type saver struct {
	mu    sync.Mutex
	state []byte
	held  []*item
	ready chan struct{}
}

func newSaver() *saver { return &saver{ready: make(chan struct{}, 1)} }

func (s *saver) put(state []byte, held []*item) {
	s.mu.Lock()
	s.state = state
	s.held = append(s.held, held...)
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

func (s *saver) take() ([]byte, []*item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, h := s.state, s.held
	s.state, s.held = nil, nil
	return b, h
}

// clear forgets what is waiting: another replica leads now.
func (s *saver) clear() { s.take() }

// saveLoop writes states as the steps make them, until ctx ends.
func (r *Router) saveLoop(ctx context.Context) {
	for {
		select {
		case <-r.saver.ready:
			b, held := r.saver.take()
			if b != nil {
				r.save(ctx, b)
			}
			release(held)
		case <-ctx.Done():
			return
		}
	}
}

// finalSave writes the state after the queues have stopped, with a fresh
// bounded context, so that what was delivered while draining is not sent
// again and what was not is resumed.
func (r *Router) finalSave() {
	r.mu.Lock()
	var b []byte
	if r.leading && r.opts.Store != nil {
		b = r.encodeLocked()
	}
	r.mu.Unlock()
	if b != nil {
		r.save(context.Background(), b)
	}
}

func (r *Router) save(ctx context.Context, b []byte) {
	sctx, cancel := context.WithTimeout(ctx, r.opts.Delivery.RequestTimeout)
	defer cancel()
	if err := r.opts.Store.Save(sctx, b); err != nil {
		r.m.stateErrors.WithLabelValues("save").Inc()
		r.log.Warn("alerting state not saved, a restart may repeat or lose notifications", "err", err)
	}
}
