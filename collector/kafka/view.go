package kafka

import "time"

// Status is the evaluation of a group over the sliding window.
type Status string

// The statuses, from least to most alarming. Only these strings become
// label values.
const (
	// StatusUnknown: not evaluated yet (fewer than two observations), or
	// the group has no committed offsets to evaluate.
	StatusUnknown Status = "unknown"
	// StatusOK: none of the rules below holds.
	StatusOK Status = "ok"
	// StatusRewinding: a committed offset went backwards within the window
	// and has not yet come back to where it was (a restore from an older
	// savepoint, or an offset reset).
	StatusRewinding Status = "rewinding"
	// StatusLagging: the lag measured at each commit grew across the
	// window (at least three commits, never decreasing, never zero).
	StatusLagging Status = "lagging"
	// StatusStalled: a committed offset has not moved for the whole window
	// while records kept arriving (checkpoints not completing, job stopped).
	StatusStalled Status = "stalled"
)

// statuses lists every status, for the state-set metric.
var statuses = []Status{StatusOK, StatusLagging, StatusStalled, StatusRewinding, StatusUnknown}

func (s Status) String() string { return string(s) }

// rank orders statuses for "worst partition wins".
func (s Status) rank() int {
	switch s {
	case StatusStalled:
		return 4
	case StatusLagging:
		return 3
	case StatusRewinding:
		return 2
	case StatusOK:
		return 1
	}
	return 0
}

// PartitionState says how a partition's lag was obtained this cycle.
type PartitionState string

const (
	// PartitionMeasured: committed and end offsets read this cycle.
	PartitionMeasured PartitionState = "measured"
	// PartitionStale: this cycle could not read it; the last measurement,
	// younger than three poll intervals, is carried forward.
	PartitionStale PartitionState = "stale"
	// PartitionUnmeasured: could not be read and nothing recent to carry;
	// its lag is unknown and the topic's series are withheld.
	PartitionUnmeasured PartitionState = "unmeasured"
	// PartitionUncommitted: the group commits to the topic but never
	// committed this partition (before the first checkpoint, or added
	// since). Not lag: it is excluded from sums instead of counted as the
	// whole log, as kadm would.
	PartitionUncommitted PartitionState = "uncommitted"
)

// partitionStates lists every partition state, for metrics.
var partitionStates = []PartitionState{PartitionMeasured, PartitionStale, PartitionUnmeasured, PartitionUncommitted}

func (s PartitionState) String() string { return string(s) }

// GroupLag is the latest view of one consumer group. Values are immutable
// once published: do not modify Topics.
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
	Status      Status
	StatusSince time.Time
	// Partitions counts partitions by state.
	Partitions map[PartitionState]int
	Topics     []TopicLag
	// At is when the offsets were read.
	At time.Time
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
	Partitions    []PartitionLag
}

// PartitionLag is one partition of a group's topic.
type PartitionLag struct {
	Partition int32
	State     PartitionState
	// Committed and End are the offsets the lag was computed from (-1 when
	// not known).
	Committed int64
	End       int64
	Records   int64
	// Seconds is the time lag; SecondsError bounds its error (see the
	// package documentation). SecondsCapped: a lower bound.
	Seconds       float64
	SecondsError  float64
	SecondsKnown  bool
	SecondsCapped bool
	Status        Status
}

// clusterView is what one cycle published for one cluster.
type clusterView struct {
	up          bool
	err         error
	duration    time.Duration
	lastSuccess time.Time
	groups      map[string]*GroupLag
}
