package kafka

import (
	"math"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A group already 90 s behind when flinkslo starts has its time lag at the
// first poll in the default mode (auto): the timestamp of the record at
// each committed offset is read, on every leader. Once commits move into
// the history the table has seen, they are interpolated, even with the
// brokers refusing every Fetch.
func TestTimeLagAutoFirstPoll(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	const parts = 6 // over kfake's three brokers
	must(t, k.CreateTopic(ctx, "in", parts))
	commits := map[int32]int64{}
	for p := range int32(parts) {
		mustProduce(t, ctx, k, "in", p, 10, clk.Now().Add(-90*time.Second)) // offsets 0-9
		commits[p] = 4
	}
	commits[0] = 10 // caught up
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": commits}))
	cfg := partitionConfig(k.Brokers())
	cfg.TimeLag = "" // the default
	c := newTestCollector(t, cfg, clk, "g")
	must(t, c.Poll(ctx))

	g := mustLag(t, c, "g")
	if !g.SecondsKnown || g.Seconds != 90 {
		t.Fatalf("group at the first poll: Seconds = %v (known %v), want 90", g.Seconds, g.SecondsKnown)
	}
	for _, pl := range g.Topics[0].Partitions {
		want := 90.0
		if pl.Partition == 0 {
			want = 0
		}
		if !pl.SecondsKnown || pl.Seconds != want || pl.SecondsError != 0 {
			t.Errorf("partition %d: %v ±%v (known %v), want %v exactly", pl.Partition, pl.Seconds, pl.SecondsError, pl.SecondsKnown, want)
		}
	}

	// Records arrive between polls; the group commits into them.
	for range 3 {
		clk.Advance(testPoll)
		for p := range int32(parts) {
			mustProduce(t, ctx, k, "in", p, 10, clk.Now())
		}
		must(t, c.Poll(ctx))
	}
	p := c.pollers[0]
	if held := p.reads.held(); held != parts-1 || len(p.reads.blocks) != 1 {
		t.Fatalf("%d record timestamps held after the first polls, want one per partition behind (%d)", held, parts-1)
	}
	k.Fake().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.NotLeaderForPartition, Count: -1})
	for p := range int32(parts) {
		commits[p] = 15 // produced 30 s ago (at the first 10 s step)
	}
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": commits}))
	clk.Advance(testPoll)
	must(t, c.Poll(ctx))
	g = mustLag(t, c, "g")
	const truth = 30.0
	for _, pl := range g.Topics[0].Partitions {
		if !pl.SecondsKnown || pl.SecondsCapped || math.Abs(pl.Seconds-truth) > pl.SecondsError+1e-9 {
			t.Errorf("partition %d interpolated: %v ±%v (known %v), truth %vs", pl.Partition, pl.Seconds, pl.SecondsError, pl.SecondsKnown, truth)
		}
		if pl.SecondsError > autoTolerance(pl.Seconds, testPoll) {
			t.Errorf("partition %d: error %vs beyond auto's bound %vs", pl.Partition, pl.SecondsError, autoTolerance(pl.Seconds, testPoll))
		}
	}
	// The table brackets the commits now: the reads are given back, and
	// their block at the next poll's sweep.
	clk.Advance(testPoll)
	must(t, c.Poll(ctx))
	if held := p.reads.held(); held != 0 || p.reads.blocks[0] != nil {
		t.Errorf("%d record timestamps still held once the table brackets every commit (their block given back: %v), want 0", held, p.reads.blocks[0] == nil)
	}
}

// Reads are bounded per poll, whole groups first in name order; the rest
// are read at the next polls, so a group's lag_seconds appears as soon as
// all its partitions are known.
func TestTimeLagAutoBudget(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	for _, topic := range []string{"a", "b"} {
		must(t, k.CreateTopic(ctx, topic, 3))
		for p := range int32(3) {
			mustProduce(t, ctx, k, topic, p, 10, clk.Now().Add(-time.Minute))
		}
	}
	must(t, k.Commit(ctx, "ga", map[string]map[int32]int64{"a": {0: 1, 1: 1, 2: 1}}))
	must(t, k.Commit(ctx, "gb", map[string]map[int32]int64{"b": {0: 1, 1: 1, 2: 1}}))
	cfg := testConfig(k.Brokers())
	cfg.TimeLag = "auto"
	c := newTestCollector(t, cfg, clk, "ga", "gb")
	c.set.readsPerPoll = 4

	must(t, c.Poll(ctx))
	if ga, gb := mustLag(t, c, "ga"), mustLag(t, c, "gb"); !ga.SecondsKnown || ga.Seconds != 60 || gb.SecondsKnown {
		t.Fatalf("first poll: ga %v (known %v), gb known %v; want ga 60 and gb not yet", ga.Seconds, ga.SecondsKnown, gb.SecondsKnown)
	}
	if n := seriesCount(t, c, "flinkslo_consumergroup_lag_seconds"); n != 1 {
		t.Errorf("lag_seconds series after the first poll = %d, want ga's only", n)
	}
	clk.Advance(testPoll)
	must(t, c.Poll(ctx))
	if gb := mustLag(t, c, "gb"); !gb.SecondsKnown || gb.Seconds != 70 {
		t.Errorf("second poll: gb %v (known %v), want 70", gb.Seconds, gb.SecondsKnown)
	}
}
