// Package kafkafake runs an in-process Kafka cluster (franz-go's kfake) and
// drives it the way Flink jobs use Kafka: producers append records with
// explicit timestamps, and consumer groups commit offsets only when a
// checkpoint completes, without ever joining the group, so Kafka sees them
// as Empty groups with committed offsets. Tests use it for real produced
// records and real commits; `flinkslo-sim demo` uses Sim for a live fleet.
package kafkafake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Cluster is a kfake cluster with one client for producing and committing.
type Cluster struct {
	fake  *kfake.Cluster
	kcl   *kgo.Client
	admin *kadm.Client
}

// Start starts a cluster on loopback ports. opts are passed to kfake; with
// none it has kfake's defaults (three brokers, random ports).
func Start(opts ...kfake.Opt) (*Cluster, error) {
	fake, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start kfake cluster: %w", err)
	}
	kcl, err := kgo.NewClient(
		kgo.SeedBrokers(fake.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0),
		kgo.RetryTimeout(5*time.Second),
	)
	if err != nil {
		fake.Close()
		return nil, fmt.Errorf("create kafka client: %w", err)
	}
	return &Cluster{fake: fake, kcl: kcl, admin: kadm.NewClient(kcl)}, nil
}

// Brokers are the seed addresses of the cluster.
func (c *Cluster) Brokers() []string { return c.fake.ListenAddrs() }

// Fake exposes the kfake cluster for fault injection (Fault, ControlKey,
// RemoveNode).
func (c *Cluster) Fake() *kfake.Cluster { return c.fake }

// Close stops the client and every broker. Requests made afterwards by any
// client fail as they would against a cluster that went away.
func (c *Cluster) Close() {
	c.kcl.Close()
	c.fake.Close()
}

// CreateTopic creates a topic with the given number of partitions.
func (c *Cluster) CreateTopic(ctx context.Context, topic string, partitions int32) error {
	resp, err := c.admin.CreateTopic(ctx, partitions, -1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}

// DeleteTopic deletes a topic; Kafka drops every group's commits on it.
func (c *Cluster) DeleteTopic(ctx context.Context, topic string) error {
	resp, err := c.admin.DeleteTopic(ctx, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("delete topic %s: %w", topic, err)
	}
	return nil
}

// DeleteGroup deletes a consumer group and its committed offsets.
func (c *Cluster) DeleteGroup(ctx context.Context, group string) error {
	resp, err := c.admin.DeleteGroup(ctx, group)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("delete group %s: %w", group, err)
	}
	return nil
}

// Produce appends n records to one partition in a single batch, every
// record stamped ts, and returns the partition's end offset afterwards.
// Explicit timestamps are how tests control time lag: kfake has no fake
// clock.
func (c *Cluster) Produce(ctx context.Context, topic string, partition int32, n int, ts time.Time) (int64, error) {
	if n <= 0 {
		return 0, errors.New("produce: n must be positive")
	}
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Partition: partition, Timestamp: ts, Value: []byte("flinkslo")}
	}
	if err := c.kcl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return 0, fmt.Errorf("produce to %s/%d: %w", topic, partition, err)
	}
	return recs[n-1].Offset + 1, nil
}

// Fill appends n records stamped ts to every partition of topic in one
// produce call. It uses a client of its own, closed afterwards, so that
// loading many topics leaves no client refreshing their metadata.
func (c *Cluster) Fill(ctx context.Context, topic string, partitions int32, n int, ts time.Time) error {
	kcl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		return fmt.Errorf("create kafka client: %w", err)
	}
	defer kcl.Close()
	recs := make([]*kgo.Record, 0, int(partitions)*n)
	for p := range partitions {
		for range n {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Timestamp: ts, Value: []byte("flinkslo")})
		}
	}
	if err := kcl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("fill %s: %w", topic, err)
	}
	return nil
}

// Offsets maps topic → partition → offset.
type Offsets map[string]map[int32]int64

// Commit commits offsets for group the way Flink's Kafka source does on
// checkpoint completion: a plain OffsetCommit with no group membership, so
// the group stays Empty.
func (c *Cluster) Commit(ctx context.Context, group string, offsets Offsets) error {
	os := make(kadm.Offsets)
	for t, ps := range offsets {
		for p, at := range ps {
			os.Add(kadm.Offset{Topic: t, Partition: p, At: at, LeaderEpoch: -1})
		}
	}
	if err := c.admin.CommitAllOffsets(ctx, group, os); err != nil {
		return fmt.Errorf("commit offsets of group %s: %w", group, err)
	}
	return nil
}

// EndOffsets lists the end offset (high watermark) of every partition of
// topic.
func (c *Cluster) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	lo, err := c.admin.ListEndOffsets(ctx, topic)
	if err == nil {
		err = lo.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	out := map[int32]int64{}
	for p, o := range lo[topic] {
		out[p] = o.Offset
	}
	return out, nil
}

// Committed fetches the committed offsets of group.
func (c *Cluster) Committed(ctx context.Context, group string) (Offsets, error) {
	resp, err := c.admin.FetchOffsets(ctx, group)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("fetch offsets of group %s: %w", group, err)
	}
	out := Offsets{}
	resp.Each(func(o kadm.OffsetResponse) {
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]int64{}
		}
		out[o.Topic][o.Partition] = o.At
	})
	return out, nil
}
