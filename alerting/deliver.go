package alerting

import (
	"context"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// idleWait is how long the scheduler sleeps when nothing is due; pushes
// and finished attempts wake it sooner.
const idleWait = time.Minute

// run delivers until ctx ends, then for at most the drain time, and
// returns what is left (the router keeps it in the outbox for the next
// start, or counts it as dropped).
func (q *queue) run(ctx context.Context) []*item {
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(q.d.Drain, cancel)
		<-sendCtx.Done()
		t.Stop()
	})
	defer stop()
	var wg sync.WaitGroup
	start := func(it *item, unconfirmed time.Time) {
		wg.Go(func() { q.attempt(sendCtx, it, unconfirmed) })
	}
	t := time.NewTimer(0)
	defer t.Stop()
	done := ctx.Done()
	for {
		wait := q.schedule(start)
		if done == nil && (sendCtx.Err() != nil || q.empty()) {
			break
		}
		t.Reset(wait)
		select {
		case <-q.wake:
		case <-t.C:
		case <-done:
			done = nil
		case <-sendCtx.Done():
		}
	}
	wg.Wait()
	return q.takeAll()
}

// takeAll removes and returns every item left.
func (q *queue) takeAll() []*item {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*item
	for _, l := range q.lanes {
		out = append(out, l.items...)
	}
	for _, it := range out {
		q.removeLocked(it)
	}
	return out
}

