package kafka

import "time"

// tablePoints bounds the offset→time table of each partition: 32 points
// of 16 bytes, so 32,000 partitions cost about 16 MiB.
const tablePoints = 32

// point says the partition's end offset was offset at time at (unix ns).
type point struct {
	offset int64
	at     int64
}

// timeTable is the history of one partition's end offset, as
// kafka-lag-exporter keeps it, used to estimate when the record at a
// committed offset was produced. It stays within tablePoints by dropping
// the interior point whose removal changes the curve least
// (Visvalingam–Whyatt), so it keeps its oldest point and its horizon grows
// with the exporter's uptime while recent history stays fine-grained.
type timeTable struct {
	pts []point
}

// add records the end offset seen at a poll.
func (t *timeTable) add(offset int64, at time.Time) {
	p := point{offset: offset, at: at.UnixNano()}
	if t.pts == nil {
		t.pts = make([]point, 0, tablePoints+1)
	}
	n := len(t.pts)
	switch {
	case n > 0 && p.at <= t.pts[n-1].at:
		return // out of order: keep the history monotonic in time
	case n > 0 && offset < t.pts[n-1].offset:
		// The log was truncated or the topic recreated: history no
		// longer describes these offsets.
		t.pts = t.pts[:0]
	case n >= 2 && t.pts[n-1].offset == offset && t.pts[n-2].offset == offset:
		// A flat stretch needs only its first and its latest point.
		t.pts[n-1] = p
		return
	}
	t.pts = append(t.pts, p)
	if len(t.pts) > tablePoints {
		t.thin()
	}
}

// thin drops the interior point with the smallest triangle area.
func (t *timeTable) thin() {
	best, bestArea := -1, 0.0
	for i := 1; i < len(t.pts)-1; i++ {
		a, b, c := t.pts[i-1], t.pts[i], t.pts[i+1]
		area := float64(b.at-a.at)*float64(c.offset-a.offset) - float64(c.at-a.at)*float64(b.offset-a.offset)
		if area < 0 {
			area = -area
		}
		if best < 0 || area < bestArea {
			best, bestArea = i, area
		}
	}
	t.pts = append(t.pts[:best], t.pts[best+1:]...)
}

// estimate is a time lag in seconds with its error bound. capped: the
// offset is older than the table, and seconds is a lower bound.
type estimate struct {
	seconds, errBound float64
	known, capped     bool
}

// lookup estimates how long ago the record at offset was produced.
//
// The end offset was o_i at t_i and o_{i+1} > offset at t_{i+1}, so the
// record was produced in (t_i, t_{i+1}]; it is placed linearly in that
// interval and the error is at most its width. An offset older than the
// table is not extrapolated (the failure kafka-lag-exporter users reported
// as years of lag): it is unknown, or, once the table spans minHorizon, a
// lower bound of now − t_0.
func (t *timeTable) lookup(offset int64, now time.Time, minHorizon time.Duration) estimate {
	n := len(t.pts)
	if n == 0 {
		return estimate{}
	}
	if offset >= t.pts[n-1].offset {
		return estimate{known: true}
	}
	nowNs := now.UnixNano()
	if offset < t.pts[0].offset {
		age := time.Duration(nowNs - t.pts[0].at)
		if age < minHorizon {
			return estimate{}
		}
		return estimate{seconds: age.Seconds(), known: true, capped: true}
	}
	i := n - 2
	for t.pts[i].offset > offset {
		i--
	}
	a, b := t.pts[i], t.pts[i+1]
	frac := float64(offset-a.offset+1) / float64(b.offset-a.offset)
	produced := float64(a.at) + frac*float64(b.at-a.at)
	return estimate{
		seconds:  max(0, (float64(nowNs)-produced)/1e9),
		errBound: float64(b.at-a.at) / 1e9,
		known:    true,
	}
}
