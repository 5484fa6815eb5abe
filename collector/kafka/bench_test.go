package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkslo/flinkslo/fleet"
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
		for _, mode := range []string{"interpolate", "auto", "record"} {
			if mode != "interpolate" && sz.groups*sz.partitions != 32000 {
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
// lag, time-lag tables, evaluation and the published view, for groups ×
// partitions whose end offsets advance every cycle. Enough cycles run
// first to fill the tables and commit histories, so state-B/partition is
// the steady state (the made-up answers are built outside the timing and
// are not counted). Two fleets: commits near the end (tables trimmed to
// the few points since the oldest commit, the common case) and commits
// behind every table point (every table at its full tablePoints, the
// worst case); each with and without per-partition rows in the view.
//
//	go test -run '^$' -bench BenchmarkMeasure -benchtime 3x -memprofile mem.out ./collector/kafka/
func BenchmarkMeasure(b *testing.B) {
	for _, sz := range []struct{ groups, partitions int }{{500, 64}, {5000, 20}} {
		for _, behind := range []bool{false, true} {
			for _, perPart := range []bool{false, true} {
				name := fmt.Sprintf("groups=%d/partitions=%d/behind=%v/perPartition=%v", sz.groups, sz.partitions, behind, perPart)
				b.Run(name, func(b *testing.B) { benchMeasure(b, sz.groups, sz.partitions, behind, perPart) })
			}
		}
	}
}

func benchMeasure(b *testing.B, groups, partitions int, behind, perPart bool) {
	clk := newClock()
	base := liveHeap()
	p := syntheticPoller(clk, perPart)
	names := groupNames(groups)
	cycle := 0
	step := func() {
		cycle++
		clk.Advance(testPoll)
		resp, ends := syntheticAnswers(names, partitions, cycle, behind)
		b.StartTimer()
		syntheticCycle(p, names, resp, ends, clk.Now())
		b.StopTimer()
	}
	b.StopTimer()
	for range 3 * tablePoints {
		step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		step()
	}
	n := float64(groups * partitions)
	state := (liveHeap() - base) / n
	b.ReportMetric(state, "state-B/partition")
	parts := stateBreakdown(p)
	rest := state
	for _, part := range parts {
		b.ReportMetric(part.bytes/n, part.name+"-B/partition")
		rest -= part.bytes / n
	}
	b.ReportMetric(rest, "rest-B/partition")
	runtime.KeepAlive(p)
}

// stateBreakdown is where a poller's memory goes, by structure, from the
// lengths and capacities it holds; the rest (group and topic records,
// names, maps) is what the live heap has beyond it.
func stateBreakdown(p *poller) []struct {
	name  string
	bytes float64
} {
	var partStates, topicParts int
	for _, g := range p.groups {
		for _, gt := range g.topics {
			partStates += cap(gt.parts)
		}
	}
	for _, t := range p.topics {
		topicParts += cap(t.parts)
	}
	var view int
	if v := p.view.Load(); v != nil {
		view = cap(v.Groups) * int(unsafe.Sizeof(fleet.GroupLag{}))
		for _, g := range v.Groups {
			view += len(g.Topics) * int(unsafe.Sizeof(fleet.TopicLag{}))
			for _, t := range g.Topics {
				view += len(t.Partitions) * int(unsafe.Sizeof(fleet.PartitionLag{}))
			}
		}
	}
	f := func(n int, size uintptr) float64 { return float64(n) * float64(size) }
	return []struct {
		name  string
		bytes float64
	}{
		{"partState", f(partStates, unsafe.Sizeof(partState{}))},
		{"topicPart", f(topicParts, unsafe.Sizeof(topicPart{}))},
		{"table", f(p.tableSlab.words(), 8)},
		{"history", f(len(p.hist.blocks)*slabBlock, unsafe.Sizeof(history{})) + f(rewindBlocks(&p.hist)*slabBlock, unsafe.Sizeof(rewind{}))},
		{"read", f(p.reads.blockWords(), 8)},
		{"view", float64(view)},
	}
}

func rewindBlocks(hs *histories) int {
	n := 0
	for _, b := range hs.rewinds.blocks {
		if b != nil {
			n++
		}
	}
	return n
}

// BenchmarkViewWalk walks every series of a published view, per-partition
// families included, as a renderer caching the text exposition does once
// per poll: the hook to plug that renderer into. BenchmarkCollect is the
// same view through client_golang's Gather, the path /metrics takes until
// then.
func BenchmarkViewWalk(b *testing.B) {
	for _, sz := range []struct{ groups, partitions int }{{5000, 20}, {50000, 20}} {
		b.Run(fmt.Sprintf("groups=%d/partitions=%d", sz.groups, sz.partitions), func(b *testing.B) {
			v := syntheticView(b, sz.groups, sz.partitions)
			var n int
			var sum float64
			emit := func(s *fleet.LagSample) { n, sum = n+1, sum+s.Value }
			b.ReportAllocs()
			for b.Loop() {
				n = 0
				for f := range fleet.NumLagFamilies {
					v.Walk(f, true, emit)
				}
			}
			b.ReportMetric(float64(n), "series")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/series")
		})
	}
}

func BenchmarkCollect(b *testing.B) {
	const groups, partitions = 5000, 20
	v := syntheticView(b, groups, partitions)
	c := &Collector{perPart: true, descs: newDescs(), pollers: []*poller{{name: "default"}}}
	c.pollers[0].view.Store(v)
	reg := prometheus.NewRegistry()
	must(b, reg.Register(c))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

// syntheticView is the view of a few synthetic cycles over groups ×
// partitions, every partition's row kept.
func syntheticView(b *testing.B, groups, partitions int) *fleet.LagView {
	b.Helper()
	clk := newClock()
	p := syntheticPoller(clk, true)
	names := groupNames(groups)
	for cycle := range 3 {
		clk.Advance(testPoll)
		resp, ends := syntheticAnswers(names, partitions, cycle+1, false)
		syntheticCycle(p, names, resp, ends, clk.Now())
	}
	return p.view.Load()
}

func syntheticPoller(clk *clock, partitions bool) *poller {
	set := &settings{
		window: 10 * time.Minute, pollInterval: testPoll, requestTimeout: time.Second,
		timeLag: timeLagInterpolate, partitions: partitions, now: clk.Now, seq: new(atomic.Uint64),
	}
	return newPoller("default", nil, set, slog.New(slog.DiscardHandler))
}

func groupNames(n int) []string {
	names := make([]string, n)
	for g := range n {
		names[g] = fmt.Sprintf("flink-job-%05d", g)
	}
	return names
}

// syntheticAnswers makes up one cycle's answers: every partition's end
// offset grows by a varying amount each cycle and each group commits most
// of it, so tables keep points and commits keep histories. behind: the
// groups commit one record a cycle from 0 instead, below every point
// their tables hold.
func syntheticAnswers(names []string, partitions, cycle int, behind bool) (*kmsg.OffsetFetchResponse, map[string][]int64) {
	resp := kmsg.NewPtrOffsetFetchResponse()
	ends := make(map[string][]int64, len(names))
	for g, name := range names {
		topic := fmt.Sprintf("topic-%05d", g)
		rg := kmsg.NewOffsetFetchResponseGroup()
		rg.Group = name
		rt := kmsg.NewOffsetFetchResponseGroupTopic()
		rt.Topic = topic
		e := make([]int64, partitions)
		for part := range partitions {
			e[part] = int64(1000 + cycle*100 + cycle*cycle%37 + part)
			rp := kmsg.NewOffsetFetchResponseGroupTopicPartition()
			rp.Partition, rp.Offset = int32(part), e[part]-int64(cycle%7)*10
			if behind {
				rp.Offset = int64(cycle)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		ends[topic] = e
		rg.Topics = append(rg.Topics, rt)
		resp.Groups = append(resp.Groups, rg)
	}
	return resp, ends
}

// syntheticCycle runs one cycle of p on made-up answers instead of a
// cluster.
func syntheticCycle(p *poller, names []string, resp *kmsg.OffsetFetchResponse, ends map[string][]int64, at time.Time) {
	p.seq++
	p.selectOrder(names)
	topics := p.register(resp, nil)
	p.forgetTopics()
	for _, t := range topics {
		t.metaAt = at
		t.grow(len(ends[t.name]))
		for i, e := range ends[t.name] {
			t.parts[i].leader, t.parts[i].end, t.parts[i].endPoll = 0, e, p.seq
		}
	}
	p.tables = p.updateTables(topics, at)
	p.measureCommits(at)
	p.view.Store(&fleet.LagView{Cluster: p.name, Up: true, Seq: p.set.seq.Add(1), Groups: p.assemble(at)})
}
