package kafka

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// The demo's three Flink-like jobs, driven on a fake clock: each reaches
// the status a user expects, and StatusSince says when.
func TestStatusesOfSimulatedJobs(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	start := clk.Now()
	jobs := []kafkafake.Job{
		{Group: "keeps-up", Topic: "a", Partitions: 3, Rate: 30, Checkpoint: 10 * time.Second, Scenario: kafkafake.KeepingUp},
		{Group: "behind", Topic: "b", Partitions: 2, Rate: 40, Checkpoint: 10 * time.Second, Scenario: kafkafake.FallingBehind, ConsumeRatio: 0.5},
		{Group: "stuck", Topic: "c", Partitions: 2, Rate: 20, Checkpoint: 10 * time.Second, Scenario: kafkafake.Stalled, StallAfter: 30 * time.Second},
	}
	sim, err := kafkafake.NewSim(ctx, k, jobs, kafkafake.WithClock(clk.Now))
	must(t, err)
	c := newTestCollector(t, testConfig(k.Brokers()), clk, "keeps-up", "behind", "stuck")

	for s := 0; s <= 150; s++ {
		must(t, sim.Step(ctx))
		if s%5 == 0 {
			must(t, c.Poll(ctx))
		}
		clk.Advance(time.Second)
	}
	tests := []struct {
		group string
		want  fleet.LagStatus
		since time.Duration // after start, at the latest
	}{
		// First commit at 10s; a second observation at 15s.
		{group: "keeps-up", want: fleet.LagStatusOK, since: 15 * time.Second},
		// Lag at commits 20s, 30s, 40s grows: lagging from the third.
		{group: "behind", want: fleet.LagStatusLagging, since: 40 * time.Second},
		// Last commit at 30s; a full window later with records arriving.
		{group: "stuck", want: fleet.LagStatusStalled, since: 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.group, func(t *testing.T) {
			g := mustLag(t, c, tt.group)
			if g.Status != tt.want {
				t.Fatalf("Status = %s, want %s", g.Status, tt.want)
			}
			if got := g.StatusSince.Sub(start); got > tt.since || got <= 0 {
				t.Errorf("StatusSince = start+%s, want within (0, %s]", got, tt.since)
			}
			if !g.Known || g.Records <= 0 && tt.want != fleet.LagStatusOK {
				t.Errorf("Known=%v Records=%d: a %s group shows its lag", g.Known, g.Records, tt.want)
			}
		})
	}
}

// A restore from an older savepoint moves the committed offset back.
func TestStatusRewinding(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 200, clk.Now())
	c := newTestCollector(t, testConfig(k.Brokers()), clk, "g")
	poll := func(commit int64) fleet.LagStatus {
		must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: commit}}))
		must(t, c.Poll(ctx))
		clk.Advance(testPoll)
		return mustLag(t, c, "g").Status
	}
	for i, step := range []struct {
		commit int64
		want   fleet.LagStatus
	}{
		{150, fleet.LagStatusUnknown}, // one observation
		{180, fleet.LagStatusOK},
		{40, fleet.LagStatusRewinding},
		{120, fleet.LagStatusRewinding}, // still short of 180
		{190, fleet.LagStatusOK},        // past where it was
	} {
		if got := poll(step.commit); got != step.want {
			t.Errorf("step %d (commit %d): status %s, want %s", i, step.commit, got, step.want)
		}
	}
}

