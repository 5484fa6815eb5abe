package fleet

import "time"

// LagFamily is one metric family the Kafka lag collector (collector/kafka)
// exports. The families and the series each view yields (LagView.Walk) are
// the one description of those metrics: the collector's Collect is built
// on them, and so is export/promexport's text exposition of them.
type LagFamily uint8

// The families, in the exposition's (alphabetical) order.
const (
	LagFamilyLagRecords LagFamily = iota
	LagFamilyLagSeconds
	LagFamilyPartitionCommitted
	LagFamilyPartitionEnd
	LagFamilyPartitionLagRecords
	LagFamilyPartitionLagSeconds
	LagFamilyPartitions
	LagFamilyStatus
	LagFamilyStatusSince
	LagFamilyAuthErrors
	LagFamilyLastSuccess
	LagFamilyScrapeDuration
	LagFamilyScrapeErrors
	LagFamilyTimeLagTables
	LagFamilyUp
	NumLagFamilies
)

type familyInfo struct {
	name, help string
	labels     []string
	counter    bool
}

var (
	groupLabels = []string{"cluster", "group"}
	topicLabels = []string{"cluster", "group", "topic"}
	partLabels  = []string{"cluster", "group", "topic", "partition"}
)

var families = [NumLagFamilies]familyInfo{
	LagFamilyLagRecords:          {"consumergroup_lag_records", "Records between the group's committed offsets and the end of the log, summed over the topic's committed partitions. Absent when any committed partition could not be measured.", topicLabels, false},
	LagFamilyLagSeconds:          {"consumergroup_lag_seconds", "Estimated age of the oldest record the group has not committed past, the maximum over the topic's committed partitions. Absent when any partition's age is unknown.", topicLabels, false},
	LagFamilyPartitionCommitted:  {"consumergroup_partition_committed_offset", "Committed offset of one partition (kafka.perPartitionMetrics).", partLabels, false},
	LagFamilyPartitionEnd:        {"consumergroup_partition_end_offset", "End offset (high watermark) of one partition the group commits to (kafka.perPartitionMetrics).", partLabels, false},
	LagFamilyPartitionLagRecords: {"consumergroup_partition_lag_records", "Record lag of one committed partition (kafka.perPartitionMetrics).", partLabels, false},
	LagFamilyPartitionLagSeconds: {"consumergroup_partition_lag_seconds", "Estimated time lag of one committed partition (kafka.perPartitionMetrics).", partLabels, false},
	LagFamilyPartitions:          {"consumergroup_partitions", "Partitions of the group's topics by how their lag was obtained (measured, stale, unmeasured, uncommitted).", []string{"cluster", "group", "state"}, false},
	LagFamilyStatus:              {"consumergroup_status", "Evaluation of the group over kafka.evaluationWindow (ok, lagging, stalled, rewinding, unknown), as a state set.", []string{"cluster", "group", "status"}, false},
	LagFamilyStatusSince:         {"consumergroup_status_since_timestamp_seconds", "When the group's current status began.", groupLabels, false},
	LagFamilyAuthErrors:          {"kafka_auth_errors_total", "Polls of the cluster that failed to authenticate or were denied: credentials unavailable or refused, or an action not allowed.", []string{"cluster"}, true},
	LagFamilyLastSuccess:         {"kafka_last_scrape_success_timestamp_seconds", "When the cluster last answered a poll.", []string{"cluster"}, false},
	LagFamilyScrapeDuration:      {"kafka_scrape_duration_seconds", "Duration of the last poll of the cluster.", []string{"cluster"}, false},
	LagFamilyScrapeErrors:        {"kafka_scrape_errors_total", "Polls of the cluster that could not read it.", []string{"cluster"}, true},
	LagFamilyTimeLagTables:       {"kafka_time_lag_tables", "Partitions with an offset-to-time table kept in memory for time lag.", []string{"cluster"}, false},
	LagFamilyUp:                  {"kafka_up", "1 if the last poll of the cluster read offsets, 0 if the cluster could not be reached; lag series are withheld while 0.", []string{"cluster"}, false},
}

// cached is appended to HELP: every value comes from the background poll,
// not from the scrape.
const cached = " Cached from the background poll."

// Name is the metric name, flinkslo_ included.
func (f LagFamily) Name() string { return "flinkslo_" + families[f].name }

// Help is the HELP text.
func (f LagFamily) Help() string { return families[f].help + cached }

