package alerting

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/pdfake"
	"github.com/flinkslo/flinkslo/internal/slackfake"
)

// outboxRig is the router with the real Slack and PagerDuty sinks in front
// of the fakes and a store, started and stopped as a process would be.
type outboxRig struct {
	t     *testing.T
	pd    *pdfake.Server
	slack *slackfake.Server
	store StateStore
	cfg   *config.Config
	clk   *clock
	d     Delivery
	r     *Router
	stop  func()
}

func newOutboxRig(t *testing.T, store StateStore) *outboxRig {
	t.Helper()
	g := &outboxRig{t: t, pd: pdfake.New(), slack: slackfake.New(), store: store, clk: newClock(t0), d: fastDelivery()}
	t.Cleanup(g.pd.Close)
	t.Cleanup(g.slack.Close)
	g.cfg = testConfig()
	g.cfg.Alerting.PagerDuty.EventsURL = g.pd.URL()
	g.cfg.Alerting.Slack = config.SlackConnection{TokenEnv: "SLACK_TOKEN", APIURL: g.slack.APIURL()}
	g.cfg.Alerting.Lookback = durationOf(time.Hour)
	return g
}

// start runs a new router on the store, as a process (re)starting would.
func (g *outboxRig) start() *Router {
	g.t.Helper()
	env := map[string]string{"PD_KEY": testRoutingKey, "SLACK_TOKEN": testSlackToken}
	sinks, err := BuildSinks(ConfigFrom(g.cfg), SinkOptions{Getenv: func(k string) string { return env[k] }})
	require.NoError(g.t, err)
	g.r = newRouter(g.t, Options{Config: ConfigFrom(g.cfg), Sinks: sinks, Store: g.store, Now: g.clk.now, Start: g.clk.now(), Delivery: g.d})
	g.stop = run(g.t, g.r)
	return g.r
}

// crash stops the router and puts the state back as it was at the moment
// of the crash: what a kill -9 leaves. (The process tests in cmd/flinkslo
// kill a real one.)
func (g *outboxRig) crash(at []byte) {
	g.stop()
	require.NoError(g.t, g.store.Save(context.Background(), at))
}

// observe hands s to the router and waits for a step to take it, so that
// each snapshot is seen at its own time.
func (g *outboxRig) observe(s *fleet.Snapshot) { observe(g.t, g.r, s) }

func observe(t *testing.T, r *Router, s *fleet.Snapshot) {
	t.Helper()
	r.Observe(s)
	require.Eventually(t, func() bool {
		r.in.mu.Lock()
		defer r.in.mu.Unlock()
		return r.in.latest == nil && len(r.in.failures) == 0
	}, 5*time.Second, time.Millisecond)
}

func (g *outboxRig) saved() *stateDoc {
	g.t.Helper()
	b, err := g.store.Load(context.Background())
	require.NoError(g.t, err)
	doc, err := decodeState(b)
	require.NoError(g.t, err)
	return doc
}

func (g *outboxRig) dropped(sink, reason string) float64 {
	return testutil.ToFloat64(g.r.m.dropped.WithLabelValues(sink, reason))
}

// incidents are three pages and three team notifications.
func incidents(at time.Time) []fleet.Failure {
	var fs []fleet.Failure
	for _, j := range []string{"a", "b", "c"} {
		fs = append(fs, failure("orders", "page-"+j, "platform_code_exception", fleet.Page, at))
		f := failure("checkout", "notify-"+j, "sql_validation_error", fleet.Notify, at)
		fs = append(fs, f)
	}
	return fs
}

func down(fs []fleet.Failure) *fleet.Snapshot {
	s := &fleet.Snapshot{Failures: fs}
	for i := range fs {
		s.Targets = append(s.Targets, snap(unhealthy(fs[i].Namespace, fs[i].Job, &fs[i], fleet.ReasonNotRunning)).Targets...)
	}
	return s
}

func up(fs []fleet.Failure) *fleet.Snapshot {
	s := &fleet.Snapshot{}
	for _, f := range fs {
		s.Targets = append(s.Targets, snap(healthy(f.Namespace, f.Job)).Targets...)
	}
	return s
}

// pdHistory is each dedup key's event actions, in arrival order.
func (g *outboxRig) pdHistory() map[string][]string {
	out := map[string][]string{}
	for _, e := range g.pd.Events() {
		out[e.DedupKey] = append(out[e.DedupKey], e.Action)
	}
	return out
}

