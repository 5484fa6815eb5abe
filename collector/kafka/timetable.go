package kafka

import (
	"math"
	"time"
)

// tablePoints bounds the offset→time table of each partition, 136 bytes
// when full (see thin for which points it keeps, tableSlab for where).
const tablePoints = 16

// point is one entry of a table, relative to the table's first point: the
// end offset was baseOff+off at baseMs+ms. Eight bytes instead of sixteen:
// a table reaches back at most 2³² records and 2³² ms (49 days) from its
// newest point, older points are dropped.
type point struct {
	off, ms uint32
}

// timeTable is the history of one partition's end offset, as
// kafka-lag-exporter keeps it, used to estimate when the record at a
// committed offset was produced. It is shared by every group reading the
// partition and grows on demand: a flat stretch needs only its first and
// latest point, and points older than every group's committed offset are
// trimmed (and their room given back: see tableSlab). Past tablePoints it
// drops the interior point whose removal changes the curve least
// (see thin), so it keeps its oldest point and its horizon grows with the
// exporter's uptime while recent history stays at poll resolution.
//
// This is the working form of a table, loaded from the poller's
// tableSlab, changed and stored back; the first point is always the base
// (off and ms zero), which the slab does not store.
type timeTable struct {
	baseOff int64
	baseMs  int64
	n       int
	pts     [tablePoints]point
}

func (t *timeTable) len() int { return t.n }

// points is the table's points, for tests and messages.
func (t *timeTable) points() []point { return t.pts[:t.n] }

// hasPointIn reports whether a point's offset lies in (lo, hi].
func (t *timeTable) hasPointIn(lo, hi int64) bool {
	for i := t.n - 1; i >= 0; i-- {
		if o, _ := t.at(i); o <= hi {
			return o > lo
		}
	}
	return false
}

// at returns point i as an absolute offset and unix milliseconds.
func (t *timeTable) at(i int) (offset, ms int64) {
	return t.baseOff + int64(t.pts[i].off), t.baseMs + int64(t.pts[i].ms)
}

// add records the end offset seen at a poll. keepFrom, when ≥ 0, is the
// oldest offset any group had committed at the previous poll: points
// before the one bracketing it can no longer be looked up, unless a group
// rewinds.
func (t *timeTable) add(offset int64, at time.Time, keepFrom int64) {
	ms := at.UnixMilli()
	n := t.n
	if n == 0 {
		t.reset(offset, ms)
		return
	}
	lastOff, lastMs := t.at(n - 1)
	switch {
	case ms <= lastMs:
		return // out of order: keep the history monotonic in time
	case offset < lastOff:
		// The log was truncated or the topic recreated: history no
		// longer describes these offsets.
		t.reset(offset, ms)
		return
	}
	if keepFrom >= 0 {
		t.trim(keepFrom)
	}
	t.fit(offset, ms)
	if t.n == 0 {
		t.reset(offset, ms)
		return
	}
	n = t.n
	p := point{off: uint32(offset - t.baseOff), ms: uint32(ms - t.baseMs)}
	if n >= 2 && t.pts[n-1].off == p.off && t.pts[n-2].off == p.off {
		// A flat stretch needs only its first and its latest point.
		t.pts[n-1] = p
		return
	}
	if n == tablePoints {
		t.thin() // room made before the new point: a full table is 17 words, not 18
	}
	t.pts[t.n] = p
	t.n++
}

func (t *timeTable) reset(offset, ms int64) {
	t.baseOff, t.baseMs = offset, ms
	t.pts[0], t.n = point{}, 1
}

// fit drops the oldest points until offset and ms fit in 32 bits from the
// first one.
func (t *timeTable) fit(offset, ms int64) {
	drop := 0
	for drop < t.n {
		o, m := t.at(drop)
		if offset-o <= math.MaxUint32 && ms-m <= math.MaxUint32 {
			break
		}
		drop++
	}
	t.dropFirst(drop)
}

