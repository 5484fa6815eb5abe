package kafka

import (
	"math"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// minLagSamples is how many commits the lagging rule needs in the window:
// with fewer, a sawtooth's noise looks like a trend.
const minLagSamples = 3

// partState is what the evaluation remembers of one partition of one
// group between cycles, and its latest measurement. It holds no pointer,
// so a group's slice of them costs the garbage collector nothing to scan.
// Only the poller's goroutine touches it.
type partState struct {
	// committed and end: the latest fresh observation, at lastAt (unix
	// ns; 0: never observed).
	committed, end int64
	lastAt         int64
	// pending is the committed offset this poll's OffsetFetch listed, to
	// be measured once the end offsets are read.
	pending int64
	// seconds and errBound: the latest time lag, carried while stale.
	seconds  float64
	errBound float32
	// commitSince is when the current committed offset was first seen
	// (a histories stamp); flagMoved: the end offset moved since.
	commitSince int32
	// fetched is the poll whose OffsetFetch listed the partition.
	fetched uint32
	// hist and read index the partition's commit history and the record
	// timestamp read for it in the poller's slabs (0: none yet).
	hist         int32
	read         int32
	observations uint8
	status       statusRank
	flags        uint8
}

const (
	flagKnown    = 1 << iota // seconds is known
	flagCapped               // seconds is a lower bound
	flagFresh                // measured at the poll in fetched
	flagNoCommit             // listed at fetched with no committed offset
	flagFetchErr             // listed at fetched with an error
	flagMoved                // the end offset moved since the commit
)

func (s *partState) has(f uint8) bool { return s.flags&f != 0 }

// history is the commit history of one partition, allocated on its first
// commit change: the lagging rule in O(1) space (see growing). Times are
// seconds since the histories' epoch, which is precise enough for a
// window of minutes and keeps a history in 32 bytes; the latest rewind,
// which few partitions have, is kept beside it (see rewinds).
type history struct {
	// t1, t2, t3: when the latest three lag samples were taken (never:
	// fewer), lastLag the latest lag.
	lastLag    int64
	t1, t2, t3 int32
	// breakAt: the sample before the current run of non-decreasing lags
	// (never: none). zeroAt: the latest sample of lag 0 in the run.
	// belowAt: the latest sample in the run with a lag below lastLag.
	breakAt, zeroAt, belowAt int32
}

// never is a time before any window.
const never = math.MinInt32

func newHistory() history {
	return history{t1: never, t2: never, t3: never, breakAt: never, zeroAt: never, belowAt: never}
}

// addSample adds the lag seen at the first poll after a commit: the floor
// of Flink's sawtooth, which is what grows when a job falls behind.
func (h *history) addSample(at int32, lag int64) {
	switch {
	case h.t1 == never:
		h.breakAt, h.belowAt = never, never
		h.zeroAt = never
	case lag < h.lastLag:
		h.breakAt, h.zeroAt, h.belowAt = h.t1, never, never
	case lag > h.lastLag:
		h.belowAt = h.t1
	}
	if lag == 0 {
		h.zeroAt = at
	}
	h.t3, h.t2, h.t1, h.lastLag = h.t2, h.t1, at, lag
}

// clearSamples forgets the lag samples: lag before and after a rewind are
// not one trend.
func (h *history) clearSamples() {
	h.t1, h.t2, h.t3, h.lastLag = never, never, never, 0
	h.breakAt, h.zeroAt, h.belowAt = never, never, never
}

// growing: at least minLagSamples commits in the window (since on), the
// lag at each never below the one before, never zero, and larger at the
// end than at the start. A job that catches up even once within the
// window is not lagging (Burrow's rule 1). Over the samples in the window,
// in order: all belong to the current non-decreasing run (the sample
// before it is older), none is zero (the run's zeros come first, the
// latest is older), and one is below the last (the latest such is in the
// window); the third latest sample is in the window.
func (h *history) growing(since int32) bool {
	return h.t3 >= since && h.breakAt < since && h.zeroAt < since && h.belowAt >= since
}

// histories are the partitions' commit histories, their latest rewinds,
// and the epoch of their times.
type histories struct {
	slab[history]
	rewinds rewinds
	epoch   int64
}

// stamp is at in seconds since the epoch, which is the first time stamped.
func (hs *histories) stamp(at time.Time) int32 {
	ns := at.UnixNano()
	if hs.epoch == 0 {
		hs.epoch = ns
	}
	return int32((ns - hs.epoch) / int64(time.Second))
}

// release frees history i and its rewind.
func (hs *histories) release(i int32) {
	if i > 0 {
		hs.rewinds.clear(i)
		hs.slab.release(i)
	}
}

// rewinding: history i's partition committed backwards within the window
// and its committed offset is still below the one before the rewind.
func (hs *histories) rewinding(i, at int32, window time.Duration, committed int64) bool {
	r := hs.rewinds.get(i)
	return r != nil && int64(at-r.at) < int64(window/time.Second) && committed < r.from
}

// rewind is the latest backwards commit of a partition: the offset before
// it, from, at at.
type rewind struct {
	from int64
	at   int32
	set  bool
}

// rewinds keeps the rewinds beside the histories, rewind i for history i,
// in blocks of slabBlock allocated only while a history in them has one.
// A rewind is cleared once the committed offset is back at the offset
// before it: it can then no longer make the partition rewinding, and a
// new rewind replaces it whole. Flink rewinds the partitions of a job
// together, and they were allocated together, so most blocks stay empty:
// 16 bytes on every history, most of them unused, become 16 per block's
// worth of histories of a job that rewound.
type rewinds struct {
	blocks [][]rewind
	live   []int32
}

func (rs *rewinds) get(i int32) *rewind {
	b, j := int(i-1)/slabBlock, int(i-1)%slabBlock
	if b >= len(rs.blocks) || rs.blocks[b] == nil || !rs.blocks[b][j].set {
		return nil
	}
	return &rs.blocks[b][j]
}

func (rs *rewinds) set(i int32, from int64, at int32) {
	b, j := int(i-1)/slabBlock, int(i-1)%slabBlock
	for len(rs.blocks) <= b {
		rs.blocks, rs.live = append(rs.blocks, nil), append(rs.live, 0)
	}
	if rs.blocks[b] == nil {
		rs.blocks[b] = make([]rewind, slabBlock)
	}
	if !rs.blocks[b][j].set {
		rs.live[b]++
	}
	rs.blocks[b][j] = rewind{from: from, at: at, set: true}
}

func (rs *rewinds) clear(i int32) {
	b, j := int(i-1)/slabBlock, int(i-1)%slabBlock
	if b >= len(rs.blocks) || rs.blocks[b] == nil || !rs.blocks[b][j].set {
		return
	}
	rs.blocks[b][j] = rewind{}
	if rs.live[b]--; rs.live[b] == 0 {
		rs.blocks[b] = nil
	}
}

// slab holds values of T for the partitions that need one, in blocks
// that never move, reusing released slots; index 0 means none. With a
// pointer-free T the garbage collector never scans it.
type slab[T any] struct {
	blocks [][]T
	n      int32
	free   []int32
}

const slabBlock = 4096

func (s *slab[T]) get(i int32) *T { return &s.blocks[(i-1)/slabBlock][(i-1)%slabBlock] }

// alloc returns the index of a slot set to v.
func (s *slab[T]) alloc(v T) int32 {
	var i int32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		if int(s.n)%slabBlock == 0 {
			s.blocks = append(s.blocks, make([]T, slabBlock))
		}
		s.n++
		i = s.n
	}
	*s.get(i) = v
	return i
}

