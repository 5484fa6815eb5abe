package alerting

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// laneSink has a destination per notification's Team, each paced as
// pacing says.
type laneSink struct{ pacing incident.Pacing }

func (laneSink) Accepts(incident.Action) bool { return true }
func (laneSink) Send(context.Context, incident.Notification) (incident.Receipt, error) {
	return incident.Receipt{}, nil
}
func (laneSink) Destination(n incident.Notification) string { return n.Team }
func (s laneSink) Pacing(string) incident.Pacing            { return s.pacing }

// sched drives a queue's scheduling decisions by hand, on a fake clock:
// step says what starts now, finish what an attempt answered.
type sched struct {
	t     *testing.T
	q     *queue
	clk   *clock
	seq   uint64
	start []*item
}

func newSched(t *testing.T, p incident.Pacing) *sched {
	s := &sched{t: t, clk: newClock(t0)}
	d := fastDelivery()
	d.MaxAge, d.InitialBackoff, d.MaxBackoff = time.Hour, 10*time.Second, 10*time.Second
	s.q = newQueue("x", laneSink{pacing: p}, queueConfig{size: 100, d: d, m: newMetrics(prometheus.NewRegistry(), []string{"x"}, nil),
		log: slog.New(slog.DiscardHandler), now: s.clk.now})
	s.q.hooks = queueHooks{delivered: func(*item, incident.Receipt) {}, dropped: func(*item, string) {}, reached: func(*item) bool { return true }}
	return s
}

// push queues a notification of job's incident for dest, ready.
func (s *sched) push(dest, job string) *item {
	s.seq++
	n := &incident.Notification{Key: incident.Key{JobRef: fleet.JobRef{Namespace: "ns", Deployment: job, Job: job}, Category: "c"},
		Action: incident.Trigger, Route: fleet.Notify, Team: dest}
	it := s.q.push(&entry{id: s.seq, n: n}, dest, s.clk.now(), time.Time{})
	require.NotNil(s.t, it)
	s.q.release([]*item{it})
	return it
}

// step runs the scheduler at the clock's time and returns what started
// and how long until it should look again.
func (s *sched) step() ([]*item, time.Duration) {
	s.start = nil
	wait := s.q.schedule(func(it *item, _ time.Time) { s.start = append(s.start, it) })
	return s.start, wait
}

func TestABusyDestinationHoldsUpNoOther(t *testing.T) {
	s := newSched(t, incident.Pacing{PerSecond: 1, Burst: 1, InFlight: 1})
	busy := []*item{s.push("#flink-platform", "a"), s.push("#flink-platform", "b"), s.push("#flink-platform", "c")}
	idle := s.push("#team-alerts", "d")
	started, _ := s.step()
	require.ElementsMatch(t, []*item{busy[0], idle}, started, "the idle channel does not queue behind the busy one")
	s.q.done(busy[0], incident.Receipt{}, nil)
	s.q.done(idle, incident.Receipt{}, nil)
	started, wait := s.step()
	require.Empty(t, started, "the busy channel is paced to one a second")
	require.InDelta(t, time.Second, wait, float64(10*time.Millisecond))
	s.clk.add(time.Second)
	started, _ = s.step()
	require.Equal(t, []*item{busy[1]}, started)
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		otherHeld bool
	}{
		{"for the destination", incident.RetryAfter(errors.New("429"), 30*time.Second), false},
		{"for every destination (a Slack workspace limit)", incident.RetryAllAfter(errors.New("429"), 30*time.Second), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSched(t, incident.Pacing{InFlight: 1})
			a := s.push("#a", "a")
			s.step()
			s.q.done(a, incident.Receipt{}, tc.err)
			b := s.push("#b", "b")
			a2 := s.push("#a", "a2")
			s.clk.add(time.Second)
			started, wait := s.step()
			if tc.otherHeld {
				require.Empty(t, started, "every channel waits as Slack asked")
				require.InDelta(t, 29*time.Second, wait, float64(10*time.Millisecond))
			} else {
				require.Equal(t, []*item{b}, started, "only the destination that answered 429 waits")
			}
			s.clk.add(30 * time.Second)
			started, _ = s.step()
			require.Contains(t, started, a, "the notification itself is retried after the wait")
			require.NotContains(t, started, a2, "one at a time")
		})
	}
}

func TestAnIncidentGoesInOrderAcrossDestinations(t *testing.T) {
	s := newSched(t, incident.Pacing{InFlight: 4})
	first := s.push("#a", "x")
	second := s.push("#b", "x") // the same incident, another destination
	other := s.push("#b", "y")
	started, _ := s.step()
	require.ElementsMatch(t, []*item{first, other}, started, "an incident's second notification waits for its first")
	s.q.done(first, incident.Receipt{}, nil)
	started, _ = s.step()
	require.Equal(t, []*item{second}, started)
}

func TestBackoffHoldsNoWorker(t *testing.T) {
	s := newSched(t, incident.Pacing{InFlight: 1})
	failing := s.push("#a", "x")
	s.step()
	s.q.done(failing, incident.Receipt{}, errors.New("503"))
	next := s.push("#a", "y")
	started, wait := s.step()
	require.Equal(t, []*item{next}, started, "another incident goes while the first waits out its backoff")
	s.q.done(next, incident.Receipt{}, nil)
	require.Greater(t, wait, time.Duration(0))
	s.clk.add(16 * time.Second)
	started, _ = s.step()
	require.Equal(t, []*item{failing}, started)
}

func TestLaneBoundIsPerDestination(t *testing.T) {
	s := newSched(t, incident.Pacing{InFlight: 1})
	s.q.size = 2
	for i := range 2 {
		s.push("#busy", string(rune('a'+i)))
	}
	e := &entry{id: 99, n: &incident.Notification{Key: incident.Key{JobRef: fleet.JobRef{Deployment: "z"}, Category: "c"}, Team: "#busy"}}
	require.Nil(t, s.q.push(e, "#busy", s.clk.now(), time.Time{}), "the busy channel is full")
	s.push("#idle", "i") // …and the idle one still has room
}
