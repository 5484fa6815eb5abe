package kafka

import (
	"math"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// autoReadsPerPoll bounds the record timestamps timeLag auto reads per
// cluster and poll; the partitions left over are read at the next polls.
const autoReadsPerPoll = 20000

// measureCommits is the first half of measuring a cycle: every partition
// the cycle's OffsetFetch listed with a committed offset is observed,
// evaluated and given a time lag from its table. It returns the
// partitions whose record timestamp is wanted: every lagging one (timeLag
// record), or those the table cannot place closely enough, unknown ones
// first, whole groups in name order, at most readsPerPoll (auto). Only
// what the budget can take is collected, so a fleet far behind costs no
// more memory than one caught up.
func (p *poller) measureCommits(at time.Time) []readWant {
	limit := math.MaxInt
	if p.set.timeLag == timeLagAuto {
		limit = p.set.readsPerPoll
	}
	first, wide := p.first[:0], p.wide[:0]
	for _, g := range p.order {
		if g.failed {
			continue
		}
		for i := range g.topics {
			gt := &g.topics[i]
			t := gt.t
			if gt.listed != p.seq || t.deleted {
				continue
			}
			for j := range gt.parts {
				st := &gt.parts[j]
				if st.fetched != p.seq || st.has(flagNoCommit|flagFetchErr) || !t.hasEnd(int32(j), p.seq) {
					continue // uncommitted, or carried: see assemble
				}
				w := readWant{t: t, part: int32(j), offset: st.pending, st: st}
				switch p.measurePartition(&t.parts[j], st, at) {
				case readFirst:
					if len(first) < limit {
						first = append(first, w)
					}
				case readWide:
					if len(first)+len(wide) < limit {
						wide = append(wide, w)
					}
				}
			}
		}
	}
	p.first, p.wide = first, wide
	return append(first, wide[:min(len(wide), limit-len(first))]...)
}

// readNeed says whether, and how urgently, a partition's record timestamp
// is wanted.
type readNeed uint8

const (
	readNone readNeed = iota
	readFirst
	readWide
)

func (p *poller) measurePartition(tp *topicPart, st *partState, at time.Time) readNeed {
	committed, end := st.pending, tp.end
	if st.lastAt != 0 && end < st.end {
		p.reads.release(st.read) // the log was truncated or the topic recreated
		st.read = 0
	}
	st.observe(&p.hist, at, committed, end, p.set.window)
	st.lastAt = at.UnixNano()
	st.status = rankOf(st.evaluate(&p.hist, at, p.set.window))
	st.flags |= flagFresh
	if tp.keepFrom < 0 || committed < tp.keepFrom {
		tp.keepFrom = committed
	}
	est, need := p.timeLag(tp, st, committed, end, at)
	st.setEstimate(est)
	return need
}

// timeLag estimates the age of the record at committed: exactly 0 when
// caught up, from a record timestamp read at that offset, or from the
// table (after any read record before it).
func (p *poller) timeLag(tp *topicPart, st *partState, committed, end int64, at time.Time) (estimate, readNeed) {
	if committed >= end {
		return estimate{known: true}, readNone
	}
	a := noAnchor
	if st.read != 0 {
		r := p.reads.get(st.read)
		if r.offset == committed {
			return r.estimate(at), readNone
		}
		if r.offset < committed {
			a = anchor{offset: r.offset, ms: r.ms}
		}
	}
	var tab timeTable
	p.tableSlab.load(tp.table, &tab)
	est := tab.lookup(committed, at, p.set.window, a)
	if a.offset >= 0 && p.set.timeLag != timeLagRecord && tab.hasPointIn(a.offset, committed) {
		// A point of the table now lies after the read record and at or
		// before the commit: it brackets this and every later commit more
		// tightly than the read, which lookup no longer uses. At a
		// million partitions the reads kept after start-up were 18 MB.
		p.reads.release(st.read)
		st.read = 0
	}
	switch p.set.timeLag {
	case timeLagRecord:
		return est, readFirst
	case timeLagAuto:
		if !est.known || est.capped {
			return est, readFirst
		}
		if est.errBound > autoTolerance(est.seconds, p.set.pollInterval) {
			return est, readWide
		}
	}
	return est, readNone
}

// autoTolerance is the widest bracket timeLag auto accepts from the
// table: two poll intervals, or a tenth of the lag when that is more.
func autoTolerance(seconds float64, poll time.Duration) float64 {
	return max(2*poll.Seconds(), seconds/10)
}

func (s *partState) setEstimate(e estimate) {
	s.seconds, s.errBound = e.seconds, float32(e.errBound)
	s.flags &^= flagKnown | flagCapped
	if e.known {
		s.flags |= flagKnown
	}
	if e.capped {
		s.flags |= flagCapped
	}
}

// lag is the partition's latest fresh measurement.
func (s *partState) lag(part int32) fleet.PartitionLag {
	return fleet.PartitionLag{
		Partition: part, State: fleet.PartitionMeasured,
		Committed: s.committed, End: s.end, Records: max(0, s.end-s.committed),
		Seconds: s.seconds, SecondsError: float64(s.errBound),
		SecondsKnown: s.has(flagKnown), SecondsCapped: s.has(flagCapped),
	}
}

// updateTables adds this poll's end offsets to the topics' offset→time
// tables, trimmed below the oldest offset committed at the previous poll,
// and returns how many partitions have a table.
func (p *poller) updateTables(topics []*topicState, at time.Time) int {
	n := 0
	var tab timeTable
	for _, t := range topics {
		if t.deleted {
			t.dropTables(&p.tableSlab)
			continue
		}
		for i := range t.parts {
			tp := &t.parts[i]
			if tp.endPoll == p.seq {
				p.tableSlab.load(tp.table, &tab)
				tab.add(tp.end, at, tp.keepFrom)
				tp.table = p.tableSlab.store(tp.table, &tab)
				tp.keepFrom = -1
			}
			if tp.table.n > 0 {
				n++
			}
		}
	}
	p.tableSlab.sweep()
	p.reads.sweep()
	return n
}
