package health

import (
	"time"
)

// Counters are a job's true counters: what the state file persists, so
// that `_total` series continue exactly across exporter restarts.
type Counters struct {
	Restarts    Counter `json:"restarts"`
	CpCompleted Counter `json:"checkpointsCompleted"`
	CpFailed    Counter `json:"checkpointsFailed"`
	// SourceRecords and SinkRecords count the records the job's sources
	// emitted and its sinks received (detail reads).
	SourceRecords Counter `json:"sourceRecords"`
	SinkRecords   Counter `json:"sinkRecords"`
}

// Memory is what the signals remember of one job (by name) between
// cycles. The zero value is a job seen for the first time.
type Memory struct {
	Counters Counters

	// samples of the restart total, oldest first, for the restart window.
	samples []sample

	cpIncreasedAt  time.Time // when the completed count last went up
	lastCheckpoint time.Time // newest completed checkpoint seen

	detailAt time.Time // the last detail read evaluated
	progress progress  // the sources' count, for no_progress
	bpSince  time.Time // start of the back-pressured streak
}

type sample struct {
	at    time.Time
	total float64
}

// addSample records the restart total and drops samples that fall out of
// the window (keeping the newest one before it as the baseline). Only a
// changed total is kept: the total at any time is that of the newest
// sample before it either way, and a sample per cycle is 40 per job over
// the default 10m window at 15s (more over a longer one) for jobs that
// mostly never restart.
func (m *Memory) addSample(now time.Time, total float64, window time.Duration) {
	if n := len(m.samples); n == 0 || m.samples[n-1].total != total {
		m.samples = append(m.samples, sample{now, total})
	}
	cut := 0
	for cut+1 < len(m.samples) && !m.samples[cut+1].at.After(now.Add(-window)) {
		cut++
	}
	m.samples = m.samples[cut:]
}

// restartsInWindow is the growth of the total over the window. Before a
// full window has been seen it is the growth since the first sample.
func (m *Memory) restartsInWindow() int {
	if len(m.samples) == 0 {
		return 0
	}
	return int(m.samples[len(m.samples)-1].total - m.samples[0].total)
}