func (s *slab[T]) release(i int32) {
	if i > 0 {
		s.free = append(s.free, i)
	}
}

// observe feeds one fresh observation of committed and end offsets.
func (s *partState) observe(hs *histories, at time.Time, committed, end int64, window time.Duration) {
	now := hs.stamp(at)
	if s.observations < 2 {
		s.observations++
	}
	if s.observations == 1 {
		s.committed, s.end, s.commitSince = committed, end, now
		s.flags &^= flagMoved
		return
	}
	switch {
	case committed != s.committed:
		if s.hist == 0 {
			s.hist = hs.alloc(newHistory())
		}
		h := hs.get(s.hist)
		if committed < s.committed {
			from := s.committed
			if hs.rewinding(s.hist, now, window, s.committed) {
				from = max(from, hs.rewinds.get(s.hist).from)
			}
			hs.rewinds.set(s.hist, from, now)
			h.clearSamples()
		} else {
			h.addSample(now, max(0, end-committed))
		}
		s.committed, s.commitSince = committed, now
		s.flags &^= flagMoved
	case end > s.end:
		s.flags |= flagMoved
	}
	s.end = end
}

// evaluate applies the rules, most alarming first, in the spirit of
// Burrow's but over a window of time rather than of commits, because
// Flink commits once per checkpoint and checkpoint intervals differ.
func (s *partState) evaluate(hs *histories, at time.Time, window time.Duration) fleet.LagStatus {
	if s.observations < 2 {
		return fleet.LagStatusUnknown
	}
	now, w := hs.stamp(at), int32(window/time.Second)
	if now-s.commitSince >= w && s.has(flagMoved) && s.end > s.committed {
		return fleet.LagStatusStalled
	}
	if s.hist == 0 {
		return fleet.LagStatusOK
	}
	if hs.get(s.hist).growing(now - w) {
		return fleet.LagStatusLagging
	}
	if hs.rewinding(s.hist, now, window, s.committed) {
		return fleet.LagStatusRewinding
	}
	if r := hs.rewinds.get(s.hist); r != nil && s.committed >= r.from {
		hs.rewinds.clear(s.hist) // caught up: see rewinds
	}
	return fleet.LagStatusOK
}

// forget resets the partition (it is no longer committed) and releases
// its history and record timestamp.
func (s *partState) forget(p *poller) {
	p.hist.release(s.hist)
	p.reads.release(s.read)
	*s = partState{}
}
