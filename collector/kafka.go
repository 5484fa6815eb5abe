package collector

import (
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// groupsByCluster collects the consumer groups the targets name.
func groupsByCluster(targets []fleet.Target) map[string][]string {
	out := map[string][]string{}
	for _, t := range targets {
		if len(t.ConsumerGroups) == 0 {
			continue
		}
		c := clusterName(t.KafkaCluster)
		out[c] = append(out[c], t.ConsumerGroups...)
	}
	return out
}

func clusterName(c string) string {
	if c == "" {
		return config.DefaultCluster
	}
	return c
}

// lag reads one group's lag from the source, as the snapshot shows it:
// without its Topics, which share the storage of the poll's LagView and
// would keep every partition of it alive as long as the snapshot.
func (l *Loop) lag(cluster, group string) (fleet.GroupLag, bool) {
	g, ok := l.opts.Lag.Lag(cluster, group)
	if !ok {
		return fleet.GroupLag{}, false
	}
	g.Topics = nil
	return g, true
}

// kafkaView is the lag of every group the targets name.
func (l *Loop) kafkaView(targets []fleet.Target) *fleet.KafkaView {
	v := &fleet.KafkaView{Clusters: l.opts.Lag.Clusters(), Groups: map[fleet.GroupRef]fleet.GroupLag{}}
	for _, t := range targets {
		for _, g := range t.ConsumerGroups {
			ref := fleet.GroupRef{Cluster: clusterName(t.KafkaCluster), Group: g}
			if lag, ok := l.lag(ref.Cluster, ref.Group); ok {
				v.Groups[ref] = lag
			}
		}
	}
	return v
}

// lagOf is the lag of the target's groups, as this cycle sees them; nil
// without Kafka or groups. A group not measured at all is absent, which
// leaves the job's lag unknown rather than smaller than it is.
func (l *Loop) lagOf(t fleet.Target) []fleet.GroupLag {
	if l.opts.Lag == nil || len(t.ConsumerGroups) == 0 {
		return nil
	}
	out := make([]fleet.GroupLag, 0, len(t.ConsumerGroups))
	for _, g := range t.ConsumerGroups {
		lag, _ := l.lag(clusterName(t.KafkaCluster), g)
		out = append(out, lag) // unknown (Known false) when absent
	}
	return out
}
