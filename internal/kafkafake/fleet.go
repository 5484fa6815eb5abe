package kafkafake

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// LagFleet is a deterministic fleet for lag benchmarks: Groups Flink-like
// consumer groups (member-less commits), group g alone on topic g, each
// topic with Partitions partitions, every committed offset and end offset
// known in advance, so that every lag series an exporter shows can be
// checked against the truth.
//
// Before any Advance, partition p of group g holds End(g, p, 0) records,
// all stamped Base − TimeLag(g), and the group has committed Committed(g,
// p, 0); a quarter of the partitions are caught up, the rest 20 to 49
// records behind. Round r (r ≥ 1) advances the groups with g % AdvanceEvery
// == r % AdvanceEvery: one more record on each of their partitions, same
// stamp, and a commit one further. Record lag is unchanged, the offsets
// move, and a lagging group's committed offset stays on a record stamped
// Base − TimeLag(g) for the first 19 advances (190 rounds at AdvanceEvery
// 10), so its time lag at instant t is t − (Base − TimeLag(g)).
type LagFleet struct {
	Groups     int
	Partitions int32
	Base       time.Time
	// AdvanceEvery: 0 never advances.
	AdvanceEvery int
}

// MaxRounds is how many rounds keep the time-lag truth above.
func (f LagFleet) MaxRounds() int { return 19*max(f.AdvanceEvery, 1) + 1 }

// Group and Topic name group g and its topic.
func (f LagFleet) Group(g int) string { return fmt.Sprintf("bench-%06d", g) }

// Topic is the topic group g commits to.
func (f LagFleet) Topic(g int) string { return fmt.Sprintf("bench-topic-%06d", g) }

// Lag is the record lag of partition p of group g, in every round.
func (f LagFleet) Lag(g int, p int32) int64 {
	if (g+int(p))%4 == 0 {
		return 0
	}
	return 20 + int64(g*31+int(p)*7)%30
}

// TimeLag is how far behind the records of group g's topic are stamped,
// relative to Base: 30 s to 120 s.
func (f LagFleet) TimeLag(g int) time.Duration { return time.Duration(30+g%91) * time.Second }

// Stamp is the timestamp of every record of group g's topic.
func (f LagFleet) Stamp(g int) time.Time {
	return f.Base.Add(-f.TimeLag(g)).Truncate(time.Millisecond)
}

// Advances is how many of rounds 1..round advanced group g.
func (f LagFleet) Advances(g, round int) int64 {
	if f.AdvanceEvery <= 0 || round < 1 {
		return 0
	}
	first := g % f.AdvanceEvery
	if first == 0 {
		first = f.AdvanceEvery
	}
	if round < first {
		return 0
	}
	return int64((round-first)/f.AdvanceEvery + 1)
}

// Advanced reports whether round advances group g.
func (f LagFleet) Advanced(g, round int) bool {
	return f.AdvanceEvery > 0 && round >= 1 && round%f.AdvanceEvery == g%f.AdvanceEvery
}

// Committed is the committed offset of partition p of group g after round.
func (f LagFleet) Committed(g int, p int32, round int) int64 {
	return 1 + int64(g+int(p))%5 + f.Advances(g, round)
}

// End is the end offset of partition p of group g's topic after round.
func (f LagFleet) End(g int, p int32, round int) int64 {
	return f.Committed(g, p, round) + f.Lag(g, p)
}

// fleetChunk is how many groups are loaded at once: it bounds the records
// held by the producing client.
const fleetChunk = 250

// LoadFleet creates the fleet's topics, produces its records and commits
// its offsets (round 0), a few chunks of groups at a time. Every topic is
// created before any group commits: kfake revisits every group at each
// topic change, which would make loading quadratic.
func (c *Cluster) LoadFleet(ctx context.Context, f LagFleet) error {
	err := c.eachChunk(ctx, f, func(ctx context.Context, lo, hi int) error {
		topics := make([]string, 0, hi-lo)
		for g := lo; g < hi; g++ {
			topics = append(topics, f.Topic(g))
		}
		resp, err := c.admin.CreateTopics(ctx, f.Partitions, -1, nil, topics...)
		if err == nil {
			err = resp.Error()
		}
		if err != nil {
			return fmt.Errorf("create topics: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.eachChunk(ctx, f, func(ctx context.Context, lo, hi int) error {
		var recs []*kgo.Record
		for g := lo; g < hi; g++ {
			for p := range f.Partitions {
				recs = appendRecords(recs, f.Topic(g), p, int(f.End(g, p, 0)), f.Stamp(g))
			}
		}
		return c.produceAndCommit(ctx, f, lo, hi, 0, recs)
	})
}

// Advance applies round r: one record more on every partition of the
// groups it advances, and their commits one further.
func (c *Cluster) Advance(ctx context.Context, f LagFleet, round int) error {
	return c.eachChunk(ctx, f, func(ctx context.Context, lo, hi int) error {
		var recs []*kgo.Record
		for g := lo; g < hi; g++ {
			if f.Advanced(g, round) {
				for p := range f.Partitions {
					recs = appendRecords(recs, f.Topic(g), p, 1, f.Stamp(g))
				}
			}
		}
		return c.produceAndCommit(ctx, f, lo, hi, round, recs)
	})
}

func (c *Cluster) eachChunk(ctx context.Context, f LagFleet, fn func(ctx context.Context, lo, hi int) error) error {
	sem := make(chan struct{}, 4)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for lo := 0; lo < f.Groups; lo += fleetChunk {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, lo, min(lo+fleetChunk, f.Groups)); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

func appendRecords(recs []*kgo.Record, topic string, p int32, n int, ts time.Time) []*kgo.Record {
	for range n {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Timestamp: ts})
	}
	return recs
}

// produceAndCommit produces recs, then commits round's offsets for the
// groups in [lo, hi) that round 0 loads or round advances.
func (c *Cluster) produceAndCommit(ctx context.Context, f LagFleet, lo, hi, round int, recs []*kgo.Record) error {
	if len(recs) > 0 {
		// A client of its own per chunk: a kgo producer walks every
		// partition it has produced to at every request, which makes one
		// client for the whole fleet quadratic.
		kcl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
		if err != nil {
			return fmt.Errorf("create kafka client: %w", err)
		}
		err = kcl.ProduceSync(ctx, recs...).FirstErr()
		kcl.Close()
		if err != nil {
			return fmt.Errorf("produce fleet records: %w", err)
		}
	}
	for g := lo; g < hi; g++ {
		if round > 0 && !f.Advanced(g, round) {
			continue
		}
		os := make(kadm.Offsets)
		for p := range f.Partitions {
			os.Add(kadm.Offset{Topic: f.Topic(g), Partition: p, At: f.Committed(g, p, round), LeaderEpoch: -1})
		}
		if err := c.admin.CommitAllOffsets(ctx, f.Group(g), os); err != nil {
			return fmt.Errorf("commit offsets of group %s: %w", f.Group(g), err)
		}
	}
	return nil
}
