package kafkafake

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func start(t *testing.T) *Cluster {
	t.Helper()
	c, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Each scenario commits the way its name says, on the checkpoint cadence,
// while records arrive at the configured rate.
func TestSimScenarios(t *testing.T) {
	ctx := ctxT(t)
	c := start(t)
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	jobs := []Job{
		{Group: "up", Topic: "a", Partitions: 2, Rate: 20, Checkpoint: 10 * time.Second, Scenario: KeepingUp},
		{Group: "behind", Topic: "b", Partitions: 2, Rate: 20, Checkpoint: 10 * time.Second, Scenario: FallingBehind, ConsumeRatio: 0.5},
		{Group: "stuck", Topic: "c", Partitions: 2, Rate: 20, Checkpoint: 10 * time.Second, Scenario: Stalled, StallAfter: 20 * time.Second},
	}
	sim, err := NewSim(ctx, c, jobs, WithClock(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	lagAt := map[string][]int64{} // group's total lag right after each checkpoint
	for s := 0; s <= 60; s++ {
		if err := sim.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if s > 0 && s%10 == 0 {
			for _, j := range jobs {
				lagAt[j.Group] = append(lagAt[j.Group], lag(t, ctx, c, j.Group, j.Topic))
			}
		}
		clk.advance(time.Second)
	}
	ends, err := c.EndOffsets(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got := ends[0] + ends[1]; got != 20*60 {
		t.Errorf("produced %d records in 60s at 20/s, want 1200", got)
	}
	for i, l := range lagAt["up"] {
		if l != 0 {
			t.Errorf("keeping up: lag %d right after checkpoint %d, want 0", l, i+1)
		}
	}
	for i := 1; i < len(lagAt["behind"]); i++ {
		if want := lagAt["behind"][i-1] + 100; lagAt["behind"][i] != want {
			t.Errorf("falling behind: lag after checkpoint %d = %d, want %d (half of 200 new records)", i+1, lagAt["behind"][i], want)
		}
	}
	// Commits at 10s and 20s, none after: lag grows by 200 per checkpoint.
	if got := lagAt["stuck"]; got[1] != 0 || got[5] != 800 {
		t.Errorf("stalled: lags after checkpoints %v, want 0 at 20s and 800 at 60s", got)
	}
}

// lag is the group's committed lag summed over the topic.
func lag(t *testing.T, ctx context.Context, c *Cluster, group, topic string) int64 {
	t.Helper()
	ends, err := c.EndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := c.Committed(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for p, end := range ends {
		sum += end - committed[topic][p]
	}
	return sum
}

// Commits are member-less, as Flink's: the group is Empty with no members
// and its offsets are still there.
func TestCommitLeavesGroupEmpty(t *testing.T) {
	ctx := ctxT(t)
	c := start(t)
	if err := c.CreateTopic(ctx, "in", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Produce(ctx, "in", 1, 5, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(ctx, "flink", Offsets{"in": {0: 0, 1: 3}}); err != nil {
		t.Fatal(err)
	}
	kcl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer kcl.Close()
	groups, err := kadm.NewClient(kcl).DescribeGroups(ctx, "flink")
	if err != nil {
		t.Fatal(err)
	}
	g := groups["flink"]
	if g.State != "Empty" || len(g.Members) != 0 {
		t.Errorf("group state %q with %d members, want Empty with none", g.State, len(g.Members))
	}
	got, err := c.Committed(ctx, "flink")
	if err != nil {
		t.Fatal(err)
	}
	if got["in"][1] != 3 || len(got["in"]) != 2 {
		t.Errorf("committed = %v, want partitions 0 and 1 with 1 at 3", got)
	}
}

func TestProduceTimestamps(t *testing.T) {
	ctx := ctxT(t)
	c := start(t)
	if err := c.CreateTopic(ctx, "in", 1); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	end, err := c.Produce(ctx, "in", 0, 4, ts)
	if err != nil || end != 4 {
		t.Fatalf("Produce = %d, %v; want end offset 4", end, err)
	}
	kcl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer kcl.Close()
	lo, err := kadm.NewClient(kcl).ListOffsetsAfterMilli(ctx, ts.UnixMilli(), "in")
	if err != nil {
		t.Fatal(err)
	}
	if o := lo["in"][0]; o.Offset != 0 || o.Timestamp != ts.UnixMilli() {
		t.Errorf("first record at or after %v: offset %d ts %d, want 0 with that timestamp", ts, o.Offset, o.Timestamp)
	}
}
