package alerting

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// fanSink stands for Alertmanager: every notification goes to each of its
// destinations (an HA pair), and an open incident is re-posted every
// interval. A destination that is down fails every attempt.
type fanSink struct {
	dests []string
	every time.Duration

	mu   sync.Mutex
	down map[string]bool
	got  map[string][]string // per destination: "action key", in order
}

func newFanSink(every time.Duration, dests ...string) *fanSink {
	return &fanSink{dests: dests, every: every, down: map[string]bool{}, got: map[string][]string{}}
}

func (s *fanSink) Accepts(a incident.Action) bool { return a != incident.Occurrence }
func (s *fanSink) Fanout() []string               { return s.dests }
func (s *fanSink) Pacing(string) incident.Pacing  { return incident.Pacing{InFlight: 1} }
func (s *fanSink) RefreshInterval() time.Duration { return s.every }

func (s *fanSink) Send(_ context.Context, n incident.Notification) (incident.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down[n.Lane] {
		s.got[n.Lane] = append(s.got[n.Lane], "failed "+string(n.Action))
		return incident.Receipt{}, errors.New("connection refused")
	}
	s.got[n.Lane] = append(s.got[n.Lane], string(n.Action)+" "+n.Key.String())
	return incident.Receipt{}, nil
}

func (s *fanSink) setDown(dest string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[dest] = down
}

// at is what dest received, failed attempts left out unless all is set.
func (s *fanSink) at(dest string, all bool) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, g := range s.got[dest] {
		if all || len(g) < 7 || g[:7] != "failed " {
			out = append(out, g)
		}
	}
	return out
}

func alertmanagerConfig() *config.Config {
	cfg := testConfig()
	cfg.Alerting.Page = config.Route{Alertmanager: &config.AlertmanagerRoute{}}
	cfg.Alerting.Notify = config.Route{Alertmanager: &config.AlertmanagerRoute{}}
	return cfg
}

const pageKey = "orders/enrich/enrich/platform_code_exception"

// TestFanoutEachDestinationOnItsOwn: with two Alertmanagers, one that is
// down holds up nothing at the other, and gets what it missed, in order,
// once it is back; each counts as a delivery of its own.
func TestFanoutEachDestinationOnItsOwn(t *testing.T) {
	clk := newClock(t0)
	am := newFanSink(0, "am-0", "am-1")
	am.setDown("am-1", true)
	d := fastDelivery()
	d.MaxAge = time.Hour
	r := newRouter(t, Options{Config: ConfigFrom(alertmanagerConfig()), Sinks: map[string]Sink{SinkAlertmanager: am}, Now: clk.now, Start: t0, Delivery: d})
	run(t, r)
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	observe(t, r, &fleet.Snapshot{Failures: []fleet.Failure{f}, Targets: snap(unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)).Targets})
	require.Eventually(t, func() bool { return len(am.at("am-0", false)) == 1 && len(am.at("am-1", true)) >= 2 }, 5*time.Second, time.Millisecond,
		"am-0 has the trigger while am-1 fails and is retried")

	for range 6 {
		clk.add(time.Minute)
		observe(t, r, snap(healthy("orders", "enrich")))
	}
	require.Eventually(t, func() bool { return len(am.at("am-0", false)) == 2 }, 5*time.Second, time.Millisecond)
	require.Equal(t, []string{"trigger " + pageKey, "resolve " + pageKey}, am.at("am-0", false))
	require.Empty(t, am.at("am-1", false), "am-1 is down")

	am.setDown("am-1", false)
	require.Eventually(t, func() bool { return len(am.at("am-1", false)) == 2 }, 5*time.Second, time.Millisecond)
	require.Equal(t, []string{"trigger " + pageKey, "resolve " + pageKey}, am.at("am-1", false), "the resolve follows its trigger")
	require.Equal(t, 4.0, testutil.ToFloat64(r.m.notifications.WithLabelValues("page", SinkAlertmanager, resultSent)), "each destination's delivery counts")
}

// TestFanoutResolveOnlyWhereTheTriggerArrived: a destination whose trigger
// ran out of time never hears of the incident, so it gets no resolve.
func TestFanoutResolveOnlyWhereTheTriggerArrived(t *testing.T) {
	clk := newClock(t0)
	am := newFanSink(0, "am-0", "am-1")
	am.setDown("am-1", true)
	d := fastDelivery()
	d.MaxAge = 300 * time.Millisecond
	r := newRouter(t, Options{Config: ConfigFrom(alertmanagerConfig()), Sinks: map[string]Sink{SinkAlertmanager: am}, Now: clk.now, Start: t0, Delivery: d})
	run(t, r)
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	observe(t, r, &fleet.Snapshot{Failures: []fleet.Failure{f}, Targets: snap(unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)).Targets})
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(r.m.dropped.WithLabelValues(SinkAlertmanager, dropRetriesExhausted)) == 1
	}, 5*time.Second, time.Millisecond, "am-1's trigger runs out of time")
	am.setDown("am-1", false)
	for range 6 {
		clk.add(time.Minute)
		observe(t, r, snap(healthy("orders", "enrich")))
	}
	require.Eventually(t, func() bool { return len(am.at("am-0", false)) == 2 }, 5*time.Second, time.Millisecond)
	require.Empty(t, am.at("am-1", false), "no resolve as am-1's first news")
	require.Equal(t, 1.0, testutil.ToFloat64(r.m.dropped.WithLabelValues(SinkAlertmanager, dropResolved)))
}

