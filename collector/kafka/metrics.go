package kafka

import (
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var _ prometheus.Collector = (*Collector)(nil)

// cached is appended to HELP: every value comes from the background poll,
// not from the scrape.
const cached = " Cached from the background poll."

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("flinkslo_"+name, help+cached, labels, nil)
}

// descs are the metric descriptions; built once per Collector so no
// package state is shared.
type descs struct {
	lagRecords, lagSeconds, status, statusSince, partitions          *prometheus.Desc
	partLagRecords, partLagSeconds, partCommitted, partEnd           *prometheus.Desc
	up, scrapeDuration, lastSuccess, scrapeErrors, trackedPartitions *prometheus.Desc
	authErrors                                                       *prometheus.Desc
}

func newDescs() descs {
	groupLabels := []string{"cluster", "group"}
	topicLabels := []string{"cluster", "group", "topic"}
	partLabels := []string{"cluster", "group", "topic", "partition"}
	return descs{
		lagRecords:        desc("consumergroup_lag_records", "Records between the group's committed offsets and the end of the log, summed over the topic's committed partitions. Absent when any committed partition could not be measured.", topicLabels...),
		lagSeconds:        desc("consumergroup_lag_seconds", "Estimated age of the oldest record the group has not committed past, the maximum over the topic's committed partitions. Absent when any partition's age is unknown.", topicLabels...),
		status:            desc("consumergroup_status", "Evaluation of the group over kafka.evaluationWindow (ok, lagging, stalled, rewinding, unknown), as a state set.", slices.Concat(groupLabels, []string{"status"})...),
		statusSince:       desc("consumergroup_status_since_timestamp_seconds", "When the group's current status began.", groupLabels...),
		partitions:        desc("consumergroup_partitions", "Partitions of the group's topics by how their lag was obtained (measured, stale, unmeasured, uncommitted).", slices.Concat(groupLabels, []string{"state"})...),
		partLagRecords:    desc("consumergroup_partition_lag_records", "Record lag of one committed partition (kafka.perPartitionMetrics).", partLabels...),
		partLagSeconds:    desc("consumergroup_partition_lag_seconds", "Estimated time lag of one committed partition (kafka.perPartitionMetrics).", partLabels...),
		partCommitted:     desc("consumergroup_partition_committed_offset", "Committed offset of one partition (kafka.perPartitionMetrics).", partLabels...),
		partEnd:           desc("consumergroup_partition_end_offset", "End offset (high watermark) of one partition the group commits to (kafka.perPartitionMetrics).", partLabels...),
		up:                desc("kafka_up", "1 if the last poll of the cluster read offsets, 0 if the cluster could not be reached; lag series are withheld while 0.", "cluster"),
		scrapeDuration:    desc("kafka_scrape_duration_seconds", "Duration of the last poll of the cluster.", "cluster"),
		lastSuccess:       desc("kafka_last_scrape_success_timestamp_seconds", "When the cluster last answered a poll.", "cluster"),
		scrapeErrors:      desc("kafka_scrape_errors_total", "Polls of the cluster that could not read it.", "cluster"),
		trackedPartitions: desc("kafka_time_lag_tables", "Partitions with an offset-to-time table kept in memory for time lag.", "cluster"),
		authErrors:        desc("kafka_auth_errors_total", "Polls of the cluster that failed to authenticate or were denied: credentials unavailable or refused, or an action not allowed.", "cluster"),
	}
}

// Describe sends every metric description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	d := c.descs
	for _, x := range []*prometheus.Desc{
		d.lagRecords, d.lagSeconds, d.status, d.statusSince, d.partitions,
		d.partLagRecords, d.partLagSeconds, d.partCommitted, d.partEnd,
		d.up, d.scrapeDuration, d.lastSuccess, d.scrapeErrors, d.trackedPartitions,
		d.authErrors,
	} {
		ch <- x
	}
}

// Collect emits the latest published views as constant metrics, so groups,
// topics and partitions that vanished from the last poll vanish here, and
// nothing is emitted for a cluster that could not be read.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.pollers {
		v := p.view.Load()
		if v == nil {
			continue
		}
		c.collectCluster(ch, p, v)
		if !v.up {
			continue
		}
		for _, g := range v.groups {
			c.collectGroup(ch, g)
		}
	}
}

func (c *Collector) collectCluster(ch chan<- prometheus.Metric, p *poller, v *clusterView) {
	d := c.descs
	ch <- prometheus.MustNewConstMetric(d.up, prometheus.GaugeValue, boolFloat(v.up), p.name)
	ch <- prometheus.MustNewConstMetric(d.scrapeDuration, prometheus.GaugeValue, v.duration.Seconds(), p.name)
	ch <- prometheus.MustNewConstMetric(d.scrapeErrors, prometheus.CounterValue, float64(p.failures.Load()), p.name)
	ch <- prometheus.MustNewConstMetric(d.authErrors, prometheus.CounterValue, float64(p.authFails.Load()), p.name)
	ch <- prometheus.MustNewConstMetric(d.trackedPartitions, prometheus.GaugeValue, float64(p.tableCount.Load()), p.name)
	if !v.lastSuccess.IsZero() {
		ch <- prometheus.MustNewConstMetric(d.lastSuccess, prometheus.GaugeValue, unixSeconds(v.lastSuccess), p.name)
	}
}

func (c *Collector) collectGroup(ch chan<- prometheus.Metric, g *GroupLag) {
	d := c.descs
	for _, s := range statuses {
		ch <- prometheus.MustNewConstMetric(d.status, prometheus.GaugeValue, boolFloat(g.Status == s), g.Cluster, g.Group, s.String())
	}
	ch <- prometheus.MustNewConstMetric(d.statusSince, prometheus.GaugeValue, unixSeconds(g.StatusSince), g.Cluster, g.Group)
	for _, s := range partitionStates {
		ch <- prometheus.MustNewConstMetric(d.partitions, prometheus.GaugeValue, float64(g.Partitions[s]), g.Cluster, g.Group, s.String())
	}
	for _, t := range g.Topics {
		if t.Complete {
			ch <- prometheus.MustNewConstMetric(d.lagRecords, prometheus.GaugeValue, float64(t.Records), g.Cluster, g.Group, t.Topic)
		}
		if t.SecondsKnown {
			ch <- prometheus.MustNewConstMetric(d.lagSeconds, prometheus.GaugeValue, t.Seconds, g.Cluster, g.Group, t.Topic)
		}
		if c.perPart {
			c.collectPartitions(ch, g, t)
		}
	}
}

func (c *Collector) collectPartitions(ch chan<- prometheus.Metric, g *GroupLag, t TopicLag) {
	d := c.descs
	for _, pl := range t.Partitions {
		if pl.State != PartitionMeasured && pl.State != PartitionStale {
			continue
		}
		lv := []string{g.Cluster, g.Group, t.Topic, strconv.Itoa(int(pl.Partition))}
		ch <- prometheus.MustNewConstMetric(d.partLagRecords, prometheus.GaugeValue, float64(pl.Records), lv...)
		ch <- prometheus.MustNewConstMetric(d.partCommitted, prometheus.GaugeValue, float64(pl.Committed), lv...)
		ch <- prometheus.MustNewConstMetric(d.partEnd, prometheus.GaugeValue, float64(pl.End), lv...)
		if pl.SecondsKnown {
			ch <- prometheus.MustNewConstMetric(d.partLagSeconds, prometheus.GaugeValue, pl.Seconds, lv...)
		}
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
