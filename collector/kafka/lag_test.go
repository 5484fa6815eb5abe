package kafka

import (
	"testing"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/google/go-cmp/cmp"
)

// A Flink-style group (member-less commits) on a 4-partition topic, one
// partition never committed, plus a second topic.
func TestRecordLag(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "orders", 4))
	must(t, k.CreateTopic(ctx, "refunds", 2))
	for p, n := range []int{10, 20, 30, 40} {
		mustProduce(t, ctx, k, "orders", int32(p), n, clk.Now())
	}
	mustProduce(t, ctx, k, "refunds", 0, 5, clk.Now())
	mustProduce(t, ctx, k, "refunds", 1, 7, clk.Now())
	must(t, k.Commit(ctx, "enrich", map[string]map[int32]int64{
		"orders":  {0: 10, 1: 15, 2: 0},
		"refunds": {0: 5, 1: 2},
	}))

	c := newTestCollector(t, partitionConfig(k.Brokers()), clk, "enrich", "never-committed")
	must(t, c.Poll(ctx))

	g := mustLag(t, c, "enrich")
	type row struct {
		Topic   string
		Records int64
		Parts   map[int32]int64
		Uncomm  int
	}
	var got []row
	for _, tl := range g.Topics {
		r := row{Topic: tl.Topic, Records: tl.Records, Parts: map[int32]int64{}}
		for _, pl := range tl.Partitions {
			if pl.State == fleet.PartitionUncommitted {
				r.Uncomm++
				continue
			}
			r.Parts[pl.Partition] = pl.Records
		}
		got = append(got, r)
	}
	want := []row{
		{Topic: "orders", Records: 0 + 5 + 30, Parts: map[int32]int64{0: 0, 1: 5, 2: 30}, Uncomm: 1},
		{Topic: "refunds", Records: 0 + 5, Parts: map[int32]int64{0: 0, 1: 5}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("topics (-want +got):\n%s", d)
	}
	if !g.Known || g.Records != 40 {
		t.Errorf("group Known=%v Records=%d, want true 40", g.Known, g.Records)
	}

	n, ok := c.Lag("default", "never-committed")
	if !ok || n.Known || n.Status != fleet.LagStatusUnknown {
		t.Errorf("never-committed: ok=%v Known=%v Status=%s, want true false unknown", ok, n.Known, n.Status)
	}
	expo := exposition(t, c, "flinkslo_consumergroup_lag_records")
	for _, l := range []string{
		`flinkslo_consumergroup_lag_records{cluster="default",group="enrich",topic="orders"} 35`,
		`flinkslo_consumergroup_lag_records{cluster="default",group="enrich",topic="refunds"} 5`,
	} {
		if !hasLine(expo, l) {
			t.Errorf("exposition lacks %s; got:\n%s", l, expo)
		}
	}
	if seriesCount(t, c, "flinkslo_consumergroup_lag_records") != 2 {
		t.Errorf("lag series of a never-committed group exported:\n%s", expo)
	}
}