// TestRefreshWhileOpen: an open incident is re-posted to each destination
// every interval, outside the outbox and the notification counts; a
// destination that is busy retrying the incident's trigger gets no
// re-post on top; a failed re-post is not retried; a resolved incident is
// not re-posted.
func TestRefreshWhileOpen(t *testing.T) {
	clk := newClock(t0)
	am := newFanSink(time.Minute, "am-0", "am-1")
	am.setDown("am-1", true)
	d := fastDelivery()
	d.MaxAge = time.Hour
	r := newRouter(t, Options{Config: ConfigFrom(alertmanagerConfig()), Sinks: map[string]Sink{SinkAlertmanager: am}, Now: clk.now, Start: t0, Delivery: d})
	run(t, r)
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	failing := &fleet.Snapshot{Failures: []fleet.Failure{f}, Targets: snap(unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)).Targets}
	observe(t, r, failing)
	require.Eventually(t, func() bool { return len(am.at("am-0", false)) == 1 }, 5*time.Second, time.Millisecond)

	clk.add(30 * time.Second)
	observe(t, r, snap(unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)))
	require.Len(t, am.at("am-0", false), 1, "not due yet")
	for i := range 3 {
		clk.add(time.Minute)
		observe(t, r, snap(unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)))
		require.Eventually(t, func() bool { return len(am.at("am-0", false)) == 2+i }, 5*time.Second, time.Millisecond, "re-post %d", i+1)
	}
	require.Equal(t, []string{"trigger " + pageKey, "refresh " + pageKey, "refresh " + pageKey, "refresh " + pageKey}, am.at("am-0", false))
	for _, g := range am.at("am-1", true) {
		require.Equal(t, "failed trigger", g, "am-1 retries its trigger, with no re-post on top")
	}
	r.mu.Lock()
	var kept []incident.Action
	for _, e := range r.outbox {
		kept = append(kept, e.n.Action)
	}
	r.mu.Unlock()
	require.Equal(t, []incident.Action{incident.Trigger}, kept, "only am-1's trigger is in the outbox: re-posts are not")
	require.Equal(t, 1.0, testutil.ToFloat64(r.m.notifications.WithLabelValues("page", SinkAlertmanager, resultSent)), "only the trigger is a notification")
	require.Equal(t, 3.0, testutil.ToFloat64(r.m.refreshes.WithLabelValues(SinkAlertmanager, refreshSent)))

	// am-1 gets its trigger; am-0 goes down: its next re-post fails once,
	// and is not retried.
	am.setDown("am-1", false)
	require.Eventually(t, func() bool { return len(am.at("am-1", false)) == 1 }, 5*time.Second, time.Millisecond)
	am.setDown("am-0", true)
	clk.add(time.Minute)
	observe(t, r, snap(unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)))
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(r.m.refreshes.WithLabelValues(SinkAlertmanager, refreshFailed)) == 1
	}, 5*time.Second, time.Millisecond)
	time.Sleep(100 * time.Millisecond) // backoff is 10–50ms: a retry would be there by now
	require.Equal(t, []string{"failed refresh"}, am.at("am-0", true)[4:], "one attempt")
	am.setDown("am-0", false)

	for range 6 {
		clk.add(time.Minute)
		observe(t, r, snap(healthy("orders", "enrich")))
	}
	require.Eventually(t, func() bool { return slices.Contains(am.at("am-0", false), "resolve "+pageKey) }, 5*time.Second, time.Millisecond)
	n := len(am.at("am-0", false))
	for range 3 {
		clk.add(time.Minute)
		observe(t, r, snap(healthy("orders", "enrich")))
	}
	require.Len(t, am.at("am-0", false), n, "nothing after the resolve")
	require.Equal(t, "resolve "+pageKey, am.at("am-0", false)[n-1])
}

// TestFanoutRestoresOnlyWhatIsMissing: after a crash, a notification that
// one destination had and another had not goes to the one that had not.
func TestFanoutRestoresOnlyWhatIsMissing(t *testing.T) {
	store := FileStore{Path: filepath.Join(t.TempDir(), "state.json.incidents")}
	clk := newClock(t0)
	am := newFanSink(0, "am-0", "am-1")
	am.setDown("am-1", true)
	d := fastDelivery()
	d.MaxAge = time.Hour
	start := func() (*Router, func()) {
		r := newRouter(t, Options{Config: ConfigFrom(alertmanagerConfig()), Sinks: map[string]Sink{SinkAlertmanager: am}, Store: store, Now: clk.now, Start: t0, Delivery: d})
		return r, run(t, r)
	}
	r, stop := start()
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	observe(t, r, &fleet.Snapshot{Failures: []fleet.Failure{f}, Targets: snap(unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)).Targets})
	require.Eventually(t, func() bool { return len(am.at("am-0", false)) == 1 }, 5*time.Second, time.Millisecond)
	var saved []byte
	require.Eventually(t, func() bool {
		b, err := store.Load(context.Background())
		if err != nil || b == nil {
			return false
		}
		doc, err := decodeState(b)
		if err != nil || len(doc.Outbox) != 1 {
			return false
		}
		saved = b
		return fmt.Sprint(doc.Outbox[0].Lanes) == "map[alertmanager:[am-1]]"
	}, 5*time.Second, time.Millisecond, "the outbox says only am-1 waits")
	stop()
	require.NoError(t, store.Save(context.Background(), saved))

	am.setDown("am-1", false)
	r, _ = start()
	observe(t, r, snap(unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)))
	require.Eventually(t, func() bool { return len(am.at("am-1", false)) == 1 }, 5*time.Second, time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, []string{"trigger " + pageKey}, am.at("am-0", false), "am-0 is not sent its trigger again")
}
