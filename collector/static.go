// Package collector scrapes every Flink deployment in the background,
// turns what it sees into per-job signals, and keeps the latest result as an
// immutable Snapshot that /metrics, Datadog and alerting read without ever
// waiting on a JobManager.
package collector

import (
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// StaticTargets converts the config file's targets. A target's Slack
// channel is only its own override: the router resolves the team's.
func StaticTargets(cfg *config.Config) []fleet.Target {
	out := make([]fleet.Target, 0, len(cfg.Targets))
	for _, t := range cfg.Targets {
		out = append(out, fleet.Target{
			Deployment:        t.Name,
			Namespace:         t.Namespace,
			Owner:             fleet.Owner{Team: t.Team, SlackChannel: t.SlackChannel},
			URL:               t.URL,
			Suspended:         t.Suspended,
			CheckpointWindow:  t.CheckpointWindow.D(),
			StuckAfter:        durationPtr(t.StuckAfter),
			WatermarkLagAfter: durationPtr(t.WatermarkLagUnhealthyAfter),
			HTTP:              t.HTTP,
			KafkaCluster:      t.Kafka.Cluster,
			ConsumerGroups:    t.Kafka.ConsumerGroups,
			Source:            "static",
		})
	}
	return out
}

// durationPtr carries a per-deployment override: nil when unset.
func durationPtr(d *config.Duration) *time.Duration {
	if d == nil {
		return nil
	}
	v := d.D()
	return &v
}
