package alerting

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/flinkslo/flinkslo/alerting/console"
	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// Router consumes snapshots and routes their failures and health changes
// to the sinks. Observe queues; Run does the work.
type Router struct {
	opts   Options
	log    *slog.Logger
	m      *metrics
	now    func() time.Time
	wall   func() time.Time // the queues' clock: timeouts, backoff, expiry
	routes *routes
	queues map[string]*queue
	in     *inbox
	saver  *saver
	// limit is the store's size limit, 0 for none.
	limit int

	// mu guards eng, outbox, seq and leading; taken by the Run goroutine
	// and by the queues when they report an outcome.
	mu     sync.Mutex
	eng    *engine
	outbox map[uint64]*entry
	seq    uint64
	// leading is whether this replica sent at the last step.
	leading bool
	// trail is what became of each notification, for the status page.
	trail *Trail
}

// New builds a router from the configuration and the sinks; it does no I/O.
func New(o Options) (*Router, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	a := o.Config.Alerting
	names := make([]string, 0, len(o.Sinks))
	var refreshers []string
	for name, s := range o.Sinks {
		names = append(names, name)
		if _, ok := s.(Refresher); ok && !isDryRun(s) {
			refreshers = append(refreshers, name)
		}
	}
	sort.Strings(names)
	sort.Strings(refreshers)
	r := &Router{
		opts: o, log: o.Logger, now: o.Now, wall: time.Now,
		m:      newMetrics(o.Registerer, names, refreshers),
		routes: newRoutes(o.Config, o.Sinks),
		queues: map[string]*queue{},
		outbox: map[uint64]*entry{},
		saver:  newSaver(),
		trail:  NewTrail(),
	}
	if ls, ok := o.Store.(limitedStore); ok {
		r.limit = ls.Limit()
	}
	r.in = newInbox(max(a.QueueSize, 1)*10, r.m)
	r.eng = newEngine(engineConfig{
		groupWindow: a.GroupWindow.D(), repeatInterval: a.RepeatInterval.D(), resolveAfter: a.ResolveAfter.D(),
		healthWait: o.HealthWait, since: o.Start.Add(-a.Lookback.D()),
		tombstoneTTL: max(a.Lookback.D(), time.Hour, a.ResolveAfter.D()+a.GroupWindow.D()),
	}, r.routes)
	for _, name := range names {
		q := newQueue(name, o.Sinks[name], queueConfig{
			size: max(a.QueueSize, 1), dryRun: isDryRun(o.Sinks[name]), d: o.Delivery, m: r.m, log: o.Logger,
			now: r.wall,
		})
		q.hooks = queueHooks{
			delivered: func(it *item, rc incident.Receipt) {
				r.trail.Record(*it.e.n, q.name, q.result(), r.wall())
				r.delivered(q, it, rc)
			},
			dropped: func(it *item, reason string) {
				r.trail.Record(*it.e.n, q.name, resultDropped+": "+reason, r.wall())
				r.settle(q, it)
			},
			reached: func(it *item) bool { return r.reached(q, it) },
		}
		r.queues[name] = q
	}
	return r, nil
}

// isDryRun: the sink prints instead of sending (the result label says so).
func isDryRun(s Sink) bool {
	_, ok := s.(*console.DryRun)
	return ok
}

// Observe queues the snapshot's failures and health for Run. It never
// blocks: it runs on the scrape loop.
func (r *Router) Observe(s *fleet.Snapshot) { r.in.put(s) }

// Run routes until ctx ends, then lets the queues drain for a bounded time
// and saves the state, with what is still undelivered, one last time.
func (r *Router) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, q := range r.queues {
		wg.Go(func() { r.leftover(q, q.run(ctx)) })
	}
	saved := make(chan struct{})
	go func() { defer close(saved); r.saveLoop(ctx) }()
	t := time.NewTicker(r.opts.Tick)
	defer t.Stop()
	for {
		r.step(ctx)
		select {
		case <-ctx.Done():
			wg.Wait()
			<-saved
			r.finalSave()
			return nil
		case <-r.in.ready:
		case <-t.C:
		}
	}
}

// step handles what was observed since the last step, and what is due.
// New notifications enter the outbox, which is saved before they are
// released to their queues.
func (r *Router) step(ctx context.Context) {
	now := r.now()
	leader := r.opts.Leader == nil || r.opts.Leader.IsLeader()
	failures, snap := r.in.take()

	r.mu.Lock()
	if leader && !r.leading {
		r.takeover(ctx, now)
	}
	if !leader && r.leading {
		r.resign()
	}
	r.leading = leader
	r.eng.leader = leader
	for _, f := range failures {
		r.eng.failure(f, now)
	}
	if snap != nil {
		r.eng.snapshot(snap, now)
	}
	r.eng.tick(now)
	out, incs := r.eng.takeWith()
	var held, free []*item
	if leader {
		for i, n := range out {
			for _, it := range r.dispatch(n, incs[i]) {
				if it.q.durable {
					held = append(held, it)
				} else {
					free = append(free, it)
				}
			}
		}
		free = append(free, r.refreshLocked(now)...)
	}
	var state []byte
	if leader && r.eng.dirty && r.opts.Store != nil {
		state = r.encodeLocked()
	}
	r.eng.dirty = false
	r.countOpen()
	r.mu.Unlock()

	release(free)
	if state == nil {
		release(held)
		return
	}
	r.saver.put(state, held)
}

// resign hands the undelivered notifications to the new leader: it has
// them from the store, and sending them here too would repeat them.
func (r *Router) resign() {
	n := 0
	for _, q := range r.queues {
		n += q.discard()
	}
	r.outbox = map[uint64]*entry{}
	r.saver.clear()
	r.log.Info("no longer the leader, sending no notifications; the new leader has the undelivered ones", "notifications", n)
}

func (r *Router) countOpen() {
	counts := map[fleet.Route]int{}
	for _, inc := range r.eng.open {
		counts[inc.route]++
	}
	for _, route := range fleet.Routes {
		r.m.open.WithLabelValues(string(route)).Set(float64(counts[route]))
		active := 0.0
		if r.leading && r.delivers(route) {
			active = 1
		}
		r.m.active.WithLabelValues(string(route)).Set(active)
	}
}

// delivers reports whether a route has a sink that reaches people: a
// receiver that really sends, not the console or a dry run. Alertmanager
// counts: it routes the alert to the people its configuration names (the
// shipped one by route and team). A generic webhook does not: flinkslo
// cannot know that anyone reads what it posts there, and counting it
// would silence the symptom alerts.
func (r *Router) delivers(route fleet.Route) bool {
	for _, name := range r.routes.sinks[route] {
		switch name {
		case SinkPagerDuty, SinkSlack, SinkAlertmanager:
			if !r.queues[name].dryRun {
				return true
			}
		}
	}
	return false
}

// leftover handles what a queue could not deliver before it stopped: kept
// in the outbox for the next start when there is a store to keep it in,
// else counted as dropped.
func (r *Router) leftover(q *queue, items []*item) {
	if len(items) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// Re-posts are not kept: the next leader makes its own.
	items = slices.DeleteFunc(items, (*item).isRefresh)
	if len(items) == 0 {
		return
	}
	if q.durable && r.opts.Store != nil && r.leading {
		r.log.Info("undelivered notifications kept for the next start", "sink", q.name, "notifications", len(items))
		return
	}
	for _, it := range items {
		r.m.drop(it.e.n.Route, q.name, dropShutdown)
		r.settleLocked(q, it)
	}
}
