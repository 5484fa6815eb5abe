package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// BenchmarkPoll measures one lag cycle (OffsetFetch for every group, end
// offsets for every topic, lag, time lag, evaluation, view) on kfake, for
// groups × partitions, each group on its own topic with every partition
// committed and lagging. Target: 500 × 64 (32,000 partitions) under 1s.
// cpu-ms/op is the process CPU per cycle (collector, franz-go and the
// in-process kfake brokers together): on a shared machine wall time
// (ns/op) also counts waiting for a CPU. BenchmarkMeasure gives the
// collector's memory.
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
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		clk.Advance(testPoll)
		if err := c.Poll(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	g := mustLag(b, c, names[0])
	if !g.Known || g.Records != 3*int64(partitions) {
		b.Fatalf("group %s: Known=%v Records=%d, want %d", names[0], g.Known, g.Records, 3*partitions)
	}
}

// cpuTime is the process's user and system CPU so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func liveHeap() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc)
}

// BenchmarkMeasure is the collector's own work per cycle without any I/O:
// lag, time-lag tables, evaluation and the published view, for 500 groups
// × 64 partitions whose offsets advance every cycle. Enough cycles run
// first to fill every table and sample ring, so state-MiB is the
// steady-state worst case.
func BenchmarkMeasure(b *testing.B) {
	const groups, partitions = 500, 64
	set := &settings{window: 10 * time.Minute, pollInterval: testPoll, requestTimeout: time.Second}
	clk := newClock()
	set.now = clk.Now
	base := liveHeap()
	p := newPoller("default", nil, set, slog.New(slog.DiscardHandler))
	cycle := 0
	step := func() {
		cycle++
		clk.Advance(testPoll)
		in := syntheticInput(groups, partitions, cycle, clk.Now())
		p.view.Store(&clusterView{up: true, groups: p.measure(in)})
	}
	for range 3 * tablePoints {
		step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	b.StopTimer()
	b.ReportMetric((liveHeap()-base)/(1<<20), "state-MiB")
	runtime.KeepAlive(p)
}

// syntheticInput: every partition's end offset grows by a varying amount
// each cycle and each group commits most of it, so tables keep points and
// commits keep samples.
func syntheticInput(groups, partitions, cycle int, at time.Time) *input {
	in := &input{at: at, commits: kadm.FetchOffsetsResponses{}, ends: kadm.ListedOffsets{}}
	for g := range groups {
		topic := fmt.Sprintf("topic-%04d", g)
		group := fmt.Sprintf("flink-job-%04d", g)
		offs := kadm.OffsetResponses{topic: {}}
		ends := map[int32]kadm.ListedOffset{}
		for p := range int32(partitions) {
			end := int64(cycle*100 + cycle*cycle%37 + int(p))
			ends[p] = kadm.ListedOffset{Topic: topic, Partition: p, Offset: end}
			offs[topic][p] = kadm.OffsetResponse{Offset: kadm.Offset{Topic: topic, Partition: p, At: end - int64(cycle%7)*10}}
		}
		in.ends[topic] = ends
		in.commits[group] = kadm.FetchOffsetsResponse{Group: group, Fetched: offs}
		in.topics = append(in.topics, topic)
	}
	return in
}