// slackHistory is each incident's posts in arrival order: "post" for a
// top-level message, "reply" for one in its thread, "RESOLVED" for a
// top-level resolve (which must never happen when a trigger was lost).
func (g *outboxRig) slackHistory() map[string][]string {
	out := map[string][]string{}
	threadOf := map[string]string{}
	for _, m := range g.slack.Messages() {
		if m.ThreadTS != "" {
			k := threadOf[m.ThreadTS]
			out[k] = append(out[k], "reply")
			continue
		}
		k, _ := m.Metadata.EventPayload["incident"].(string)
		threadOf[m.TS] = k
		if strings.Contains(m.Text, "resolved") {
			out[k] = append(out[k], "RESOLVED")
		} else {
			out[k] = append(out[k], "post")
		}
	}
	return out
}

func (g *outboxRig) waitSaved(what string, cond func(*stateDoc) bool) []byte {
	g.t.Helper()
	var b []byte
	require.Eventually(g.t, func() bool {
		var err error
		if b, err = g.store.Load(context.Background()); err != nil || b == nil {
			return false
		}
		doc, err := decodeState(b)
		return err == nil && cond(doc)
	}, 10*time.Second, 5*time.Millisecond, what)
	return b
}

func TestCrashDuringAnOutageLosesNothing(t *testing.T) {
	g := newOutboxRig(t, FileStore{Path: filepath.Join(t.TempDir(), "state.json.incidents")})
	g.pd.Down(pdfake.Fault{Status: 500})
	g.slack.Down(slackfake.Fault{Status: 500})
	g.start()
	fs := incidents(t0)
	g.r.Observe(down(fs))

	// Both sinks fail every attempt; the state lists every notification
	// as undelivered: 3 pages to PagerDuty and the platform channel, 3
	// team notifications.
	crashed := g.waitSaved("the outbox holds all six", func(d *stateDoc) bool { return len(d.Outbox) == 6 })
	require.Eventually(t, func() bool { return g.pd.Requests() >= 3 && g.slack.Requests() >= 6 }, 5*time.Second, 5*time.Millisecond,
		"every notification was attempted")
	g.crash(crashed)

	// Restarted, with the sinks back: each incident is delivered once.
	g.pd.Up()
	g.slack.Up()
	g.clk.add(time.Minute)
	g.start()
	g.r.Observe(down(fs)) // the lookback replays the failures
	require.Eventually(t, func() bool { return len(g.pd.Events()) == 3 && len(g.slack.Messages()) == 6 }, 10*time.Second, 5*time.Millisecond)

	// They recover: each is resolved where it was triggered, after it.
	for range 7 {
		g.clk.add(time.Minute)
		g.observe(up(fs))
	}
	require.Eventually(t, func() bool { return len(g.pd.Events()) == 6 && len(g.slack.Messages()) == 12 }, 10*time.Second, 5*time.Millisecond)
	g.stop()
	for _, f := range fs {
		k := keyOf(f).String()
		require.Equal(t, []string{"post", "reply"}, g.slackHistory()[k], "%s in Slack", k)
		if f.Decision.Route == fleet.Page {
			require.Equal(t, []string{"trigger", "resolve"}, g.pdHistory()[keyOf(f).DedupKey()], "%s in PagerDuty", k)
		}
	}
	for _, reason := range dropReasons {
		require.Zero(t, g.dropped(SinkSlack, reason), reason)
		require.Zero(t, g.dropped(SinkPagerDuty, reason), reason)
	}
	require.Empty(t, g.saved().Outbox)
}

func TestResolvedDuringTheOutage(t *testing.T) {
	g := newOutboxRig(t, FileStore{Path: filepath.Join(t.TempDir(), "state.json.incidents")})
	g.pd.Down(pdfake.Fault{Status: 500})
	g.slack.Down(slackfake.Fault{Status: 500})
	g.start()
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	g.r.Observe(down([]fleet.Failure{f}))
	g.waitSaved("the trigger is in the outbox", func(d *stateDoc) bool { return len(d.Outbox) == 1 })

	// The job recovers before either receiver does, and flinkslo is
	// killed with the resolve undelivered too.
	for range 6 {
		g.clk.add(time.Minute)
		g.observe(up([]fleet.Failure{f}))
	}
	crashed := g.waitSaved("the resolve is in the outbox", func(d *stateDoc) bool {
		return len(d.Outbox) == 2 && d.Outbox[1].Action == incident.Resolve
	})
	// The trigger may have been in flight as the job recovered: that
	// attempt fails, and then both go.
	require.Eventually(t, func() bool { return g.dropped(SinkPagerDuty, dropResolved) == 2 }, 10*time.Second, 5*time.Millisecond,
		"PagerDuty is not paged for a resolved incident: neither trigger nor resolve")
	g.crash(crashed)
	g.pd.Up()
	g.slack.Up()
	g.start()
	require.Eventually(t, func() bool { return len(g.slack.Messages()) == 2 }, 10*time.Second, 5*time.Millisecond, "%v", g.slackHistory())
	g.stop()
	require.Equal(t, []string{"post", "reply"}, g.slackHistory()[keyOf(f).String()],
		"the platform channel gets the page, then its recovery in the thread")
	require.Empty(t, g.pd.Events())
}

