package kafka

import (
	"cmp"
	"slices"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// topicState is what a poller keeps of one topic some group commits to:
// its metadata (cached across polls), each partition's end offset this
// poll and its offset→time table.
type topicState struct {
	name string
	id   [16]byte
	// parts is indexed by partition.
	parts []topicPart
	// metaAt is when the metadata was last read (zero: never); refresh
	// asks for it again at the next poll (a leader moved, a partition
	// appeared).
	metaAt  time.Time
	refresh bool
	// deleted: the cluster answered that the topic does not exist.
	deleted bool
	// wanted is the last poll at which a group committed to the topic.
	wanted uint32
}

// topicPart is one partition of a topic: 32 bytes and no pointer, so a
// topic's partitions cost the garbage collector nothing to scan (its
// table is in the poller's tableSlab).
type topicPart struct {
	leader int32
	// endPoll is the poll at which end was read (the end offset is not
	// known this poll otherwise).
	endPoll uint32
	end     int64
	// keepFrom is the oldest offset a group committed since the table was
	// last added to (-1: none), below which it can be trimmed.
	keepFrom int64
	table    tableRef
}

// hasEnd: the end offset was read this poll.
func (t *topicState) hasEnd(p int32, poll uint32) bool {
	return p >= 0 && int(p) < len(t.parts) && t.parts[p].endPoll == poll
}

// grow makes room for partitions [0, n).
func (t *topicState) grow(n int) {
	if n <= len(t.parts) {
		return
	}
	// Exactly n, not slices.Grow's rounding up: topics rarely gain
	// partitions.
	parts := make([]topicPart, n)
	copy(parts, t.parts)
	for i := len(t.parts); i < n; i++ {
		parts[i] = topicPart{leader: -1, keepFrom: -1}
	}
	t.parts = parts
}

// dropTables gives the topic's tables back to the slab.
func (t *topicState) dropTables(s *tableSlab) {
	for i := range t.parts {
		s.release(t.parts[i].table)
		t.parts[i].table = tableRef{}
	}
}

// groupState is what a poller keeps of one group between polls.
type groupState struct {
	name string
	// topics, sorted by name, each with its partitions' states.
	topics []groupTopic
	status groupStatus
	// selected is the last poll that measured the group; fetched the last
	// whose OffsetFetch answered for it; failed: this poll's did not.
	selected uint32
	fetched  uint32
	failed   bool
	// shadow: measured for a target, exported by the replica owning it.
	shadow bool
	// coordinator is the group's coordinator broker (-1: not known).
	coordinator int32
}

type groupStatus struct {
	status fleet.LagStatus
	since  time.Time
}

// groupTopic is one topic of a group: the state of each of its partitions,
// indexed by partition.
type groupTopic struct {
	t     *topicState
	parts []partState
	// listed is the last poll whose OffsetFetch listed the topic.
	listed uint32
}

// topic returns the group's entry for t, adding it in order.
func (g *groupState) topic(t *topicState) *groupTopic {
	i, ok := slices.BinarySearchFunc(g.topics, t.name, func(gt groupTopic, name string) int { return cmp.Compare(gt.t.name, name) })
	if !ok {
		g.topics = slices.Insert(g.topics, i, groupTopic{t: t})
	}
	return &g.topics[i]
}

// growParts makes room for partitions [0, n).
func (gt *groupTopic) growParts(n int) {
	if n > len(gt.parts) {
		gt.parts = append(gt.parts, make([]partState, n-len(gt.parts))...)
	}
}

// forget releases what the poller's slabs hold for the group.
func (g *groupState) forget(p *poller) {
	for i := range g.topics {
		g.topics[i].forget(p)
	}
	g.topics = nil
}

func (gt *groupTopic) forget(p *poller) {
	for i := range gt.parts {
		gt.parts[i].forget(p)
	}
}
