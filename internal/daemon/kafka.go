package daemon

import (
	"context"
	"fmt"

	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/internal/config"
)

// buildKafka measures consumer lag when a Kafka cluster is configured; nil
// without one.
func (d *Daemon) buildKafka(cfg *config.Config, o Options) (collector.LagSource, error) {
	if len(cfg.Kafka.Brokers) == 0 && len(cfg.Kafka.Clusters) == 0 {
		return nil, nil
	}
	k, err := kafka.New(cfg.Kafka, o.Getenv, o.Log, o.KafkaOpts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	if err := d.Registry.Register(k); err != nil {
		return nil, fmt.Errorf("register kafka metrics: %w", err)
	}
	d.runners = append(d.runners, func(ctx context.Context) error {
		defer k.Close()
		return k.Run(ctx)
	})
	return k, nil
}
