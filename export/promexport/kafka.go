package promexport

import (
	"strconv"

	"github.com/flinkslo/flinkslo/export"
	"github.com/flinkslo/flinkslo/fleet"
)

// KafkaViews is what the Kafka source reads: the latest published view of
// every cluster (*kafka.Collector).
type KafkaViews interface {
	Views() []*fleet.LagView
	PerPartitionMetrics() bool
}

// KafkaSource renders the Kafka collector's views into the cached
// exposition: a million partitions are half a million series (4.6 million
// with per-partition metrics), written once per poll instead of being
// built as metric objects at every scrape. Its families and series are
// those the collector's prometheus.Collector emits (the oracle the tests
// hold it to), labels in name order as a registry writes them.
type KafkaSource struct {
	k    KafkaViews
	fams [fleet.NumLagFamilies]kafkaFamily
}

var _ Source = (*KafkaSource)(nil)

// kafkaFamily is what rendering one family needs, computed once.
type kafkaFamily struct {
	name   string
	header [formats][]byte
	// has* say which labels the family has; label names the last one
	// (status or state), "" when it has none.
	hasGroup, hasTopic, hasPartition bool
	label                            string
}

// NewKafkaSource renders k's views.
func NewKafkaSource(k KafkaViews) *KafkaSource {
	s := &KafkaSource{k: k}
	for f := range fleet.NumLagFamilies {
		kf := kafkaFamily{name: f.Name()}
		typ := export.Gauge
		if f.Counter() {
			typ = export.Counter
		}
		kf.header[Text] = textHeader(f.Name(), f.Help(), typ)
		kf.header[OpenMetrics] = openMetricsHeader(f.Name(), f.Help(), typ)
		for _, l := range f.Labels() {
			switch l {
			case "cluster":
			case "group":
				kf.hasGroup = true
			case "topic":
				kf.hasTopic = true
			case "partition":
				kf.hasPartition = true
			default:
				kf.label = l
			}
		}
		s.fams[f] = kf
	}
	return s
}

// Version changes with every view a poll publishes: views are numbered
// across clusters, so the largest number moves whenever one is replaced.
// (A re-shard takes effect at the next poll, with a new view.)
func (s *KafkaSource) Version() uint64 {
	var v uint64
	for _, view := range s.k.Views() {
		v = max(v, view.Seq)
	}
	return v
}

// WriteText hands every family of the latest views to out, family by
// family, clusters in configuration order within each, in chunks of about
// flushAt: at a million partitions the text is tens of megabytes, which
// /metrics keeps only compressed.
func (s *KafkaSource) WriteText(f Format, out func([]byte) error) error {
	views := s.k.Views()
	perPart := s.k.PerPartitionMetrics()
	c := chunker{buf: make([]byte, 0, flushAt+4<<10), out: out}
	for fam := range fleet.NumLagFamilies {
		kf := &s.fams[fam]
		c.family(kf.header[f])
		emit := func(x *fleet.LagSample) {
			if c.err == nil {
				c.done(kf.appendSample(c.series(), x, f))
			}
		}
		for _, v := range views {
			v.Walk(fam, perPart, emit)
		}
		c.flush()
		if c.err != nil {
			return c.err
		}
	}
	return nil
}

// appendSample writes one series, labels in name order: cluster, group,
// partition, state or status, topic.
func (kf *kafkaFamily) appendSample(b []byte, x *fleet.LagSample, f Format) []byte {
	b = append(b, kf.name...)
	b = append(b, `{cluster="`...)
	b = appendEscaped(b, x.Cluster)
	if kf.hasGroup {
		b = append(b, `",group="`...)
		b = appendEscaped(b, x.Group)
	}
	if kf.hasPartition {
		b = append(b, `",partition="`...)
		b = strconv.AppendInt(b, int64(x.Partition), 10)
	}
	if kf.label != "" {
		b = append(b, `",`...)
		b = append(b, kf.label...)
		b = append(b, `="`...)
		b = appendEscaped(b, x.Label)
	}
	if kf.hasTopic {
		b = append(b, `",topic="`...)
		b = appendEscaped(b, x.Topic)
	}
	b = append(b, `"} `...)
	if f == OpenMetrics {
		b = appendOpenMetricsFloat(b, x.Value)
	} else {
		b = appendFloat(b, x.Value)
	}
	return append(b, '\n')
}
