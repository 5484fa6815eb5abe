package kafka

import (
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The brokers stop mid-run: kafka_up drops to 0 and no lag series is left
// behind, not a single 0.
func TestClusterDown(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "in", 2))
	mustProduce(t, ctx, k, "in", 0, 10, clk.Now())
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 4}}))
	cfg := testConfig(k.Brokers())
	cfg.PerPartitionMetrics = true
	c := newTestCollector(t, cfg, clk, "g")
	must(t, c.Poll(ctx))
	if !hasLine(exposition(t, c, "flinkslo_kafka_up"), `flinkslo_kafka_up{cluster="default"} 1`) {
		t.Fatal("kafka_up not 1 while the cluster answers")
	}
	lastOK := clk.Now()

	k.Close()
	clk.Advance(testPoll)
	if err := c.Poll(ctx); err == nil {
		t.Fatal("Poll of a stopped cluster: no error")
	}
	expo := exposition(t, c)
	for _, l := range []string{
		`flinkslo_kafka_up{cluster="default"} 0`,
		`flinkslo_kafka_scrape_errors_total{cluster="default"} 1`,
	} {
		if !hasLine(expo, l) {
			t.Errorf("exposition lacks %s:\n%s", l, expo)
		}
	}
	if want := unixSeconds(lastOK); !strings.Contains(expo, `flinkslo_kafka_last_scrape_success_timestamp_seconds{cluster="default"} `+formatFloat(want)) {
		t.Errorf("last success is not the last good poll %v:\n%s", want, expo)
	}
	if strings.Contains(expo, "flinkslo_consumergroup_") {
		t.Errorf("consumer group series exported while the cluster is down:\n%s", expo)
	}
	if _, ok := c.Lag("default", "g"); ok {
		t.Error("Lag reports a group of an unreachable cluster")
	}
}

// One partition's end offset cannot be listed: its last value is carried
// as stale for a few polls, then the topic's series are withheld, while
// the other topic and kafka_up are unaffected.
func TestPartitionUnreadable(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "bad", 2))
	must(t, k.CreateTopic(ctx, "good", 1))
	for _, tp := range []struct {
		topic string
		p     int32
	}{{"bad", 0}, {"bad", 1}, {"good", 0}} {
		mustProduce(t, ctx, k, tp.topic, tp.p, 10, clk.Now())
	}
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"bad": {0: 2, 1: 3}, "good": {0: 4}}))
	c := newTestCollector(t, partitionConfig(k.Brokers()), clk, "g")
	must(t, c.Poll(ctx))

	k.Fake().Fault(kfake.Fault{
		Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: "bad", Partitions: []int32{1},
		Err: kerr.NotLeaderForPartition, Count: -1,
	})
	tests := []struct {
		after     time.Duration
		wantState fleet.PartitionState
		wantBad   bool // bad topic's lag_records exported
	}{
		{after: testPoll, wantState: fleet.PartitionStale, wantBad: true},
		{after: staleCycles * testPoll, wantState: fleet.PartitionStale, wantBad: true},
		{after: (staleCycles + 1) * testPoll, wantState: fleet.PartitionUnmeasured, wantBad: false},
	}
	start := clk.Now()
	for _, tt := range tests {
		clk.Set(start.Add(tt.after))
		must(t, c.Poll(ctx))
		g := mustLag(t, c, "g")
		if got := g.Topics[0].Partitions[1].State; got != tt.wantState {
			t.Errorf("after %s: bad/1 state %s, want %s", tt.after, got, tt.wantState)
		}
		expo := exposition(t, c, "flinkslo_consumergroup_lag_records", "flinkslo_kafka_up")
		badLine := `flinkslo_consumergroup_lag_records{cluster="default",group="g",topic="bad"} 15`
		if hasLine(expo, badLine) != tt.wantBad {
			t.Errorf("after %s: bad topic exported = %v, want %v:\n%s", tt.after, !tt.wantBad, tt.wantBad, expo)
		}
		for _, l := range []string{
			`flinkslo_consumergroup_lag_records{cluster="default",group="g",topic="good"} 6`,
			`flinkslo_kafka_up{cluster="default"} 1`,
		} {
			if !hasLine(expo, l) {
				t.Errorf("after %s: lacks %s:\n%s", tt.after, l, expo)
			}
		}
		if g.Known != tt.wantBad {
			t.Errorf("after %s: group Known = %v, want %v", tt.after, g.Known, tt.wantBad)
		}
	}
}
