package kafkafake

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Scenario is how a simulated Flink job keeps up with its input.
type Scenario string

const (
	// KeepingUp consumes everything and commits on every checkpoint: its
	// lag is a sawtooth that falls back to zero at each commit.
	KeepingUp Scenario = "keeping_up"
	// FallingBehind consumes slower than the producers write (ConsumeRatio
	// of Rate) and commits on every checkpoint: the lag at each commit grows.
	FallingBehind Scenario = "falling_behind"
	// Stalled commits normally for StallAfter, then its checkpoints stop
	// completing: the committed offsets freeze while records keep arriving.
	Stalled Scenario = "stalled"
)

// Job is one simulated Flink job reading one topic under one group.
type Job struct {
	Group      string
	Topic      string
	Partitions int32
	// Rate is the records produced per second over the whole topic.
	Rate float64
	// Checkpoint is the checkpoint interval: offsets are committed only then.
	Checkpoint time.Duration
	Scenario   Scenario
	// ConsumeRatio is the share of Rate a FallingBehind job consumes
	// (default 0.5).
	ConsumeRatio float64
	// StallAfter is how long a Stalled job commits before its checkpoints
	// stop (default one checkpoint interval).
	StallAfter time.Duration
}

// DemoJobs are the three groups of `flinkslo-sim demo`: one keeping up, one
// falling behind, one stalled, each checkpointing every 10s. An evaluation
// window of a minute or more (kafka.evaluationWindow) shows their statuses.
func DemoJobs() []Job {
	return []Job{
		{Group: "orders-enrichment", Topic: "orders", Partitions: 6, Rate: 120, Checkpoint: 10 * time.Second, Scenario: KeepingUp},
		{Group: "payments-fraud", Topic: "payments", Partitions: 4, Rate: 80, Checkpoint: 10 * time.Second, Scenario: FallingBehind, ConsumeRatio: 0.6},
		{Group: "clickstream-sessions", Topic: "clicks", Partitions: 8, Rate: 160, Checkpoint: 10 * time.Second, Scenario: Stalled, StallAfter: 30 * time.Second},
	}
}

// Sim produces records and commits checkpoints for a set of jobs.
type Sim struct {
	c    *Cluster
	jobs []*jobState
	now  func() time.Time
	tick time.Duration
	log  *slog.Logger
}

// SimOption configures a Sim.
type SimOption func(*Sim)

// WithClock sets the clock the simulation advances by (time.Now by
// default); with a fake clock, drive it with Step.
func WithClock(now func() time.Time) SimOption { return func(s *Sim) { s.now = now } }

// WithTick sets how often Run steps (default 250ms).
func WithTick(d time.Duration) SimOption { return func(s *Sim) { s.tick = d } }

// WithLogger sets the logger (discarded by default).
func WithLogger(l *slog.Logger) SimOption { return func(s *Sim) { s.log = l } }

type jobState struct {
	Job
	started  time.Time
	last     time.Time
	nextCkpt time.Time
	owed     []float64 // fractional records due per partition
	end      []int64   // end offset per partition, from produce acks
	pos      []float64 // simulated consumer position per partition
}

// NewSim creates the jobs' topics on c and returns a simulation that has
// not produced anything yet.
func NewSim(ctx context.Context, c *Cluster, jobs []Job, opts ...SimOption) (*Sim, error) {
	s := &Sim{c: c, now: time.Now, tick: 250 * time.Millisecond, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	for _, j := range jobs {
		if j.Partitions <= 0 || j.Rate < 0 || j.Checkpoint <= 0 {
			return nil, fmt.Errorf("job %s: need partitions > 0, rate >= 0 and checkpoint > 0", j.Group)
		}
		if j.ConsumeRatio == 0 {
			j.ConsumeRatio = 0.5
		}
		if j.StallAfter == 0 {
			j.StallAfter = j.Checkpoint
		}
		if err := c.CreateTopic(ctx, j.Topic, j.Partitions); err != nil {
			return nil, err
		}
		n := int(j.Partitions)
		s.jobs = append(s.jobs, &jobState{Job: j, owed: make([]float64, n), end: make([]int64, n), pos: make([]float64, n)})
	}
	return s, nil
}

// Run steps the simulation every tick until ctx is done.
func (s *Sim) Run(ctx context.Context) error {
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("kafka simulation step failed; retrying next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Step advances every job to the clock's current time: it produces the
// records due since the last step, stamped with that time, advances the
// simulated consumers and commits the checkpoints that completed.
func (s *Sim) Step(ctx context.Context) error {
	now := s.now()
	var recs []*kgo.Record
	for _, j := range s.jobs {
		recs = append(recs, j.due(now)...)
	}
	if len(recs) > 0 {
		if err := s.c.kcl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return fmt.Errorf("produce simulated records: %w", err)
		}
	}
	for _, j := range s.jobs {
		j.acked(recs)
		j.consume(now)
		if err := s.checkpoint(ctx, j, now); err != nil {
			return err
		}
		j.last = now
	}
	return nil
}

// due returns the records the producers owe since the last step.
func (j *jobState) due(now time.Time) []*kgo.Record {
	if j.started.IsZero() {
		j.started, j.last, j.nextCkpt = now, now, now.Add(j.Checkpoint)
		return nil
	}
	dt := now.Sub(j.last).Seconds()
	var recs []*kgo.Record
	for p := range j.owed {
		j.owed[p] += j.Rate / float64(j.Partitions) * dt
		n := int(j.owed[p])
		j.owed[p] -= float64(n)
		for range n {
			recs = append(recs, &kgo.Record{Topic: j.Topic, Partition: int32(p), Timestamp: now, Value: []byte("sim")})
		}
	}
	return recs
}

func (j *jobState) acked(recs []*kgo.Record) {
	for _, r := range recs {
		if r.Topic == j.Topic && r.Offset+1 > j.end[r.Partition] {
			j.end[r.Partition] = r.Offset + 1
		}
	}
}

func (j *jobState) consume(now time.Time) {
	dt := now.Sub(j.last).Seconds()
	for p := range j.pos {
		switch j.Scenario {
		case FallingBehind:
			j.pos[p] += j.ConsumeRatio * j.Rate / float64(j.Partitions) * dt
		default:
			j.pos[p] = float64(j.end[p])
		}
		j.pos[p] = math.Min(j.pos[p], float64(j.end[p]))
	}
}

// checkpoint commits the consumer positions when a checkpoint is due, as
// Flink's source does on notifyCheckpointComplete.
func (s *Sim) checkpoint(ctx context.Context, j *jobState, now time.Time) error {
	if now.Before(j.nextCkpt) {
		return nil
	}
	for !j.nextCkpt.After(now) {
		j.nextCkpt = j.nextCkpt.Add(j.Checkpoint)
	}
	if j.Scenario == Stalled && now.Sub(j.started) > j.StallAfter {
		return nil
	}
	offs := Offsets{j.Topic: {}}
	for p, pos := range j.pos {
		offs[j.Topic][int32(p)] = int64(pos)
	}
	return s.c.Commit(ctx, j.Group, offs)
}
