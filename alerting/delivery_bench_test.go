package alerting

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/flinkslo/flinkslo/alerting/slack"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/slackfake"
)

// BenchmarkSlackDeliveryPerChannel is the fleet: 1,000 incidents
// over ten scrape cycles, 800 of them for 50 team channels (16 each) and
// 200 for the platform channel, through the real Slack sink to slackfake.
// It reports, per post, the time from the scrape that saw the failure to
// the post arriving, and how far each post is over its target: two scrape
// intervals plus what its channel's own backlog costs at Slack's rate
// (computed by pacing the channel's arrivals through a token bucket of
// that rate and burst, as a perfect per-channel queue would).
//
// Time runs for real, scaled down: the sink is paced at 10 posts a second
// per channel and the scrape interval is 1.5 s, standing for 1/s and 15 s;
// every figure is reported scaled back (×10). Real time rather than a fake
// clock because what is measured is the queues' own timers, rate limiters
// and goroutines, which a fake clock would replace. (A request to slackfake
// costs a few milliseconds, which the scale multiplies: the figures are
// pessimistic.)
func BenchmarkSlackDeliveryPerChannel(b *testing.B) {
	const (
		scale    = 10
		interval = 15 * time.Second / scale
		perSec   = 1 * scale
		burst    = 3
		teams    = 50
		cycles   = 10
		perCycle = 100 // 80 notify, 20 monitor
	)
	for b.Loop() {
		sl := slackfake.New()
		sink, err := slack.New(slack.Options{Token: config.NewSecret("xoxb-bench"), APIURL: sl.APIURL(), PerChannel: perSec, Burst: burst})
		if err != nil {
			b.Fatal(err)
		}
		cfg := testConfig()
		cfg.Alerting.QueueSize = 1000
		for i := range teams {
			cfg.Teams[fmt.Sprintf("team-%02d", i)] = config.Team{SlackChannel: fmt.Sprintf("#team-%02d", i)}
		}
		r, err := New(Options{Config: ConfigFrom(cfg), Sinks: map[string]Sink{SinkSlack: sink}, Tick: 50 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = r.Run(ctx) }()

		seen := map[string]time.Time{} // namespace/deployment → the scrape that saw it fail
		n := 0
		for c := range cycles {
			var fs []fleet.Failure
			for i := range perCycle {
				n++
				job := fmt.Sprintf("job-%04d", n)
				f := failure(fmt.Sprintf("team-%02d", n%teams), job, "sql_validation_error", fleet.Notify, time.Now())
				if i%5 == 0 {
					f = failure("platform", job, "tm_heartbeat_timeout", fleet.Monitor, time.Now())
				}
				fs = append(fs, f)
			}
			now := time.Now()
			for _, f := range fs {
				seen[f.Namespace+"/"+f.Deployment] = now
			}
			r.Observe(withFailures(fs...))
			if c < cycles-1 {
				time.Sleep(interval)
			}
		}
		for deadline := time.Now().Add(5 * time.Minute); len(sl.Messages()) < n && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		sl.Close()
		if got := len(sl.Messages()); got != n {
			b.Fatalf("%d posts, want %d", got, n)
		}
		reportDelivery(b, sl.Messages(), seen, scale, 2*interval, rate.Limit(perSec), burst)
	}
}

// reportDelivery computes the latencies and the excess over target, per
// channel class, in unscaled seconds.
func reportDelivery(b *testing.B, msgs []slackfake.Message, seen map[string]time.Time, scale int, slack time.Duration, lim rate.Limit, burst int) {
	type post struct{ arrived, posted time.Time }
	byChannel := map[string][]post{}
	for _, m := range msgs {
		target := strings.Fields(strings.SplitN(m.Text, ": ", 2)[1])[0] // "NOTIFY: team-01/job-0001 category: …"
		at, ok := seen[target]
		if !ok {
			b.Fatalf("post for %s, which never failed: %q", target, m.Text)
		}
		byChannel[m.Channel] = append(byChannel[m.Channel], post{at, m.At})
	}
	var team, platform, teamOver, platformOver []float64
	over := 0
	for ch, ps := range byChannel {
		sort.Slice(ps, func(i, j int) bool { return ps[i].arrived.Before(ps[j].arrived) })
		tb := rate.NewLimiter(lim, burst)
		for _, p := range ps {
			ideal := p.arrived.Add(tb.ReserveN(p.arrived, 1).DelayFrom(p.arrived)) // a perfect per-channel queue
			lat := p.posted.Sub(p.arrived).Seconds() * float64(scale)
			excess := (p.posted.Sub(ideal) - slack).Seconds() * float64(scale)
			if excess > 0 {
				over++
			}
			if ch == "#flink-platform" {
				platform, platformOver = append(platform, lat), append(platformOver, excess)
			} else {
				team, teamOver = append(team, lat), append(teamOver, excess)
			}
		}
	}
	b.ReportMetric(quantile(team, 0.5), "team-p50-s")
	b.ReportMetric(quantile(team, 0.95), "team-p95-s")
	b.ReportMetric(quantile(team, 1), "team-max-s")
	b.ReportMetric(quantile(platform, 0.5), "platform-p50-s")
	b.ReportMetric(quantile(platform, 0.95), "platform-p95-s")
	b.ReportMetric(quantile(platform, 1), "platform-max-s")
	b.ReportMetric(quantile(append(teamOver, platformOver...), 0.95), "p95-over-target-s")
	b.ReportMetric(float64(over), "posts-over-target")
}

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[min(int(q*float64(len(s)-1)+0.5), len(s)-1)]
}
