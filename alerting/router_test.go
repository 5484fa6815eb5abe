package alerting

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/console"
	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// recSink records what it is sent; hang makes every Send wait for its
// context, like a receiver that never answers.
type recSink struct {
	hang bool
	mu   sync.Mutex
	got  []*incident.Notification
}

func (s *recSink) Accepts(a incident.Action) bool { return a != incident.Occurrence }

func (s *recSink) Send(ctx context.Context, n incident.Notification) (incident.Receipt, error) {
	if s.hang {
		<-ctx.Done()
		return incident.Receipt{}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, &n)
	return incident.Receipt{}, nil
}

func (s *recSink) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return brief(s.got)
}

// clock is a settable test clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock    { c := &clock{}; c.set(t); return c }
func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }
func fastDelivery() Delivery {
	return Delivery{RequestTimeout: 200 * time.Millisecond, InitialBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, MaxAge: 10 * time.Second, Drain: 100 * time.Millisecond}
}
func withFailures(fs ...fleet.Failure) *fleet.Snapshot {
	return &fleet.Snapshot{Failures: fs}
}

// run starts r and stops it when the test ends, waiting for Run to return.
func run(t *testing.T, r *Router) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return stop
}

func newRouter(t *testing.T, o Options) *Router {
	t.Helper()
	if o.Config == nil {
		o.Config = ConfigFrom(testConfig())
	}
	if o.Tick == 0 {
		o.Tick = 5 * time.Millisecond
	}
	if o.Delivery == (Delivery{}) {
		o.Delivery = fastDelivery()
	}
	r, err := New(o)
	require.NoError(t, err)
	return r
}

func TestHungSinkBlocksNeitherTheScrapeLoopNorOtherSinks(t *testing.T) {
	cfg := testConfig()
	cfg.Alerting.QueueSize = 10
	hung, ok := &recSink{hang: true}, &recSink{}
	d := fastDelivery()
	d.RequestTimeout, d.MaxAge = time.Hour, time.Hour
	r := newRouter(t, Options{Config: ConfigFrom(cfg), Sinks: map[string]Sink{SinkPagerDuty: hung, SinkConsole: ok}, Delivery: d})
	run(t, r)

	const n = 60
	for i := range n {
		// Observe returns at once whatever the sinks do: were it to block,
		// this loop would never end.
		job := fmt.Sprintf("job-%d", i)
		r.Observe(withFailures(failure("orders", job, "platform_code_exception", fleet.Page, time.Now())))
		require.Eventually(t, func() bool { return len(ok.lines()) == i+1 }, 5*time.Second, time.Millisecond,
			"the console sink gets page %d while PagerDuty hangs", i)
	}
	dropped := testutil.ToFloat64(r.m.dropped.WithLabelValues(SinkPagerDuty, dropQueueFull))
	// One destination: 10 waiting plus one in flight; the rest dropped.
	require.Equal(t, float64(n-11), dropped, "the hung sink's queue overflowed and said so")
	require.Equal(t, 10.0, testutil.ToFloat64(r.m.queueDepth.WithLabelValues(SinkPagerDuty)))
}

func TestOnlyTheLeaderSends(t *testing.T) {
	var leading atomic.Bool
	rec := &recSink{}
	clk := newClock(t0)
	r := newRouter(t, Options{Sinks: map[string]Sink{SinkConsole: rec}, Leader: leaderFunc(leading.Load), Now: clk.now, Start: t0})
	run(t, r)

	r.Observe(withFailures(failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)))
	require.Eventually(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.eng.open) == 1
	}, 5*time.Second, 5*time.Millisecond, "the follower tracks the incident")
	require.Empty(t, rec.lines(), "a follower sends nothing")

	leading.Store(true)
	require.Eventually(t, func() bool { return len(rec.lines()) == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{"trigger page orders/enrich/enrich/platform_code_exception"}, rec.lines(),
		"on taking over it sends what no leader sent")
	time.Sleep(50 * time.Millisecond) // several more steps
	require.Len(t, rec.lines(), 1, "and only once")
}

type leaderFunc func() bool

func (f leaderFunc) IsLeader() bool { return f() }