// Labels are the label names, in the order LagSample carries them: cluster,
// group, topic, partition, then status or state.
func (f LagFamily) Labels() []string { return families[f].labels }

// Counter reports a counter; every other family is a gauge.
func (f LagFamily) Counter() bool { return families[f].counter }

// LagSample is one series of a family. Only the labels the family has are
// set; Partition is -1 when it has none.
type LagSample struct {
	Family    LagFamily
	Cluster   string
	Group     string
	Topic     string
	Partition int32
	// Label is the status or state label value, for LagFamilyStatus and
	// LagFamilyPartitions.
	Label string
	Value float64
}

// Walk calls emit for every series of family f that v holds, sorted by
// group, topic and partition (then label). Groups another replica owns
// (WithGroupOwner) are left to it. perPartition says whether the
// per-partition families are exported (kafka.perPartitionMetrics). It
// allocates nothing: emit receives the same LagSample each time, and must
// not keep it.
func (v *LagView) Walk(f LagFamily, perPartition bool, emit func(*LagSample)) {
	s := LagSample{Family: f, Cluster: v.Cluster, Partition: -1}
	switch f {
	case LagFamilyUp:
		s.Value = boolFloat(v.Up)
	case LagFamilyScrapeDuration:
		s.Value = v.Duration.Seconds()
	case LagFamilyScrapeErrors:
		s.Value = float64(v.Failures)
	case LagFamilyAuthErrors:
		s.Value = float64(v.AuthFailures)
	case LagFamilyTimeLagTables:
		s.Value = float64(v.Tables)
	case LagFamilyLastSuccess:
		if v.LastSuccess.IsZero() {
			return
		}
		s.Value = unixSeconds(v.LastSuccess)
	default:
		v.walkGroups(&s, perPartition, emit)
		return
	}
	emit(&s)
}

func (v *LagView) walkGroups(s *LagSample, perPartition bool, emit func(*LagSample)) {
	for i := range v.Groups {
		g := &v.Groups[i]
		if g.Shadow {
			continue // its owner exports it
		}
		s.Group = g.Group
		switch s.Family {
		case LagFamilyStatus:
			for _, st := range statusLabels {
				s.Label, s.Value = st.String(), boolFloat(g.Status == st)
				emit(s)
			}
		case LagFamilyStatusSince:
			s.Value = unixSeconds(g.StatusSince)
			emit(s)
		case LagFamilyPartitions:
			for _, st := range stateLabels {
				s.Label, s.Value = st.String(), float64(g.Partitions[st])
				emit(s)
			}
		default:
			walkTopics(g, s, perPartition, emit)
		}
	}
}

// statusLabels and stateLabels are in label-value order.
var (
	statusLabels = []LagStatus{LagStatusLagging, LagStatusOK, LagStatusRewinding, LagStatusStalled, LagStatusUnknown}
	stateLabels  = []PartitionState{PartitionMeasured, PartitionStale, PartitionUncommitted, PartitionUnmeasured}
)

func walkTopics(g *GroupLag, s *LagSample, perPartition bool, emit func(*LagSample)) {
	for i := range g.Topics {
		t := &g.Topics[i]
		s.Topic = t.Topic
		switch s.Family {
		case LagFamilyLagRecords:
			if t.Complete {
				s.Value = float64(t.Records)
				emit(s)
			}
		case LagFamilyLagSeconds:
			if t.SecondsKnown {
				s.Value = t.Seconds
				emit(s)
			}
		default:
			if perPartition {
				walkPartitions(t, s, emit)
			}
		}
	}
	s.Topic = ""
}

func walkPartitions(t *TopicLag, s *LagSample, emit func(*LagSample)) {
	for i := range t.Partitions {
		p := &t.Partitions[i]
		if p.State != PartitionMeasured && p.State != PartitionStale {
			continue
		}
		s.Partition = p.Partition
		switch s.Family {
		case LagFamilyPartitionLagRecords:
			s.Value = float64(p.Records)
		case LagFamilyPartitionCommitted:
			s.Value = float64(p.Committed)
		case LagFamilyPartitionEnd:
			s.Value = float64(p.End)
		case LagFamilyPartitionLagSeconds:
			if !p.SecondsKnown {
				continue
			}
			s.Value = p.Seconds
		}
		emit(s)
	}
	s.Partition = -1
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
