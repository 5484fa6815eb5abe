package dogstatsd

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// TestCounterDelta: counts sent add up to the counter's growth, never go
// negative and never send a fraction twice.
func TestCounterDelta(t *testing.T) {
	for _, tc := range []struct {
		name   string
		base   float64
		values []float64
		want   []int64
	}{
		{"increments", 10, []float64{10, 13, 13, 20}, []int64{0, 3, 0, 7}},
		{"a fraction waits for the rest", 0, []float64{0.5, 1.2, 2}, []int64{0, 1, 1}},
		{"a drop moves the base down and sends nothing", 10, []float64{4, 6}, []int64{0, 2}},
		{"NaN is ignored", 1, []float64{math.NaN(), 3}, []int64{0, 2}},
		{"infinity is ignored", 1, []float64{math.Inf(1), 3}, []int64{0, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := counter{base: tc.base}
			for i, v := range tc.values {
				if got := c.delta(v); got != tc.want[i] {
					t.Errorf("delta(%v) #%d = %d, want %d", v, i, got, tc.want[i])
				}
			}
		})
	}
}

// TestForgetKeepsFlappingJobs: a job absent for less than the retention
// keeps its baseline, so the restarts made while it was away are counted
// when it returns; after the retention it is a first sight again.
func TestForgetKeepsFlappingJobs(t *testing.T) {
	snap := func(restarts float64) *fleet.Snapshot {
		return &fleet.Snapshot{Targets: []fleet.TargetStatus{{
			Target: fleet.Target{Deployment: "d", Namespace: "n"}, Up: true,
			Jobs: []fleet.JobStatus{{Name: "j", ID: "a1", Restarts: restarts}},
		}}}
	}
	for _, tc := range []struct {
		name  string
		away  time.Duration
		wantN int64
	}{
		{"back within the retention", 30 * time.Minute, 4},
		{"back after the retention", 2 * time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := fleetNow
			e, _ := newEmitterCfg(t, testConfig(closedUDPPort(t), false), func() time.Time { return now })
			e.emit(discard{}, snap(1))
			now = now.Add(tc.away)
			e.emit(discard{}, &fleet.Snapshot{}) // the job is away; forget runs
			var got restartCounts
			e.emit(&got, snap(5))
			if got.n != tc.wantN {
				t.Errorf("restarts counted on return = %d, want %d", got.n, tc.wantN)
			}
		})
	}
}

// restartCounts adds up the job.restarts counts sent.
type restartCounts struct {
	discard
	n int64
}

func (r *restartCounts) Count(name string, v int64, _ []string, _ float64) error {
	if name == "job.restarts" {
		r.n += v
	}
	return nil
}

// A job that changes team ends its state and reason series under the old
// team (sent as 0) and starts them under the new one.
func TestTeamChangeEndsOldSeries(t *testing.T) {
	snap := func(team string) *fleet.Snapshot {
		return &fleet.Snapshot{Targets: []fleet.TargetStatus{{
			Target: fleet.Target{Deployment: "d", Namespace: "n", Owner: fleet.Owner{Team: team}}, Up: true,
			Jobs: []fleet.JobStatus{{Name: "j", ID: "a1", State: fleet.StateRunning, Expected: true, Reasons: []fleet.Reason{fleet.ReasonKafkaLagging}}},
		}}}
	}
	e, _ := newEmitterCfg(t, testConfig(closedUDPPort(t), false), func() time.Time { return fleetNow })
	e.emit(discard{}, snap("old"))
	var got gauges
	e.emit(&got, snap("new"))
	for _, want := range []string{
		"job.state 0 team:old state:running", "job.state 1 team:new state:running",
		"job.unhealthy_reason 0 team:old reason:kafka_lagging explained:false", "job.unhealthy_reason 1 team:new reason:kafka_lagging explained:false",
	} {
		if !slices.Contains(got.lines, want) {
			t.Errorf("%q not sent; sent:\n%s", want, strings.Join(got.lines, "\n"))
		}
	}
}

// gauges records the gauges sent as "name value team:… tags…", the tags
// after the job's.
type gauges struct {
	discard
	lines []string
}

func (g *gauges) Gauge(name string, v float64, tags []string, _ float64) error {
	if len(tags) > 4 {
		g.lines = append(g.lines, fmt.Sprintf("%s %g %s %s", name, v, tags[2], strings.Join(tags[4:], " ")))
	}
	return nil
}

// A reason another reason of the job comes to explain (the lagging job
// becomes stuck) changes its explained tag: the series explained:false
// ends with its one 0, so a Datadog monitor filtering explained:false
// recovers, and the reason goes on as explained:true; when the explaining
// reason ends, the reverse.
func TestExplainedChangeEndsOldSeries(t *testing.T) {
	lagging, stuck := fleet.ReasonKafkaLagging, fleet.ReasonNoProgress
	snap := func(rs ...fleet.Reason) *fleet.Snapshot {
		return &fleet.Snapshot{Targets: []fleet.TargetStatus{{
			Target: fleet.Target{Deployment: "d", Namespace: "n", Owner: fleet.Owner{Team: "t"}}, Up: true,
			Jobs: []fleet.JobStatus{{Name: "j", ID: "a1", State: fleet.StateRunning, Expected: true, Reasons: rs}},
		}}}
	}
	e, _ := newEmitterCfg(t, testConfig(closedUDPPort(t), false), func() time.Time { return fleetNow })
	for _, step := range []struct {
		name    string
		reasons []fleet.Reason
		want    []string
	}{
		{"lagging", []fleet.Reason{lagging}, []string{
			"job.unhealthy_reason 1 team:t reason:kafka_lagging explained:false",
		}},
		{"becomes stuck", []fleet.Reason{lagging, stuck}, []string{
			"job.unhealthy_reason 0 team:t reason:kafka_lagging explained:false",
			"job.unhealthy_reason 1 team:t reason:kafka_lagging explained:true",
			"job.unhealthy_reason 1 team:t reason:no_progress explained:false",
		}},
		{"stays stuck", []fleet.Reason{lagging, stuck}, []string{
			"job.unhealthy_reason 1 team:t reason:kafka_lagging explained:true",
			"job.unhealthy_reason 1 team:t reason:no_progress explained:false",
		}},
		{"moves again", []fleet.Reason{lagging}, []string{
			"job.unhealthy_reason 0 team:t reason:kafka_lagging explained:true",
			"job.unhealthy_reason 1 team:t reason:kafka_lagging explained:false",
			"job.unhealthy_reason 0 team:t reason:no_progress explained:false",
		}},
	} {
		var got gauges
		e.emit(&got, snap(step.reasons...))
		var reasons []string
		for _, l := range got.lines {
			if strings.HasPrefix(l, "job.unhealthy_reason ") {
				reasons = append(reasons, l)
			}
		}
		slices.Sort(reasons)
		slices.Sort(step.want)
		if !slices.Equal(reasons, step.want) {
			t.Errorf("%s: sent\n%s\nwant\n%s", step.name, strings.Join(reasons, "\n"), strings.Join(step.want, "\n"))
		}
	}
}
