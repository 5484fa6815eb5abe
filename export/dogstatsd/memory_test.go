package dogstatsd

import (
	"math"
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
	tgt := &fleet.TargetStatus{Target: fleet.Target{Deployment: "d", Namespace: "n"}}
	for _, tc := range []struct {
		name  string
		away  time.Duration
		wantN int64
	}{
		{"back within the retention", 30 * time.Minute, 4},
		{"back after the retention", 2 * time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemory()
			m.job(tgt, &fleet.JobStatus{Name: "j", Restarts: 1}, fleetNow)
			back := fleetNow.Add(tc.away)
			m.forget(back.Add(-time.Hour))
			jm, _ := m.job(tgt, &fleet.JobStatus{Name: "j", Restarts: 5}, back)
			if got := jm.restarts.delta(5); got != tc.wantN {
				t.Errorf("restarts counted on return = %d, want %d", got, tc.wantN)
			}
		})
	}
}