func TestRestartWithFileStoreDoesNotRepage(t *testing.T) {
	store := FileStore{Path: t.TempDir() + "/alerting.json"}
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	first := &recSink{}
	r1 := newRouter(t, Options{Sinks: map[string]Sink{SinkConsole: first}, Store: store, Now: newClock(t0).now, Start: t0})
	stop := run(t, r1)
	r1.Observe(withFailures(f))
	require.Eventually(t, func() bool { return len(first.lines()) == 1 }, 5*time.Second, 5*time.Millisecond)
	stop()

	cfg := testConfig()
	cfg.Alerting.Lookback = durationOf(time.Hour)
	clk := newClock(t0.Add(10 * time.Minute))
	second := &recSink{}
	r2 := newRouter(t, Options{Config: ConfigFrom(cfg), Sinks: map[string]Sink{SinkConsole: second}, Store: store, Now: clk.now, Start: clk.now()})
	run(t, r2)
	r2.Observe(&fleet.Snapshot{Failures: []fleet.Failure{f}, Targets: snap(healthy("orders", "enrich")).Targets})
	time.Sleep(50 * time.Millisecond)
	require.Empty(t, second.lines(), "the replayed failure of an open incident is not sent again")

	clk.add(5 * time.Minute)
	r2.Observe(snap(healthy("orders", "enrich")))
	require.Eventually(t, func() bool { return len(second.lines()) == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{"resolve page orders/enrich/enrich/platform_code_exception"}, second.lines())
}

func TestShutdownDrainsQueues(t *testing.T) {
	var buf bytes.Buffer
	sinks, err := BuildSinks(ConfigFrom(testConfig()), SinkOptions{Console: &syncWriter{w: &buf}, ForceConsole: true, DryRun: true})
	require.NoError(t, err)
	r := newRouter(t, Options{Sinks: sinks})
	stop := run(t, r)
	r.Observe(withFailures(failure("orders", "enrich", "platform_code_exception", fleet.Page, time.Now())))
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(r.m.notifications.WithLabelValues("page", SinkConsole, resultSent)) == 1
	}, 5*time.Second, 5*time.Millisecond)
	stop()
	require.Equal(t, 1.0, testutil.ToFloat64(r.m.notifications.WithLabelValues("page", SinkPagerDuty, resultDryRun)))
	require.Contains(t, buf.String(), "DRY-RUN pagerduty PAGE    orders/enrich job=enrich category=platform_code_exception event=trigger event_action=trigger dedup_key=flinkslo/orders/enrich/enrich/platform_code_exception severity=critical")
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

type follower struct{}

func (follower) IsLeader() bool { return false }

// TestRouteActive: flinkslo says which routes it delivers to people, so
// that Alertmanager can inhibit the symptom alerts of exactly those.
func TestRouteActive(t *testing.T) {
	active := func(r *Router) map[fleet.Route]float64 {
		out := map[fleet.Route]float64{}
		for _, route := range fleet.Routes {
			out[route] = testutil.ToFloat64(r.m.active.WithLabelValues(string(route)))
		}
		return out
	}
	dryRun := console.NewDryRun(console.New(io.Discard, false), SinkPagerDuty, fakeDescriber{})
	for _, tc := range []struct {
		name   string
		sinks  map[string]Sink
		leader Leader
		want   map[fleet.Route]float64
	}{
		{"PagerDuty and Slack", map[string]Sink{SinkPagerDuty: &recSink{}, SinkSlack: &recSink{}, SinkConsole: &recSink{}}, nil,
			map[fleet.Route]float64{fleet.Page: 1, fleet.Monitor: 1, fleet.Notify: 1}},
		{"console only", map[string]Sink{SinkConsole: &recSink{}}, nil,
			map[fleet.Route]float64{fleet.Page: 0, fleet.Monitor: 0, fleet.Notify: 0}},
		{"dry run", map[string]Sink{SinkPagerDuty: dryRun, SinkConsole: &recSink{}}, nil,
			map[fleet.Route]float64{fleet.Page: 0, fleet.Monitor: 0, fleet.Notify: 0}},
		{"a follower", map[string]Sink{SinkPagerDuty: &recSink{}, SinkSlack: &recSink{}}, follower{},
			map[fleet.Route]float64{fleet.Page: 0, fleet.Monitor: 0, fleet.Notify: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRouter(t, Options{Sinks: tc.sinks, Leader: tc.leader})
			r.step(context.Background())
			require.Equal(t, tc.want, active(r))
		})
	}
}

type fakeDescriber struct{}

func (fakeDescriber) Accepts(incident.Action) bool { return true }
func (fakeDescriber) Describe(incident.Notification) []incident.Field {
	return nil
}

// The console prints a resolve whatever it printed before: the rule that
// a resolve needs its trigger delivered is for receivers.
func TestConsolePrintsResolves(t *testing.T) {
	var buf bytes.Buffer
	clk := newClock(t0)
	r := newRouter(t, Options{Sinks: map[string]Sink{SinkConsole: console.New(&syncWriter{w: &buf}, false)}, Now: clk.now, Start: t0})
	run(t, r)
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	observe(t, r, &fleet.Snapshot{Failures: []fleet.Failure{f}, Targets: snap(healthy("orders", "enrich")).Targets})
	for range 6 {
		clk.add(time.Minute)
		observe(t, r, snap(healthy("orders", "enrich")))
	}
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(r.m.notifications.WithLabelValues("page", SinkConsole, resultSent)) == 2
	}, 5*time.Second, 5*time.Millisecond, "trigger and resolve printed")
	require.Zero(t, testutil.ToFloat64(r.m.dropped.WithLabelValues(SinkConsole, dropResolved)))
}
