package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// BenchmarkPoll measures one lag cycle (OffsetFetch for every group, end
// offsets for every topic, lag, time lag, evaluation, view) on kfake, for
// groups × partitions, each group on its own topic with every partition
// committed and lagging. Target: 500 × 64 (32,000 partitions) under 1s.
// heap-MiB is the live heap after the cycles, with tables and evaluation
// state for every partition.
//
//	go test -run '^$' -bench BenchmarkPoll -benchtime 20x ./collector/kafka/
func BenchmarkPoll(b *testing.B) {
	for _, sz := range []struct{ groups, partitions int }{
		{50, 64}, {500, 8}, {500, 64}, {1000, 64},
	} {
		for _, mode := range []string{"interpolate", "record"} {
			if mode == "record" && sz.groups*sz.partitions != 32000 {
				continue
			}
			b.Run(fmt.Sprintf("groups=%d/partitions=%d/timeLag=%s", sz.groups, sz.partitions, mode), func(b *testing.B) {
				benchPoll(b, sz.groups, int32(sz.partitions), mode)
			})
		}
	}
}

func benchPoll(b *testing.B, groups int, partitions int32, mode string) {
	ctx := context.Background()
	k := startKafka(b)
	clk := newClock()
	names := make([]string, groups)
	for g := range groups {
		names[g] = fmt.Sprintf("flink-job-%04d", g)
		topic := fmt.Sprintf("topic-%04d", g)
		must(b, k.CreateTopic(ctx, topic, partitions))
		must(b, k.Fill(ctx, topic, partitions, 4, clk.Now()))
		offs := kafkafake.Offsets{topic: {}}
		for p := range partitions {
			offs[topic][p] = 1
		}
		must(b, k.Commit(ctx, names[g], offs))
	}
	cfg := testConfig(k.Brokers())
	cfg.RequestTimeout = config.Duration(10 * time.Second)
	cfg.TimeLag = mode
	c, err := New(cfg, func(string) string { return "" }, slog.New(slog.DiscardHandler), WithClock(clk.Now))
	must(b, err)
	defer c.Close()
	c.SetGroups(map[string][]string{"": names})
	must(b, c.Poll(ctx)) // connect and build the tables outside the timing
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clk.Advance(testPoll)
		if err := c.Poll(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	g := mustLag(b, c, names[0])
	if !g.Known || g.Records != 3*int64(partitions) {
		b.Fatalf("group %s: Known=%v Records=%d, want %d", names[0], g.Known, g.Records, 3*partitions)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
}
