// Package collector scrapes every Flink deployment in the background,
// turns what it sees into per-job signals, and keeps the latest result as an
// immutable Snapshot that /metrics, Datadog and alerting read without ever
// waiting on a JobManager.
package collector

import (
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// StaticTargets converts the config file's targets.
func StaticTargets(cfg *config.Config) []fleet.Target {
	out := make([]fleet.Target, 0, len(cfg.Targets))
	for _, t := range cfg.Targets {
		ch := t.SlackChannel
		if ch == "" {
			ch = cfg.Teams[t.Team].SlackChannel
		}
		out = append(out, fleet.Target{
			Deployment:       t.Name,
			Namespace:        t.Namespace,
			Team:             t.Team,
			URL:              t.URL,
			SlackChannel:     ch,
			Suspended:        t.Suspended,
			CheckpointWindow: t.CheckpointWindow.D(),
			HTTP:             t.HTTP,
			KafkaCluster:     t.Kafka.Cluster,
			ConsumerGroups:   t.Kafka.ConsumerGroups,
			Source:           "static",
		})
	}
	return out
}
