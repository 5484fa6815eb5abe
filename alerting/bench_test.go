package alerting

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

type nopSink struct{}

func (nopSink) Accepts(incident.Action) bool { return true }
func (nopSink) Send(context.Context, incident.Notification) (incident.Receipt, error) {
	return incident.Receipt{}, nil
}

// fleet is 1,000 deployments with 10 classified failures each over three
// categories (a monitor cause that escalates, a user error, a platform
// error), and a snapshot of their health.
func sampleFleet(at time.Time) (*fleet.Snapshot, int) {
	s := &fleet.Snapshot{}
	cats := []struct {
		cat   string
		route fleet.Route
	}{{"checkpoint_expired", fleet.Monitor}, {"sql_validation_error", fleet.Notify}, {"platform_code_exception", fleet.Page}}
	for d := range 1000 {
		job := fmt.Sprintf("job-%04d", d)
		team := fmt.Sprintf("team-%02d", d%40)
		s.Targets = append(s.Targets, snap(unhealthy(team, job, nil, fleet.ReasonNotRunning)).Targets...)
		for i := range 10 {
			c := cats[i%3]
			f := failure(team, job, c.cat, c.route, at.Add(time.Duration(i)*time.Second))
			if i == 9 {
				f.Decision.Route = fleet.Page // the repeated monitor cause escalates
			}
			s.Failures = append(s.Failures, f)
		}
	}
	return s, len(s.Failures)
}

func benchRouter(b *testing.B, now func() time.Time) *Router {
	cfg := testConfig()
	cfg.Alerting.QueueSize = 50000
	cfg.Alerting.Slack.TokenEnv = "T"
	on := true
	cfg.Datadog = nilDatadog(&on)
	r, err := New(Options{Config: ConfigFrom(cfg), Now: now, Start: t0,
		Sinks: map[string]Sink{SinkPagerDuty: nopSink{}, SinkSlack: nopSink{}, SinkDatadog: nopSink{}, SinkConsole: nopSink{}}})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkRoute10kFailures routes 10,000 classified failures across 1,000
// deployments through dedup, grouping, escalation and the sink queues
// (sinks faked, queues not drained), one snapshot per op on a fresh router.
// Target: well under a second per op.
func BenchmarkRoute10kFailures(b *testing.B) {
	s, n := sampleFleet(t0)
	ctx := context.Background()
	now := func() time.Time { return t0.Add(time.Minute) }
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		r := benchRouter(b, now)
		b.StartTimer()
		r.Observe(s)
		r.step(ctx)
	}
	b.ReportMetric(float64(n), "failures/op")
}

// BenchmarkRouteRepeats is the steady state: the incidents are open and the
// failures keep coming, so they are counted into their group windows.
func BenchmarkRouteRepeats(b *testing.B) {
	ctx := context.Background()
	clk := newClock(t0)
	r := benchRouter(b, clk.now)
	first, _ := sampleFleet(t0)
	r.Observe(first)
	r.step(ctx)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		s, _ := sampleFleet(t0.Add(time.Duration(i) * time.Minute))
		b.StartTimer()
		clk.set(t0.Add(time.Duration(i) * time.Minute))
		r.Observe(s)
		r.step(ctx)
		for _, q := range r.queues { // keep the faked queues from filling up
			q.discard()
		}
		r.outbox = map[uint64]*entry{}
	}
}
