package collector

import (
	"time"

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

// lag reads one group's lag from the source, as the snapshot shows it.
func (l *Loop) lag(cluster, group string) (fleet.GroupLag, bool) {
	k, ok := l.opts.Lag.Lag(cluster, group)
	if !ok {
		return fleet.GroupLag{}, false
	}
	return fleet.GroupLag{
		Known: k.Known, Records: float64(k.Records), Seconds: k.Seconds, SecondsKnown: k.SecondsKnown,
		Status: string(k.Status), Since: k.StatusSince,
	}, true
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

// applyKafka sums the lag of the target's groups onto the job: records
// summed, seconds maxed. A group whose lag is unknown makes the job's lag
// unknown rather than smaller than it is.
func (l *Loop) applyKafka(t fleet.Target, j *fleet.JobStatus, now time.Time) {
	if l.opts.Lag == nil || len(t.ConsumerGroups) == 0 {
		return
	}
	var recs, secs float64
	secsKnown := true
	for _, g := range t.ConsumerGroups {
		lag, ok := l.lag(clusterName(t.KafkaCluster), g)
		if !ok || !lag.Known {
			return
		}
		recs += lag.Records
		secs = max(secs, lag.Seconds)
		secsKnown = secsKnown && lag.SecondsKnown
	}
	j.HasKafkaLag, j.KafkaLagRecords = true, recs
	j.KafkaLagSeconds, j.KafkaLagSecondsKnown = secs, secsKnown
}

// kafkaReasons: a group lagging or stalled for longer than
// health.kafkaLagUnhealthyAfter makes the target's jobs unhealthy.
func (l *Loop) kafkaReasons(t fleet.Target, now time.Time) []fleet.Reason {
	if l.opts.Lag == nil {
		return nil
	}
	var lagging, stalled bool
	for _, g := range t.ConsumerGroups {
		lag, ok := l.lag(clusterName(t.KafkaCluster), g)
		if !ok || !lag.Known || now.Sub(lag.Since) < l.health.lagUnhealthyAfter {
			continue
		}
		switch lag.Status {
		case "lagging":
			lagging = true
		case "stalled":
			stalled = true
		}
	}
	var rs []fleet.Reason
	if lagging {
		rs = append(rs, fleet.ReasonKafkaLagging)
	}
	if stalled {
		rs = append(rs, fleet.ReasonKafkaStalled)
	}
	return rs
}
