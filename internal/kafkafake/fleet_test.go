package kafkafake

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The fleet on the brokers is the fleet its truth functions describe,
// before and after rounds: committed and end offsets, and the timestamp
// of the record at each committed offset.
func TestLagFleetMatchesItsTruth(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := start(t)
	f := LagFleet{Groups: 7, Partitions: 3, Base: time.UnixMilli(1_700_000_000_000), AdvanceEvery: 3}
	if err := c.LoadFleet(ctx, f); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		if round > 0 {
			if err := c.Advance(ctx, f, round); err != nil {
				t.Fatal(err)
			}
		}
		for g := range f.Groups {
			ends, err := c.EndOffsets(ctx, f.Topic(g))
			if err != nil {
				t.Fatal(err)
			}
			committed, err := c.Committed(ctx, f.Group(g))
			if err != nil {
				t.Fatal(err)
			}
			for p := range f.Partitions {
				if got, want := ends[p], f.End(g, p, round); got != want {
					t.Errorf("round %d group %d partition %d: end %d, want %d", round, g, p, got, want)
				}
				if got, want := committed[f.Topic(g)][p], f.Committed(g, p, round); got != want {
					t.Errorf("round %d group %d partition %d: committed %d, want %d", round, g, p, got, want)
				}
				if got := committed[f.Topic(g)][p] - f.Committed(g, p, 0); got != f.Advances(g, round) {
					t.Errorf("round %d group %d: advanced %d times, want %d", round, g, got, f.Advances(g, round))
				}
			}
		}
	}
	// The record at a committed offset carries the group's stamp.
	g, p := 5, int32(1)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		f.Topic(g): {p: kgo.NewOffset().At(f.Committed(g, p, 4))},
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	fs := cl.PollRecords(ctx, 1)
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	if r := fs.Records(); len(r) == 0 || !r[0].Timestamp.Equal(f.Stamp(g)) {
		t.Errorf("record at the committed offset: %v, want stamped %v", r, f.Stamp(g))
	}
}
