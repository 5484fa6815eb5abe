package history

import (
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// Point is one cycle of a job or, beyond Retention, a bucket of cycles
// (From before To). Counts are cycles; lag is the largest in the bucket.
type Point struct {
	From, To                  time.Time
	Cycles, Expected, Healthy int
	// State is the job's state at the end; "" when unknown.
	State   fleet.JobState
	Reasons Reasons
	// Stale: carried over from an earlier cycle; Down: its target did not
	// answer (in a bucket: at some cycle).
	Stale, Down                             bool
	Restarts, Checkpoints, CheckpointFailed int
	HasLag, HasLagSeconds                   bool
	LagRecords, LagSeconds                  float64
}

// Timeline is the retained history of ref, oldest first; nil when there
// is none.
func (h *History) Timeline(ref fleet.JobRef) []Point {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s := h.jobs[ref]
	if s == nil {
		return nil
	}
	out := make([]Point, 0, len(s.coarse)+len(s.chunks)*chunkLen+s.curN)
	for i := range s.coarse {
		out = append(out, s.coarse[i].point())
	}
	var cols [numColumns][chunkLen]uint16
	for i := range s.chunks {
		c := &s.chunks[i]
		si, ok := h.spanIndex(c.span)
		if !ok || c.unpack(&cols) != nil {
			continue
		}
		out = appendPoints(out, &cols, int(c.off), int(c.off)+int(c.n), h.spans[si].times)
	}
	if s.curN > 0 && len(h.spans) > 0 {
		out = appendPoints(out, &s.cur, s.curOff, s.curN, h.spans[len(h.spans)-1].times)
	}
	return out
}

func appendPoints(out []Point, cols *[numColumns][chunkLen]uint16, from, to int, times []int64) []Point {
	for i := from; i < to && i < len(times); i++ {
		f := cols[colFlags][i]
		if f&flagPresent == 0 {
			continue
		}
		at := time.UnixMilli(times[i]).UTC()
		p := Point{
			From: at, To: at, Cycles: 1,
			State: stateOf(cols[colState][i]), Reasons: Reasons(cols[colReasons][i]),
			Stale: f&flagStale != 0, Down: f&flagDown != 0,
			Restarts: int(cols[colRestarts][i]), Checkpoints: int(cols[colCheckpoints][i]), CheckpointFailed: int(cols[colCheckpointFailures][i]),
			HasLag: f&flagLag != 0, HasLagSeconds: f&flagLagSeconds != 0,
			LagRecords: dequantizeLag(cols[colLagRecords][i]), LagSeconds: dequantizeLag(cols[colLagSeconds][i]),
		}
		if f&flagExpected != 0 {
			p.Expected = 1
			if f&flagHealthy != 0 {
				p.Healthy = 1
			}
		}
		out = append(out, p)
	}
	return out
}

func (b *bucket) point() Point {
	return Point{
		From: time.UnixMilli(b.from).UTC(), To: time.UnixMilli(b.to).UTC(),
		Cycles: int(b.cycles), Expected: int(b.expected), Healthy: int(b.healthy),
		State: stateOf(b.state), Reasons: b.reasons, Stale: b.flags&flagStale != 0, Down: b.flags&flagDown != 0,
		Restarts: int(b.restarts), Checkpoints: int(b.completed), CheckpointFailed: int(b.failed),
		HasLag: b.flags&flagLag != 0, HasLagSeconds: b.flags&flagLagSeconds != 0,
		LagRecords: dequantizeLag(b.lagRecords), LagSeconds: dequantizeLag(b.lagSeconds),
	}
}

// Uptime counts a job's cycles over everything retained: those it was
// expected to run, and of those the healthy ones. Cycles are one scrape
// interval each, so Healthy/Expected is the healthy share of its time.
type Uptime struct {
	Healthy, Expected int
}

// Add sums two uptimes (a team's jobs).
func (u Uptime) Add(v Uptime) Uptime {
	return Uptime{Healthy: u.Healthy + v.Healthy, Expected: u.Expected + v.Expected}
}

// Ratio is the healthy share; false when the job was never expected to
// run in the window.
func (u Uptime) Ratio() (float64, bool) {
	if u.Expected == 0 {
		return 0, false
	}
	return float64(u.Healthy) / float64(u.Expected), true
}

// Uptime is ref's uptime over the retained window.
func (h *History) Uptime(ref fleet.JobRef) Uptime {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if s := h.jobs[ref]; s != nil {
		return Uptime{Healthy: s.healthy, Expected: s.expected}
	}
	return Uptime{}
}

// Uptimes calls f with the uptime of every job, under one read lock.
func (h *History) Uptimes(f func(fleet.JobRef, Uptime)) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for ref, s := range h.jobs {
		f(ref, Uptime{Healthy: s.healthy, Expected: s.expected})
	}
}

// Window is the span of time the history covers: from its oldest
// retained cycle to its newest. Zero times before the first cycle.
func (h *History) Window() (from, to time.Time) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if len(h.spans) == 0 {
		return time.Time{}, time.Time{}
	}
	first := h.spans[0].times[0]
	for _, s := range h.jobs {
		if len(s.coarse) > 0 && s.coarse[0].from < first {
			first = s.coarse[0].from
		}
	}
	return time.UnixMilli(first).UTC(), time.UnixMilli(h.lastAt).UTC()
}

// Retention is the window kept at cycle resolution, and the bucketed one
// beyond it.
func (h *History) Retention() (fine, coarse time.Duration) { return h.o.Retention, h.o.Coarse }
