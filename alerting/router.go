package alerting

import (
	"context"
	"log/slog"
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
	routes *routes
	queues map[string]*queue
	in     *inbox

	mu  sync.Mutex // guards eng; taken by the Run goroutine and by receipts
	eng *engine
	// leading is whether this replica sent at the last step (Run only).
	leading bool
	saves   chan []byte
	trail   *Trail
}

// New builds a router from the configuration and the sinks; it does no I/O.
func New(o Options) (*Router, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	a := o.Config.Alerting
	names := make([]string, 0, len(o.Sinks))
	for name := range o.Sinks {
		names = append(names, name)
	}
	sort.Strings(names)
	r := &Router{
		opts: o, log: o.Logger, now: o.Now,
		m:      newMetrics(o.Registerer, names),
		routes: newRoutes(o.Config, o.Sinks),
		queues: map[string]*queue{},
		saves:  make(chan []byte, 1),
		trail:  NewTrail(),
	}
	r.in = newInbox(max(a.QueueSize, 1)*10, r.m)
	r.eng = newEngine(engineConfig{
		groupWindow: a.GroupWindow.D(), repeatInterval: a.RepeatInterval.D(), resolveAfter: a.ResolveAfter.D(),
		healthWait: o.HealthWait, since: o.Start.Add(-a.Lookback.D()),
		tombstoneTTL: max(a.Lookback.D(), time.Hour, a.ResolveAfter.D()+a.GroupWindow.D()),
	}, r.routes)
	for _, name := range names {
		r.queues[name] = newQueue(name, o.Sinks[name], a.QueueSize, workers(name), queue{
			dryRun: isDryRun(o.Sinks[name]), d: o.Delivery, m: r.m, log: o.Logger, receipt: r.receipt, trail: r.trail,
			// Delivery runs on wall time, as its timeouts and backoff do.
			now: time.Now,
		})
	}
	return r, nil
}

// isDryRun: the sink prints instead of sending (the result label says so).
func isDryRun(s Sink) bool {
	_, ok := s.(*console.DryRun)
	return ok
}

// workers per sink: Slack parallelises across channels (each paced on its
// own); PagerDuty a little; the console and DogStatsD never wait.
func workers(sink string) int {
	switch sink {
	case SinkSlack:
		return 4
	case SinkPagerDuty:
		return 2
	}
	return 1
}

// Observe queues the snapshot's failures and health for Run. It never
// blocks: it runs on the scrape loop.
func (r *Router) Observe(s *fleet.Snapshot) { r.in.put(s) }

// Run routes until ctx ends, then lets the queues drain for a bounded time
// and saves the state one last time.
func (r *Router) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, q := range r.queues {
		wg.Go(func() { q.run(ctx) })
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
func (r *Router) step(ctx context.Context) {
	now := r.now()
	leader := r.opts.Leader == nil || r.opts.Leader.IsLeader()
	failures, snap := r.in.take()

	r.mu.Lock()
	if leader && !r.leading {
		r.takeover(ctx, now)
	}
	if !leader && r.leading {
		r.log.Info("no longer the leader, sending no notifications")
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
	out := r.eng.take()
	var state []byte
	if leader && r.eng.dirty && r.opts.Store != nil {
		var err error
		if state, err = r.eng.encodeState(); err != nil {
			r.log.Error("alerting state not saved", "err", err)
		}
	}
	r.eng.dirty = false
	r.countOpen()
	r.mu.Unlock()

	if leader {
		for _, n := range out {
			r.dispatch(n)
		}
	}
	if state != nil {
		select {
		case <-r.saves: // a newer state replaces one not yet written
		default:
		}
		r.saves <- state
	}
}

// takeover loads the state the previous leader (or process) saved. A
// store that cannot be read must not silence alerting: it goes on with
// what this replica knows, at the risk of a repeated notification.
func (r *Router) takeover(ctx context.Context, now time.Time) {
	r.log.Info("leading: sending notifications")
	if r.opts.Store == nil {
		r.eng.takeover(nil, now)
		return
	}
	lctx, cancel := context.WithTimeout(ctx, r.opts.Delivery.RequestTimeout)
	defer cancel()
	b, err := r.opts.Store.Load(lctx)
	var recs []record
	if err == nil {
		recs, err = decodeState(b)
	}
	if err != nil {
		r.m.stateErrors.WithLabelValues("load").Inc()
		r.log.Warn("alerting state not loaded, open incidents of an earlier leader may be notified again", "err", err)
	}
	r.eng.takeover(recs, now)
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
// receiver that really sends, not the console or a dry run.
func (r *Router) delivers(route fleet.Route) bool {
	for _, name := range r.routes.sinks[route] {
		switch name {
		case SinkPagerDuty, SinkSlack:
			if !r.queues[name].dryRun {
				return true
			}
		}
	}
	return false
}

// dispatch queues n on every sink of its route that takes its action,
// naming them in n.Destinations first so that every line printed about n
// says where it went.
func (r *Router) dispatch(n *incident.Notification) {
	var to []*queue
	for _, name := range r.routes.sinks[n.Route] {
		q := r.queues[name]
		if !q.sink.Accepts(n.Action) {
			continue
		}
		if name == SinkSlack && n.SlackChannel == "" {
			r.m.drop(n.Route, name, dropNoChannel)
			continue
		}
		to = append(to, q)
		if d := destination(name, n); d != "" {
			n.Destinations = append(n.Destinations, d)
		}
	}
	for _, q := range to {
		q.push(n)
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

// receipt records the Slack thread of an incident's first message, so that
// follow-ups thread under it even after a restart or failover.
func (r *Router) receipt(n incident.Notification, rc incident.Receipt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if inc, ok := r.eng.open[n.Key]; ok {
		inc.threads[rc.Channel] = rc.ThreadTS
		r.eng.dirty = true
	}
}

// saveLoop writes states as the steps make them, until ctx ends.
func (r *Router) saveLoop(ctx context.Context) {
	for {
		select {
		case b := <-r.saves:
			r.save(ctx, b)
		case <-ctx.Done():
			return
		}
	}
}

// finalSave writes the state after the queues have drained, with a fresh
// bounded context, so that threads learnt while draining are kept.
func (r *Router) finalSave() {
	r.mu.Lock()
	b, err := r.eng.encodeState()
	leading := r.leading
	r.mu.Unlock()
	if err != nil || !leading || r.opts.Store == nil {
		return
	}
	r.save(context.Background(), b)
}

func (r *Router) save(ctx context.Context, b []byte) {
	sctx, cancel := context.WithTimeout(ctx, r.opts.Delivery.RequestTimeout)
	defer cancel()
	if err := r.opts.Store.Save(sctx, b); err != nil {
		r.m.stateErrors.WithLabelValues("save").Inc()
		r.log.Warn("alerting state not saved, a restart may notify open incidents again", "err", err)
	}
}
