package fleet

import (
	"cmp"
	"slices"
	"time"
)

// LagStatus is the evaluation of a consumer group over the Kafka
// collector's sliding window (kafka.evaluationWindow).
type LagStatus string

// The statuses, from least to most alarming. Only these strings become
// label values.
const (
	// LagStatusUnknown: not evaluated yet (fewer than two observations), or
	// the group has no committed offsets to evaluate.
	LagStatusUnknown LagStatus = "unknown"
	// LagStatusOK: none of the rules below holds.
	LagStatusOK LagStatus = "ok"
	// LagStatusRewinding: a committed offset went backwards within the
	// window and has not yet come back to where it was (a restore from an
	// older savepoint, or an offset reset).
	LagStatusRewinding LagStatus = "rewinding"
	// LagStatusLagging: the lag measured at each commit grew across the
	// window (at least three commits, never decreasing, never zero).
	LagStatusLagging LagStatus = "lagging"
	// LagStatusStalled: a committed offset has not moved for the whole
	// window while records kept arriving (checkpoints not completing, job
	// stopped).
	LagStatusStalled LagStatus = "stalled"
)

func (s LagStatus) String() string { return string(s) }

// PartitionState says how a partition's lag was obtained this cycle.
type PartitionState uint8

const (
	// PartitionMeasured: committed and end offsets read this cycle.
	PartitionMeasured PartitionState = iota
	// PartitionStale: this cycle could not read it; the last measurement,
	// younger than three poll intervals, is carried forward.
	PartitionStale
	// PartitionUnmeasured: could not be read and nothing recent to carry;
	// its lag is unknown and the topic's series are withheld.
	PartitionUnmeasured
	// PartitionUncommitted: the group commits to the topic but never
	// committed this partition (before the first checkpoint, or added
	// since). Not lag: it is excluded from sums instead of counted as the
	// whole log, as kadm would.
	PartitionUncommitted
	numPartitionStates
)

var partitionStateNames = [...]string{"measured", "stale", "unmeasured", "uncommitted"}

func (s PartitionState) String() string { return partitionStateNames[s] }

// PartitionCounts counts a group's partitions by state, indexed by
// PartitionState.
type PartitionCounts [numPartitionStates]int

// GroupLag is the latest view of one consumer group. Values are immutable
// once published: do not modify Topics or their Partitions, which share
// the LagView's storage. A Snapshot's KafkaView holds it without Topics.
type GroupLag struct {
	Cluster string
	Group   string
	// Known: every committed partition was measured (fresh or stale) and
	// there is at least one. When false, Records and Seconds are not the
	// group's lag and are not exported.
	Known bool
	// Records is the sum of record lag over committed partitions.
	Records int64
	// Seconds is the largest time lag over committed partitions; valid
	// only if SecondsKnown. SecondsCapped: at least one partition is
	// further behind than the offset→time table reaches, and Seconds is a
	// lower bound.
	Seconds       float64
	SecondsKnown  bool
	SecondsCapped bool
	// Status and StatusSince: the evaluation and when it last changed.
	Status      LagStatus
	StatusSince time.Time
	// Partitions counts partitions by state.
	Partitions PartitionCounts
	// Topics, sorted by name.
	Topics []TopicLag
	// At is when the offsets were read.
	At time.Time
	// Shadow: another replica owns and exports the group; this one
	// measured it only for its targets (kafka.WithGroupOwner). Exported
	// only because collector/kafka sets it and LagView.Walk, here, skips
	// such groups; the group's lag is still valid for this replica's
	// health.
	Shadow bool
}

// TopicLag is one topic of a group.
type TopicLag struct {
	Topic string
	// Complete: no committed partition is unmeasured; only then are
	// Records and Seconds exported for the topic.
	Complete      bool
	Records       int64
	Seconds       float64
	SecondsKnown  bool
	SecondsCapped bool
	// Partitions, sorted by partition, every partition of the topic; only
	// with kafka.perPartitionMetrics, since they cost 48 bytes each in
	// every view.
	Partitions []PartitionLag
}

// PartitionLag is one partition of a group's topic. It holds no pointer:
// a LagView's million partitions cost the garbage collector nothing to scan.
type PartitionLag struct {
	// Committed and End are the offsets the lag was computed from (-1 when
	// not known).
	Committed int64
	End       int64
	Records   int64
	// Seconds is the time lag; SecondsError bounds its error (see
	// collector/kafka's package documentation). SecondsCapped: a lower
	// bound.
	Seconds       float64
	SecondsError  float64
	Partition     int32
	State         PartitionState
	SecondsKnown  bool
	SecondsCapped bool
}

// LagView is what one poll of one Kafka cluster published. It is never
// modified after publication, so readers share it without locking, and Seq
// tells them apart: a renderer can cache what it made of a view by Seq.
//
// collector/kafka fills it; it lives here, in the leaf, so that the
// snapshot, health and the exporters share one consumer-group lag type
// without importing the collector and its Kafka client.
type LagView struct {
	Cluster string
	// Seq increases with every view the kafka.Collector publishes, across
	// clusters.
	Seq uint64
	// Up: the poll read the cluster. A view that is not up has no groups:
	// lag is never reported because it could not be seen.
	Up  bool
	Err error
	// Duration of the poll; LastSuccess is when the cluster last answered
	// (zero: never).
	Duration    time.Duration
	LastSuccess time.Time
	// Failures counts the polls of the cluster that could not read it,
	// this one included.
	Failures uint64
	// AuthFailures counts those of Failures that failed to authenticate or
	// were denied.
	AuthFailures uint64
	// Tables is how many partitions keep an offset→time table.
	Tables int
	// Groups, sorted by name.
	Groups []GroupLag
}

// Group returns the named group's lag.
func (v *LagView) Group(name string) (GroupLag, bool) {
	i, ok := slices.BinarySearchFunc(v.Groups, name, func(g GroupLag, name string) int { return cmp.Compare(g.Group, name) })
	if !ok {
		return GroupLag{}, false
	}
	return v.Groups[i], true
}