func TestNoResolveForATriggerThatNeverArrived(t *testing.T) {
	g := newOutboxRig(t, nil)
	g.pd.Inject(pdfake.Fault{Status: 400})
	g.slack.Inject(slackfake.Fault{SlackError: "channel_not_found"})
	g.start()
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	g.r.Observe(down([]fleet.Failure{f}))
	require.Eventually(t, func() bool {
		return g.dropped(SinkPagerDuty, dropRejected) == 1 && g.dropped(SinkSlack, dropRejected) == 1
	}, 5*time.Second, 5*time.Millisecond)
	for range 6 {
		g.clk.add(time.Minute)
		g.observe(up([]fleet.Failure{f}))
	}
	require.Eventually(t, func() bool {
		return g.dropped(SinkPagerDuty, dropResolved) == 1 && g.dropped(SinkSlack, dropResolved) == 1
	}, 5*time.Second, 5*time.Millisecond, "the resolves are not sent")
	require.Empty(t, g.pd.Events(), "PagerDuty never saw the trigger, so it gets no resolve")
	require.Empty(t, g.slack.Messages(), "and Slack no top-level RESOLVED")
}

func TestUnreadableStateIsSetAside(t *testing.T) {
	valid, err := os.ReadFile("testdata/state-v2.json")
	require.NoError(t, err)
	for _, tc := range []struct{ name, content string }{
		{"garbage", "\x00\x01not json"},
		{"truncated", string(valid[:len(valid)/2])},
		{"a newer version", `{"version":3,"incidents":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json.incidents")
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
			g := newOutboxRig(t, FileStore{Path: path})
			g.start()
			f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
			g.r.Observe(down([]fleet.Failure{f}))
			require.Eventually(t, func() bool { return len(g.pd.Events()) == 1 }, 5*time.Second, 5*time.Millisecond, "flinkslo runs on")
			g.stop()
			require.Equal(t, 1.0, testutil.ToFloat64(g.r.m.stateErrors.WithLabelValues("load")))
			aside, err := filepath.Glob(path + ".corrupt-*")
			require.NoError(t, err)
			require.Len(t, aside, 1, "the unreadable state is kept aside")
			b, err := os.ReadFile(aside[0])
			require.NoError(t, err)
			require.Equal(t, tc.content, string(b))
			require.Len(t, g.saved().Incidents, 1, "and a new one written")
		})
	}
}

func TestVersion1StateIsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json.incidents")
	v1, err := os.ReadFile("testdata/state-v1.json")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, v1, 0o600))
	g := newOutboxRig(t, FileStore{Path: path})
	g.clk.set(time.Date(2025, 3, 1, 10, 10, 0, 0, time.UTC))
	g.start()
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	for range 6 {
		g.clk.add(time.Minute)
		g.observe(up([]fleet.Failure{f}))
	}
	require.Eventually(t, func() bool { return len(g.pd.Events()) == 1 && len(g.slack.Messages()) == 1 }, 5*time.Second, 5*time.Millisecond)
	g.stop()
	require.Equal(t, "resolve", g.pd.Events()[0].Action, "what the earlier build triggered, this one resolves")
	require.Equal(t, "1700000000.000001", g.slack.Messages()[0].ThreadTS, "in the thread it started")
	require.Zero(t, testutil.ToFloat64(g.r.m.stateErrors.WithLabelValues("load")))
}

// limited is a store that holds at most limit bytes, as a Lease does.
type limited struct {
	FileStore
	limit int
}

func (l limited) Limit() int { return l.limit }

func (l limited) Save(ctx context.Context, b []byte) error {
	if len(b) > l.limit {
		return fmt.Errorf("%d bytes over the limit", len(b))
	}
	return l.FileStore.Save(ctx, b)
}

func TestStateStaysWithinTheStoresLimit(t *testing.T) {
	store := limited{FileStore: FileStore{Path: filepath.Join(t.TempDir(), "state")}, limit: 32 << 10}
	g := newOutboxRig(t, store)
	g.cfg.Alerting.GroupWindow = durationOf(time.Minute)
	g.slack.Down(slackfake.Fault{Status: 500})
	g.pd.Down(pdfake.Fault{Status: 500})
	g.start()
	var fs []fleet.Failure
	for i := range 20 {
		fs = append(fs, failure("orders", fmt.Sprintf("job-%02d", i), "platform_code_exception", fleet.Page, t0))
	}
	g.r.Observe(down(fs))
	// Repeats pile up behind the triggers…
	for m := 1; m <= 5; m++ {
		at := t0.Add(time.Duration(m) * time.Minute)
		g.clk.set(at)
		var again []fleet.Failure
		for _, f := range fs {
			f.Time = at
			again = append(again, f)
		}
		g.observe(down(again))
	}
	// …until the state would not fit: the repeats are left out, and every
	// trigger kept, up to the last save.
	g.stop()
	require.Positive(t, testutil.ToFloat64(g.r.m.stateErrors.WithLabelValues("save")))
	b, err := store.Load(context.Background())
	require.NoError(t, err)
	require.LessOrEqual(t, len(b), store.limit)
	doc, err := decodeState(b)
	require.NoError(t, err)
	triggers := 0
	for _, r := range doc.Outbox {
		if r.Action == incident.Trigger {
			triggers++
		}
	}
	require.Equal(t, 20, triggers, "every undelivered trigger is kept")
	require.Less(t, len(doc.Outbox), 20*6, "some repeats were left out")
}

func TestUndeliveredNotificationsExpireAcrossRestarts(t *testing.T) {
	g := newOutboxRig(t, FileStore{Path: filepath.Join(t.TempDir(), "state")})
	g.d.MaxAge = 300 * time.Millisecond
	g.slack.Down(slackfake.Fault{Status: 500})
	g.pd.Down(pdfake.Fault{Status: 500})
	g.start()
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	g.r.Observe(down([]fleet.Failure{f}))
	crashed := g.waitSaved("in the outbox", func(d *stateDoc) bool { return len(d.Outbox) == 1 })
	g.crash(crashed)
	time.Sleep(400 * time.Millisecond) // down for longer than MaxAge
	g.slack.Up()
	g.pd.Up()
	g.start()
	require.Eventually(t, func() bool {
		return g.dropped(SinkPagerDuty, dropExpired) == 1 && g.dropped(SinkSlack, dropExpired) == 1
	}, 5*time.Second, 5*time.Millisecond)
	require.Empty(t, g.pd.Events())
}

// idle: no attempt of r is in flight.
func idle(r *Router) bool {
	for _, q := range r.queues {
		q.mu.Lock()
		for _, l := range q.lanes {
			if l.inFlight > 0 {
				q.mu.Unlock()
				return false
			}
		}
		q.mu.Unlock()
	}
	return true
}

// memStore is a Lease in memory: only the leader's saves are kept.
type memStore struct {
	mu     sync.Mutex
	b      []byte
	leader func() bool
}

func (s *memStore) Load(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b, nil
}

func (s *memStore) Save(_ context.Context, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.leader() {
		s.b = b
	}
	return nil
}

func TestANewLeaderDeliversWhatTheOldOneCouldNot(t *testing.T) {
	pd, sl := pdfake.New(), slackfake.New()
	defer pd.Close()
	defer sl.Close()
	cfg := testConfig()
	cfg.Alerting.PagerDuty.EventsURL = pd.URL()
	cfg.Alerting.Slack = config.SlackConnection{TokenEnv: "SLACK_TOKEN", APIURL: sl.APIURL()}
	env := map[string]string{"PD_KEY": testRoutingKey, "SLACK_TOKEN": testSlackToken}
	var holder sync.Mutex
	leader := "a"
	leads := func(id string) func() bool {
		return func() bool { holder.Lock(); defer holder.Unlock(); return leader == id }
	}
	replica := func(id string, store StateStore) *Router {
		sinks, err := BuildSinks(ConfigFrom(cfg), SinkOptions{Getenv: func(k string) string { return env[k] }})
		require.NoError(t, err)
		r := newRouter(t, Options{Config: ConfigFrom(cfg), Sinks: sinks, Store: store, Leader: leaderFunc(leads(id)), Now: newClock(t0).now, Start: t0})
		run(t, r)
		return r
	}
	lease := &memStore{leader: func() bool { return true }}
	pd.Down(pdfake.Fault{Status: 503})
	sl.Down(slackfake.Fault{Status: 503})
	a, b := replica("a", lease), replica("b", lease)
	fs := incidents(t0)
	a.Observe(down(fs))
	b.Observe(down(fs))
	require.Eventually(t, func() bool {
		b, _ := lease.Load(context.Background())
		doc, err := decodeState(b)
		return err == nil && len(doc.Outbox) == 6
	}, 5*time.Second, 5*time.Millisecond)

	// b takes the Lease; a stops sending.
	holder.Lock()
	leader = "b"
	holder.Unlock()
	require.Eventually(t, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return !a.leading
	}, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { return idle(a) }, 5*time.Second, time.Millisecond,
		"the attempts a had in flight end (an old leader's request in flight at a failover may still arrive: PagerDuty folds it, Slack finds it)")
	pd.Up()
	sl.Up()
	require.Eventually(t, func() bool { return len(pd.Events()) == 3 && len(sl.Messages()) == 6 }, 10*time.Second, 5*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	require.Len(t, pd.Events(), 3, "delivered once, by the new leader")
	require.Len(t, sl.Messages(), 6)
}
