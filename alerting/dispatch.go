package alerting

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// queue is one sink's bounded queue and its workers. Notifications of one
// incident always go to the same worker, so they arrive in order (a Slack
// follow-up never overtakes the message it threads under); different
// incidents proceed in parallel, so one slow message does not hold all.
type queue struct {
	name    string
	sink    Sink
	dryRun  bool
	d       Delivery
	m       *metrics
	log     *slog.Logger
	now     func() time.Time
	receipt func(incident.Notification, incident.Receipt)
	trail   *Trail
	lanes   []chan *item
	depth   prometheus.Gauge
	seed    maphash.Seed
}

// item is queued by pointer, and shares its notification with the other
// sinks' items: a lane's buffer stays small for the garbage collector to
// scan however large the queue, and a notification is built once.
type item struct {
	n        *incident.Notification
	enqueued time.Time
}

func newQueue(name string, s Sink, size, workers int, q queue) *queue {
	q.name, q.sink = name, s
	q.depth = q.m.queueDepth.WithLabelValues(name)
	q.seed = maphash.MakeSeed()
	per := max(1, (size+workers-1)/workers)
	for range workers {
		q.lanes = append(q.lanes, make(chan *item, per))
	}
	return &q
}

// push queues n without ever blocking: a full lane drops it, counted.
func (q *queue) push(n *incident.Notification) {
	lane := q.lanes[maphash.Comparable(q.seed, n.Key)%uint64(len(q.lanes))]
	select {
	case lane <- &item{n: n, enqueued: q.now()}:
		q.depth.Inc()
	default:
		q.m.drop(n.Route, q.name, dropQueueFull)
		q.log.Warn("notification queue full, dropping notification", "sink", q.name, "incident", n.Key.String(), "action", n.Action)
	}
}

// run delivers until ctx ends, then for at most the drain time, and counts
// what is left as dropped.
func (q *queue) run(ctx context.Context) {
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(q.d.Drain, cancel)
		<-sendCtx.Done()
		t.Stop()
	})
	defer stop()
	var wg sync.WaitGroup
	for _, lane := range q.lanes {
		wg.Go(func() { q.work(ctx, sendCtx, lane) })
	}
	wg.Wait()
}

func (q *queue) work(ctx, sendCtx context.Context, lane chan *item) {
	for {
		select {
		case it := <-lane:
			q.depth.Dec()
			q.deliver(sendCtx, it)
		case <-ctx.Done():
			q.drain(sendCtx, lane)
			return
		}
	}
}

// drain sends what is queued until the drain time is up.
func (q *queue) drain(sendCtx context.Context, lane chan *item) {
	for {
		select {
		case it := <-lane:
			q.depth.Dec()
			if sendCtx.Err() != nil {
				q.m.drop(it.n.Route, q.name, dropShutdown)
				continue
			}
			q.deliver(sendCtx, it)
		default:
			return
		}
	}
}

// deliver sends one notification with retries, and counts the outcome.
func (q *queue) deliver(ctx context.Context, it *item) {
	n := *it.n
	left := q.d.MaxAge - q.now().Sub(it.enqueued)
	if left <= 0 {
		q.m.drop(n.Route, q.name, dropExpired)
		q.log.Warn("notification expired in the queue, dropping it", "sink", q.name, "incident", n.Key.String(), "action", n.Action)
		return
	}
	var last error
	op := func() (incident.Receipt, error) {
		actx, cancel := context.WithTimeout(ctx, q.d.RequestTimeout)
		defer cancel()
		rc, err := q.sink.Send(actx, n)
		if err == nil {
			return rc, nil
		}
		last = err
		if incident.IsRejected(err) {
			return rc, backoff.Permanent(err)
		}
		if d := incident.RetryAfterOf(err); d > 0 {
			return rc, &backoff.RetryAfterError{Duration: d}
		}
		return rc, err
	}
	b := &backoff.ExponentialBackOff{InitialInterval: q.d.InitialBackoff, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: q.d.MaxBackoff}
	rc, err := backoff.Retry(ctx, op, backoff.WithBackOff(b), backoff.WithMaxElapsedTime(left))
	q.trail.Record(n, q.name, deliveryResult(ctx, q.dryRun, err, last), q.now())
	if err == nil {
		q.sent(n, rc)
		return
	}
	reason := dropRetriesExhausted
	switch {
	case incident.IsRejected(last):
		reason = dropRejected
	case ctx.Err() != nil:
		reason = dropShutdown
	}
	q.m.drop(n.Route, q.name, reason)
	q.log.Warn("notification not delivered, dropping it", "sink", q.name, "incident", n.Key.String(),
		"action", n.Action, "reason", reason, "err", last)
}

func (q *queue) sent(n incident.Notification, rc incident.Receipt) {
	result := resultSent
	if q.dryRun {
		result = resultDryRun
	}
	q.m.notifications.WithLabelValues(string(n.Route), q.name, result).Inc()
	if rc.ThreadTS != "" && q.receipt != nil {
		q.receipt(n, rc)
	}
}
