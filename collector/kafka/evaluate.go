package kafka

import "time"

// minLagSamples is how many commits the lagging rule needs in the window:
// with fewer, a sawtooth's noise looks like a trend.
const minLagSamples = 3

// maxLagSamples bounds the commits kept per partition (16 bytes each).
const maxLagSamples = 16

// lagSample is the lag seen at the first poll after a commit: the floor of
// Flink's sawtooth, which is what grows when a job falls behind.
type lagSample struct {
	at  int64
	lag int64
}

// partState is what the evaluation remembers of one partition of one
// group between cycles. Only the poller's goroutine touches it.
type partState struct {
	observations int
	committed    int64
	end          int64
	// commitSince is when the current committed offset was first seen and
	// endAtCommit the end offset then: records arrived since if end moved.
	commitSince time.Time
	endAtCommit int64
	// rewindFrom is the offset before the latest backwards commit, at
	// rewindAt (zero when none).
	rewindFrom int64
	rewindAt   time.Time
	samples    []lagSample
	// last is the latest fresh measurement, carried forward while stale.
	last   PartitionLag
	lastAt time.Time
}

// observe feeds one fresh observation of committed and end offsets.
func (s *partState) observe(at time.Time, committed, end int64, window time.Duration) {
	s.observations++
	if s.observations == 1 {
		s.committed, s.end, s.commitSince, s.endAtCommit = committed, end, at, end
		return
	}
	if committed != s.committed {
		switch {
		case committed < s.committed:
			from := s.committed
			if s.rewinding(at, window) {
				from = max(from, s.rewindFrom)
			}
			s.rewindFrom, s.rewindAt = from, at
			// Lag before and after a rewind are not one trend.
			s.samples = s.samples[:0]
		default:
			s.addSample(at, max(0, end-committed))
		}
		s.committed, s.commitSince, s.endAtCommit = committed, at, end
	}
	s.end = end
}

func (s *partState) addSample(at time.Time, lag int64) {
	if len(s.samples) == maxLagSamples {
		copy(s.samples, s.samples[1:])
		s.samples = s.samples[:maxLagSamples-1]
	}
	s.samples = append(s.samples, lagSample{at: at.UnixNano(), lag: lag})
}

func (s *partState) rewinding(at time.Time, window time.Duration) bool {
	return !s.rewindAt.IsZero() && at.Sub(s.rewindAt) < window && s.committed < s.rewindFrom
}

// status applies the rules, most alarming first, in the spirit of
// Burrow's but over a window of time rather than of commits, because
// Flink commits once per checkpoint and checkpoint intervals differ.
func (s *partState) status(at time.Time, window time.Duration) Status {
	if s.observations < 2 {
		return StatusUnknown
	}
	frozen := at.Sub(s.commitSince) >= window
	if frozen && s.end > s.endAtCommit && s.end > s.committed {
		return StatusStalled
	}
	if s.growing(at.Add(-window).UnixNano()) {
		return StatusLagging
	}
	if s.rewinding(at, window) {
		return StatusRewinding
	}
	return StatusOK
}

// growing: at least minLagSamples commits in the window, the lag at each
// never below the one before, never zero, and larger at the end than at
// the start. A job that catches up even once within the window is not
// lagging (Burrow's rule 1).
func (s *partState) growing(since int64) bool {
	first := len(s.samples)
	for first > 0 && s.samples[first-1].at >= since {
		first--
	}
	in := s.samples[first:]
	if len(in) < minLagSamples || in[0].lag == 0 || in[len(in)-1].lag <= in[0].lag {
		return false
	}
	for i := 1; i < len(in); i++ {
		if in[i].lag < in[i-1].lag {
			return false
		}
	}
	return true
}
