package kafka

import (
	"math"
	"testing"
	"time"
)

// Interpolation against real end offsets: 100 records arrive between
// polls ten seconds apart; the committed offset's record was produced
// between two polls, and the estimate must be within the bracket.
func TestTimeLagInterpolated(t *testing.T) {
	tests := []struct {
		name      string
		commit    int64
		wantKnown bool
		want      float64 // seconds
		wantErr   float64 // bound
		truth     float64 // when the record was really produced, seconds ago
		capped    bool
	}{
		// Produced in (t0, t0+10s], placed at 0.51 of it, read at t0+30s;
		// really produced at t0+10s.
		{name: "inside the table", commit: 150, wantKnown: true, want: 30 - 5.1, wantErr: 10, truth: 20},
		{name: "caught up is exactly zero", commit: 300, wantKnown: true, want: 0, wantErr: 0, truth: 0},
		// Behind the first point while the table is younger than the
		// evaluation window: unknown, never extrapolated.
		{name: "older than the table", commit: 50, wantKnown: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctxT(t)
			k := startKafka(t)
			clk := newClock()
			must(t, k.CreateTopic(ctx, "in", 1))
			must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 0}}))
			c := newTestCollector(t, partitionConfig(k.Brokers()), clk, "g")
			for range 3 {
				mustProduce(t, ctx, k, "in", 0, 100, clk.Now())
				must(t, c.Poll(ctx))
				clk.Advance(10 * time.Second)
			}
			must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: tt.commit}}))
			must(t, c.Poll(ctx))

			pl := mustLag(t, c, "g").Topics[0].Partitions[0]
			if pl.SecondsKnown != tt.wantKnown {
				t.Fatalf("SecondsKnown = %v, want %v (%+v)", pl.SecondsKnown, tt.wantKnown, pl)
			}
			if !tt.wantKnown {
				if n := seriesCount(t, c, "flinkslo_consumergroup_lag_seconds"); n != 0 {
					t.Errorf("lag_seconds series = %d, want 0 when unknown", n)
				}
				return
			}
			if math.Abs(pl.Seconds-tt.want) > 1e-6 || pl.SecondsError != tt.wantErr || pl.SecondsCapped != tt.capped {
				t.Errorf("Seconds = %v ±%v capped=%v, want %v ±%v capped=%v", pl.Seconds, pl.SecondsError, pl.SecondsCapped, tt.want, tt.wantErr, tt.capped)
			}
			if math.Abs(pl.Seconds-tt.truth) > pl.SecondsError {
				t.Errorf("true lag %vs outside the stated bound %v ±%v", tt.truth, pl.Seconds, pl.SecondsError)
			}
		})
	}
}

// Once the table spans the evaluation window, a group further behind than
// the table is reported with the table's age as a lower bound.
func TestTimeLagCappedLowerBound(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 100, clk.Now())
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 10}}))
	c := newTestCollector(t, testConfig(k.Brokers()), clk, "g")
	for range 7 { // 0s … 60s: the table spans the one-minute window
		must(t, c.Poll(ctx))
		clk.Advance(10 * time.Second)
	}
	clk.Advance(-10 * time.Second)
	g := mustLag(t, c, "g")
	if !g.SecondsKnown || !g.SecondsCapped || g.Seconds != 60 {
		t.Errorf("Seconds = %v known=%v capped=%v, want a 60s lower bound", g.Seconds, g.SecondsKnown, g.SecondsCapped)
	}
}

// Record mode reads the timestamp of the record at the committed offset,
// so a group behind records produced long before flinkslo started gets an
// exact time lag at its first poll.
func TestTimeLagRecord(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	now := clk.Now()
	must(t, k.CreateTopic(ctx, "in", 2))
	mustProduce(t, ctx, k, "in", 0, 10, now.Add(-5*time.Minute)) // offsets 0-9
	mustProduce(t, ctx, k, "in", 0, 10, now.Add(-3*time.Minute)) // 10-19
	mustProduce(t, ctx, k, "in", 0, 10, now.Add(-time.Minute))   // 20-29
	mustProduce(t, ctx, k, "in", 1, 10, now.Add(-2*time.Hour))
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 13, 1: 0}}))

	cfg := partitionConfig(k.Brokers())
	cfg.TimeLag = "record"
	c := newTestCollector(t, cfg, clk, "g")
	must(t, c.Poll(ctx))

	g := mustLag(t, c, "g")
	got := map[int32]float64{}
	for _, pl := range g.Topics[0].Partitions {
		if !pl.SecondsKnown || pl.SecondsError != 0 {
			t.Errorf("partition %d: known=%v error=%v, want exact", pl.Partition, pl.SecondsKnown, pl.SecondsError)
		}
		got[pl.Partition] = pl.Seconds
	}
	if got[0] != 180 || got[1] != 7200 {
		t.Errorf("time lag = %v, want partition 0: 180s, 1: 7200s", got)
	}
	if g.Seconds != 7200 {
		t.Errorf("group Seconds = %v, want the maximum 7200", g.Seconds)
	}
}

// Several groups behind on the same partition at different offsets: a
// Fetch names a partition once, so each offset needs its own round.
func TestTimeLagRecordSharedPartition(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	now := clk.Now()
	must(t, k.CreateTopic(ctx, "in", 1))
	for i := range 4 { // offsets 0-4 at -4m, 5-9 at -3m, …
		mustProduce(t, ctx, k, "in", 0, 5, now.Add(-time.Duration(4-i)*time.Minute))
	}
	want := map[string]float64{"a": 240, "b": 180, "c": 60}
	must(t, k.Commit(ctx, "a", map[string]map[int32]int64{"in": {0: 2}}))
	must(t, k.Commit(ctx, "b", map[string]map[int32]int64{"in": {0: 5}}))
	must(t, k.Commit(ctx, "c", map[string]map[int32]int64{"in": {0: 17}}))
	cfg := testConfig(k.Brokers())
	cfg.TimeLag = "record"
	c := newTestCollector(t, cfg, clk, "a", "b", "c")
	must(t, c.Poll(ctx))
	for g, w := range want {
		if got := mustLag(t, c, g); !got.SecondsKnown || got.Seconds != w {
			t.Errorf("group %s: Seconds = %v (known %v), want %v", g, got.Seconds, got.SecondsKnown, w)
		}
	}
}