// schedule starts every attempt that may start now, drops what has run out
// of time, and returns how long until something else may be due.
func (q *queue) schedule(start func(*item, time.Time)) time.Duration {
	now := q.now()
	next := idleWait
	due := func(t time.Time) {
		if d := t.Sub(now); d < next {
			next = max(d, time.Millisecond)
		}
	}
	type drop struct {
		it     *item
		reason string
	}
	var drops []drop
	q.mu.Lock()
	for _, l := range q.lanes {
		held := later(q.pausedUntil, l.pausedUntil)
		paced := false
		for _, it := range l.items {
			if it.inFlight || !it.ready {
				continue
			}
			deadline := it.created.Add(q.d.MaxAge)
			if !now.Before(deadline) {
				reason := dropExpired
				if it.attempts > 0 {
					reason = dropRetriesExhausted
				}
				drops = append(drops, drop{it, reason})
				continue
			}
			due(deadline)
			switch {
			case !q.firstLocked(it), paced, l.inFlight >= l.maxInFlight:
				continue
			case now.Before(held):
				due(held)
				continue
			case now.Before(it.notBefore):
				due(it.notBefore)
				continue
			}
			if l.limiter != nil && !l.limiter.AllowN(now, 1) {
				lack := 1 - l.limiter.TokensAt(now)
				due(now.Add(time.Duration(lack / float64(l.limiter.Limit()) * float64(time.Second))))
				paced = true
				continue
			}
			it.inFlight = true
			l.inFlight++
			q.waiting--
			q.gaugesLocked(l)
			start(it, it.unconfirmed)
		}
	}
	for _, d := range drops {
		q.removeLocked(d.it)
	}
	q.mu.Unlock()
	for _, d := range drops {
		if d.it.isRefresh() {
			q.m.refreshes.WithLabelValues(q.name, refreshFailed).Inc()
			continue
		}
		q.m.drop(d.it.e.n.Route, q.name, d.reason)
		q.log.Warn("notification ran out of time, dropping it", "sink", q.name, "destination", d.it.lane.dest,
			"incident", d.it.e.n.Key.String(), "action", d.it.e.n.Action, "reason", d.reason)
		q.hooks.dropped(d.it, d.reason)
	}
	return next
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// attempt sends it once and hands the outcome to done.
func (q *queue) attempt(ctx context.Context, it *item, unconfirmed time.Time) {
	q.mu.Lock()
	discarded := it.removed
	q.mu.Unlock()
	if discarded {
		// Another replica leads now and has it: not a second sender.
		q.finish(it, "", nil)
		return
	}
	n := *it.e.n
	n.Unconfirmed = unconfirmed
	n.Lane = it.lane.dest
	if q.guarded && n.Action == incident.Resolve && !q.hooks.reached(it) {
		// Every earlier notification of the incident has settled and
		// none reached the receiver: a resolve would be its first news.
		q.finish(it, dropResolved, nil)
		return
	}
	actx, cancel := context.WithTimeout(ctx, q.d.RequestTimeout)
	rc, err := q.sink.Send(actx, n)
	cancel()
	q.done(it, rc, err)
}

// done records the outcome of an attempt: delivered, dropped, or retried
// after its backoff or the receiver's Retry-After.
func (q *queue) done(it *item, rc incident.Receipt, err error) {
	if it.isRefresh() {
		q.refreshed(it, err)
		return
	}
	if err == nil {
		// What the delivery taught (the receiver has the incident) is
		// recorded before the incident's next item may start: a resolve
		// asks it.
		q.sent(it, rc)
		q.finish(it, "", nil)
		return
	}
	if incident.IsRejected(err) {
		q.finish(it, dropRejected, err)
		return
	}
	q.mu.Lock()
	resolved := it.resolved
	q.mu.Unlock()
	if resolved {
		q.finish(it, dropResolved, err)
		return
	}
	now := q.now()
	q.mu.Lock()
	if it.bo == nil {
		it.bo = &backoff.ExponentialBackOff{InitialInterval: q.d.InitialBackoff, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: q.d.MaxBackoff}
		it.bo.Reset()
	}
	wait := it.bo.NextBackOff()
	it.attempts++
	if incident.IsUnconfirmed(err) {
		it.unconfirmed = now
	}
	if ra := incident.RetryAfterOf(err); ra > 0 {
		wait = ra
		if incident.HoldsAllDestinations(err) {
			q.pausedUntil = later(q.pausedUntil, now.Add(ra))
		} else {
			it.lane.pausedUntil = later(it.lane.pausedUntil, now.Add(ra))
		}
	}
	if !it.removed && !now.Add(wait).Before(it.created.Add(q.d.MaxAge)) {
		q.mu.Unlock()
		q.finish(it, dropRetriesExhausted, err)
		return
	}
	it.notBefore = now.Add(wait)
	it.inFlight = false
	it.lane.inFlight--
	if !it.removed {
		q.waiting++
	}
	q.gaugesLocked(it.lane)
	q.mu.Unlock()
	q.poke()
}

// finish takes it out after its last attempt: delivered (reason "") or
// dropped for reason. An item discarded meanwhile (another replica leads
// now and has it) is not counted as dropped.
func (q *queue) finish(it *item, reason string, err error) {
	q.mu.Lock()
	discarded := it.removed
	if it.inFlight {
		it.inFlight = false
		it.lane.inFlight--
		if !it.removed {
			q.waiting++ // removeLocked counts it out again
		}
	}
	q.removeLocked(it)
	q.mu.Unlock()
	q.poke()
	if reason == "" || discarded {
		return
	}
	n := it.e.n
	q.m.drop(n.Route, q.name, reason)
	log := q.log.Warn
	if reason == dropResolved {
		log = q.log.Info
	}
	log("notification not delivered, dropping it", "sink", q.name, "destination", it.lane.dest,
		"incident", n.Key.String(), "action", n.Action, "reason", reason, "err", err)
	q.hooks.dropped(it, reason)
}

// sent counts a delivery and reports it.
func (q *queue) sent(it *item, rc incident.Receipt) {
	q.m.notifications.WithLabelValues(string(it.e.n.Route), q.name, q.result()).Inc()
	q.hooks.delivered(it, rc)
}

// result is the word for a delivery of this queue: sent, or dry_run.
func (q *queue) result() string {
	if q.dryRun {
		return resultDryRun
	}
	return resultSent
}

// refreshed ends a re-post's only attempt: what it taught is recorded as a
// delivery's is (the receiver has the incident, so its resolve goes
// there); a failure is counted, not retried: the next re-post is due
// after the refresh interval, and a trigger or resolve that fails is
// retried and counted on its own.
func (q *queue) refreshed(it *item, err error) {
	result := refreshSent
	if err != nil {
		result = refreshFailed
		q.log.Debug("re-post of an open incident failed", "sink", q.name, "destination", it.lane.dest,
			"incident", it.e.n.Key.String(), "err", err)
	} else {
		q.hooks.delivered(it, incident.Receipt{})
	}
	q.m.refreshes.WithLabelValues(q.name, result).Inc()
	q.mu.Lock()
	if it.inFlight {
		it.inFlight = false
		it.lane.inFlight--
		if !it.removed {
			q.waiting++ // removeLocked counts it out again
		}
	}
	q.removeLocked(it)
	q.mu.Unlock()
	q.poke()
}