// The rules on their own, over observations a poll interval apart.
func TestPartitionRules(t *testing.T) {
	type obs struct{ committed, end int64 }
	steady := func(n int, lagAtCommit func(i int) int64) []obs {
		var out []obs
		for i := range n {
			out = append(out, obs{int64(i) * 100, int64(i)*100 + lagAtCommit(i)})
		}
		return out
	}
	tests := []struct {
		name string
		obs  []obs
		want fleet.LagStatus
	}{
		{name: "first observation", obs: []obs{{10, 20}}, want: fleet.LagStatusUnknown},
		{name: "constant lag at commit", obs: steady(8, func(int) int64 { return 50 }), want: fleet.LagStatusOK},
		{name: "growing lag at commit", obs: steady(5, func(i int) int64 { return 10 * int64(i+1) }), want: fleet.LagStatusLagging},
		{name: "growing but caught up once", obs: steady(5, func(i int) int64 { return []int64{10, 20, 0, 30, 40}[i] }), want: fleet.LagStatusOK},
		{name: "two commits are not a trend", obs: steady(3, func(i int) int64 { return 10 * int64(i+1) }), want: fleet.LagStatusOK},
		{name: "frozen with records arriving", obs: []obs{{5, 10}, {5, 20}, {5, 30}, {5, 40}, {5, 50}, {5, 60}, {5, 70}}, want: fleet.LagStatusStalled},
		{name: "frozen for less than the window", obs: []obs{{5, 10}, {5, 20}, {5, 30}}, want: fleet.LagStatusOK},
		{name: "frozen with no new records (transactional phantom lag)", obs: []obs{{5, 6}, {5, 6}, {5, 6}, {5, 6}, {5, 6}, {5, 6}, {5, 6}, {5, 6}}, want: fleet.LagStatusOK},
		{name: "rewound", obs: []obs{{100, 110}, {50, 120}}, want: fleet.LagStatusRewinding},
		{name: "rewound twice, still below the first", obs: []obs{{100, 110}, {50, 120}, {30, 130}, {70, 140}}, want: fleet.LagStatusRewinding},
		{name: "rewound and caught up", obs: []obs{{100, 110}, {50, 120}, {100, 130}}, want: fleet.LagStatusOK},
		{name: "rewind leaves the window", obs: []obs{{100, 110}, {50, 120}, {60, 130}, {70, 140}, {80, 150}, {85, 155}, {90, 160}, {95, 165}}, want: fleet.LagStatusOK},
	}
	const window = time.Minute
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s partState
			var hs histories
			at := time.Unix(1000, 0)
			for i, o := range tt.obs {
				if i > 0 {
					at = at.Add(testPoll)
				}
				s.observe(&hs, at, o.committed, o.end, window)
			}
			if got := s.evaluate(&hs, at, window); got != tt.want {
				t.Errorf("status = %s, want %s", got, tt.want)
			}
		})
	}
}

// The lagging rule kept in O(1) space agrees with the rule applied to
// every lag sample in the window, whatever the sequence of lags and the
// moment it is evaluated.
func TestGrowingMatchesSamples(t *testing.T) {
	type sample struct {
		at  int32
		lag int64
	}
	// reference is the rule over the samples themselves.
	reference := func(samples []sample, since int32) bool {
		var in []sample
		for _, s := range samples {
			if s.at >= since {
				in = append(in, s)
			}
		}
		if len(in) < minLagSamples || in[0].lag == 0 || in[len(in)-1].lag <= in[0].lag {
			return false
		}
		for i := 1; i < len(in); i++ {
			if in[i].lag < in[i-1].lag {
				return false
			}
		}
		return true
	}
	r := rand.New(rand.NewPCG(3, 4))
	for run := range 2000 {
		h := newHistory()
		var samples []sample
		at := int32(0)
		for range 1 + r.IntN(30) {
			at += 1 + r.Int32N(20)
			lag := r.Int64N(4) // few values: many ties, zeros and decreases
			if r.IntN(3) == 0 && len(samples) > 0 {
				lag = samples[len(samples)-1].lag + r.Int64N(3)
			}
			samples = append(samples, sample{at, lag})
			h.addSample(at, lag)
			for since := at - 100; since <= at+1; since += 1 + r.Int32N(7) {
				if got, want := h.growing(since), reference(samples, since); got != want {
					t.Fatalf("run %d: growing(%d) = %v, the samples say %v: %v", run, since, got, want, samples)
				}
			}
		}
	}
}

// A rewind is kept beside its history while the partition is below the
// offset before it, and its block is given back once every partition in
// it caught up or was forgotten.
func TestRewindsGiveBlocksBack(t *testing.T) {
	const window = time.Minute
	var hs histories
	parts := make([]partState, 3)
	at := time.Unix(1000, 0)
	observe := func(committed ...int64) {
		at = at.Add(testPoll)
		for i := range parts {
			parts[i].observe(&hs, at, committed[i], 200, window)
			parts[i].evaluate(&hs, at, window)
		}
	}
	observe(100, 100, 100)
	observe(110, 110, 110)
	observe(50, 60, 110) // the first two rewind
	if hs.rewinds.get(parts[0].hist) == nil || hs.rewinds.get(parts[1].hist) == nil || hs.rewinds.get(parts[2].hist) != nil {
		t.Fatal("rewinds not kept for exactly the partitions that rewound")
	}
	observe(120, 70, 120) // the first caught up
	if hs.rewinds.get(parts[0].hist) != nil {
		t.Error("rewind kept after the partition caught up")
	}
	if got := parts[1].evaluate(&hs, at, window); got != fleet.LagStatusRewinding {
		t.Errorf("status of the partition still behind = %s, want rewinding", got)
	}
	hs.release(parts[1].hist)
	if hs.rewinds.blocks[0] != nil {
		t.Error("block kept with no rewind in it")
	}
}
