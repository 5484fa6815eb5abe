package daemon

import (
	"context"
	"fmt"
	"slices"

	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/internal/config"
)

// buildKafka measures consumer lag when a Kafka cluster is configured; nil
// without one. Its series are not in the registry: /metrics renders them
// from the views once per poll (Metrics). owns, when set, is the shard the
// targets are divided by: the groups kafka.groups.allow selects are divided
// the same way, and a re-shard takes effect at the next poll.
func (d *Daemon) buildKafka(cfg *config.Config, o Options, owns func(key string) bool) (collector.LagSource, error) {
	if len(cfg.Kafka.Brokers) == 0 && len(cfg.Kafka.Clusters) == 0 {
		return nil, nil
	}
	opts := o.KafkaOpts
	if owns != nil {
		opts = append(slices.Clip(opts), kafka.WithGroupOwner(owns))
	}
	k, err := kafka.New(cfg.Kafka, o.Getenv, o.Log, opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	d.kafka = k
	d.runners = append(d.runners, func(ctx context.Context) error {
		defer k.Close()
		return k.Run(ctx)
	})
	return k, nil
}