// trim drops the points before the last one at or below offset.
func (t *timeTable) trim(offset int64) {
	i := 0
	for i+1 < t.n {
		if o, _ := t.at(i + 1); o > offset {
			break
		}
		i++
	}
	// Keep at least two points: the flat-stretch rule needs them.
	t.dropFirst(min(i, t.n-2))
}

// dropFirst removes the first k points and rebases the rest on the new
// first one.
func (t *timeTable) dropFirst(k int) {
	if k <= 0 {
		return
	}
	if k >= t.n {
		t.n = 0
		return
	}
	first := t.pts[k]
	t.baseOff += int64(first.off)
	t.baseMs += int64(first.ms)
	t.n = copy(t.pts[:], t.pts[k:t.n])
	for i := range t.n {
		t.pts[i].off -= first.off
		t.pts[i].ms -= first.ms
	}
}

// thin drops the interior point whose removal widens the table's
// brackets least relative to their age: the bracket it would merge, from
// the point before it to the point after, divided by how long ago the
// point after was polled. Old points go first and a recent point only to
// a much older one, so the brackets widen geometrically with age, which
// is the error that matters (timeLag auto accepts a tenth of the lag); the
// newest bracket is never merged. Visvalingam's area, the earlier rule,
// thinned at the newest end of a steady stream and left groups a minute
// behind with hour-wide brackets.
func (t *timeTable) thin() {
	n := t.n
	newest := t.pts[n-1].ms
	best, bestScore := -1, 0.0
	for i := 1; i < n-2; i++ {
		width := float64(t.pts[i+1].ms - t.pts[i-1].ms)
		score := width / float64(newest-t.pts[i+1].ms)
		if best < 0 || score < bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		best = 1
	}
	copy(t.pts[best:], t.pts[best+1:n])
	t.n--
}

// estimate is a time lag in seconds with its error bound. capped: the
// offset is older than the table, and seconds is a lower bound.
type estimate struct {
	seconds, errBound float64
	known, capped     bool
}

// anchor is the timestamp of the record at offset, read from the log
// (offset < 0: none). The record after it was produced no earlier, so it
// can stand as the left end of a bracket.
type anchor struct {
	offset int64
	ms     int64
}

var noAnchor = anchor{offset: -1}

// lookup estimates how long ago the record at offset was produced.
//
// The end offset was o_i at t_i and o_{i+1} > offset at t_{i+1}, so the
// record was produced in (t_i, t_{i+1}]; it is placed linearly in that
// interval and the error is at most its width. A read record before
// offset, if later than t_i, narrows the interval from the left. An offset
// older than the table (and than any anchor) is not extrapolated (the
// failure kafka-lag-exporter users reported as years of lag): it is
// unknown, or, once the table spans minHorizon, a lower bound of now − t_0.
func (t *timeTable) lookup(offset int64, now time.Time, minHorizon time.Duration, a anchor) estimate {
	n := t.n
	if n == 0 {
		return estimate{}
	}
	if last, _ := t.at(n - 1); offset >= last {
		return estimate{known: true}
	}
	nowMs := float64(now.UnixNano()) / 1e6
	i := n - 1 // the first point above offset
	for i > 0 {
		if o, _ := t.at(i - 1); o <= offset {
			break
		}
		i--
	}
	bOff, bMs := t.at(i)
	aOff, aMs, left := int64(0), int64(0), i > 0
	if left {
		aOff, aMs = t.at(i - 1)
	}
	if a.offset >= 0 && a.offset < offset && (!left || a.offset+1 > aOff) {
		aOff, aMs, left = a.offset+1, min(max(a.ms, aMs), bMs), true
	}
	if !left {
		age := time.Duration((nowMs - float64(bMs)) * 1e6)
		if age < minHorizon {
			return estimate{}
		}
		return estimate{seconds: age.Seconds(), known: true, capped: true}
	}
	frac := float64(offset-aOff+1) / float64(bOff-aOff)
	produced := float64(aMs) + frac*float64(bMs-aMs)
	return estimate{
		seconds:  max(0, (nowMs-produced)/1e3),
		errBound: float64(bMs-aMs) / 1e3,
		known:    true,
	}
}
