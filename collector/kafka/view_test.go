package kafka

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

// With kafka.perPartitionMetrics off, the views keep no partition rows and
// no per-partition series is exported, but every group and topic sum is
// the one the partitions give with it on.
func TestPerPartitionOff(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "orders", 4))
	must(t, k.CreateTopic(ctx, "refunds", 2))
	for p, n := range []int{10, 20, 30, 40} {
		mustProduce(t, ctx, k, "orders", int32(p), n, clk.Now().Add(-time.Minute))
	}
	mustProduce(t, ctx, k, "refunds", 0, 5, clk.Now().Add(-2*time.Minute))
	must(t, k.Commit(ctx, "enrich", map[string]map[int32]int64{"orders": {0: 10, 1: 15, 2: 0}, "refunds": {0: 1}}))
	must(t, k.Commit(ctx, "audit", map[string]map[int32]int64{"orders": {3: 39}}))

	on, off := partitionConfig(k.Brokers()), testConfig(k.Brokers())
	on.TimeLag, off.TimeLag = "auto", "auto"
	cOn := newTestCollector(t, on, clk, "enrich", "audit")
	cOff := newTestCollector(t, off, clk, "enrich", "audit")
	must(t, cOn.Poll(ctx))
	must(t, cOff.Poll(ctx))

	vOn, vOff := cOn.View(""), cOff.View("")
	for _, g := range vOff.Groups {
		for _, tl := range g.Topics {
			if tl.Partitions != nil {
				t.Errorf("group %s topic %s: %d partition rows kept with perPartitionMetrics off", g.Group, tl.Topic, len(tl.Partitions))
			}
		}
	}
	// The same sums, once the rows are left out of the comparison.
	strip := cmp.Transformer("noPartitions", func(tl fleet.TopicLag) fleet.TopicLag { tl.Partitions = nil; return tl })
	if d := cmp.Diff(vOn.Groups, vOff.Groups, strip, cmp.AllowUnexported(fleet.GroupLag{})); d != "" {
		t.Errorf("groups with per-partition rows (-) and without (+):\n%s", d)
	}
	if g, _ := vOff.Group("enrich"); !g.Known || g.Records != 0+5+30+4 || !g.SecondsKnown || g.Seconds != 120 {
		t.Errorf("enrich without partition rows: Known=%v Records=%d Seconds=%v (known %v), want true 39 120", g.Known, g.Records, g.Seconds, g.SecondsKnown)
	}
	for _, name := range []string{
		"flinkslo_consumergroup_partition_lag_records", "flinkslo_consumergroup_partition_lag_seconds",
		"flinkslo_consumergroup_partition_committed_offset", "flinkslo_consumergroup_partition_end_offset",
	} {
		if n := seriesCount(t, cOff, name); n != 0 {
			t.Errorf("%s: %d series with perPartitionMetrics off", name, n)
		}
		if n := seriesCount(t, cOn, name); n == 0 {
			t.Errorf("%s: no series with perPartitionMetrics on", name)
		}
	}
	if a, b := exposition(t, cOn, "flinkslo_consumergroup_lag_records", "flinkslo_consumergroup_lag_seconds"),
		exposition(t, cOff, "flinkslo_consumergroup_lag_records", "flinkslo_consumergroup_lag_seconds"); a != b {
		t.Errorf("topic series differ with per-partition rows:\n%s\nwithout:\n%s", a, b)
	}
}

// Readers load views while polls publish new ones (run with -race): a
// view read once never changes afterwards, its sums agree with its
// partitions, and Seq only grows.
func TestViewsImmutableWhilePolling(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "in", 8))
	for p := range int32(8) {
		mustProduce(t, ctx, k, "in", p, 20, clk.Now())
	}
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7}}))
	cfg := partitionConfig(k.Brokers())
	cfg.TimeLag = "auto"
	c := newTestCollector(t, cfg, clk, "g")
	reg := prometheus.NewRegistry()
	must(t, reg.Register(c))
	must(t, c.Poll(ctx))

	pollCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { // the poll loop: records arrive, the group commits, a poll publishes
		for i := int64(0); pollCtx.Err() == nil; i++ {
			_, err := k.Produce(ctx, "in", int32(i%8), 3, clk.Now())
			if err == nil {
				err = k.Commit(ctx, "g", map[string]map[int32]int64{"in": {int32(i % 7): 8 + i}})
			}
			if err != nil {
				t.Error(err) // not Fatal: this is not the test's goroutine
				return
			}
			clk.Advance(time.Second)
			if err := c.Poll(pollCtx); err != nil && pollCtx.Err() == nil {
				t.Error(err)
			}
		}
	})
	type kept struct {
		v    *fleet.LagView
		copy []fleet.GroupLag
	}
	var seen []kept
	var lastSeq uint64
	for range 200 {
		if _, err := reg.Gather(); err != nil {
			t.Fatal(err)
		}
		v := c.View("")
		if v.Seq < lastSeq {
			t.Fatalf("Seq went back from %d to %d", lastSeq, v.Seq)
		}
		if v.Seq > lastSeq {
			checkSums(t, v)
			seen = append(seen, kept{v, deepCopy(v.Groups)})
		}
		lastSeq = v.Seq
		time.Sleep(time.Millisecond)
	}
	stop()
	wg.Wait()
	if len(seen) < 3 {
		t.Fatalf("only %d views seen: the polls did not run alongside the reads", len(seen))
	}
	for _, s := range seen {
		if d := cmp.Diff(s.copy, s.v.Groups, cmp.AllowUnexported(fleet.GroupLag{})); d != "" {
			t.Fatalf("view %d changed after it was published (-then +now):\n%s", s.v.Seq, d)
		}
	}
}

func checkSums(t *testing.T, v *fleet.LagView) {
	t.Helper()
	for _, g := range v.Groups {
		var sum int64
		for _, tl := range g.Topics {
			var ts int64
			for _, pl := range tl.Partitions {
				if pl.State == fleet.PartitionMeasured || pl.State == fleet.PartitionStale {
					ts += pl.Records
				}
			}
			if ts != tl.Records {
				t.Errorf("view %d: topic %s Records = %d, its partitions sum to %d", v.Seq, tl.Topic, tl.Records, ts)
			}
			sum += tl.Records
		}
		if sum != g.Records {
			t.Errorf("view %d: group %s Records = %d, its topics sum to %d", v.Seq, g.Group, g.Records, sum)
		}
	}
}

func deepCopy(groups []fleet.GroupLag) []fleet.GroupLag {
	out := slices.Clone(groups)
	for i := range out {
		out[i].Topics = slices.Clone(out[i].Topics)
		for j := range out[i].Topics {
			out[i].Topics[j].Partitions = slices.Clone(out[i].Topics[j].Partitions)
		}
	}
	return out
}
