package history

import (
	"math"

	"github.com/flinkslo/flinkslo/fleet"
)

// The columns of a chunk, one value per cycle.
const (
	colFlags = iota
	colState
	colReasons
	colRestarts
	colCheckpoints
	colCheckpointFailures
	colLagRecords
	colLagSeconds
	numColumns
)

// The bits of colFlags.
const (
	flagPresent    = 1 << iota // the job was in the snapshot
	flagExpected               // it should run (its deployment is not suspended)
	flagHealthy                //
	flagStale                  // carried over: its JobManager did not answer
	flagDown                   // its target was down
	flagLag                    // record lag measured
	flagLagSeconds             // time lag known
)

// lagScale quantizes lag on a log scale into 12 bits: 1 + ln(1+v)·scale,
// 0 meaning not measured. The relative error is at most 1/(2·scale),
// 0.42%, less than a pixel of the charts, for values up to 1e15 (above,
// lag reads as 1e15). Lag changes every cycle, so its two columns are most
// of a chunk: 12 bits rather than 16 is a quarter of the memory.
const (
	lagScale = 118
	maxLagQ  = 1<<12 - 1
)

func quantizeLag(v float64) uint16 {
	if v < 0 || math.IsNaN(v) {
		v = 0
	}
	q := 1 + math.Round(math.Log1p(v)*lagScale)
	if q > maxLagQ {
		return maxLagQ
	}
	return uint16(q)
}

func dequantizeLag(q uint16) float64 {
	if q == 0 {
		return 0
	}
	return math.Expm1(float64(q-1) / lagScale)
}

// stateIndex is 1 + the state's index in fleet.JobStates; 0 for a state
// this build does not know (or none).
func stateIndex(s fleet.JobState) uint16 {
	for i, k := range fleet.JobStates {
		if s == k {
			return uint16(i + 1)
		}
	}
	return 0
}

func stateOf(i uint16) fleet.JobState {
	if i == 0 || int(i) > len(fleet.JobStates) {
		return ""
	}
	return fleet.JobStates[i-1]
}

// Reasons is a set of fleet.Reasons.
type Reasons uint16

func reasonsOf(rs []fleet.Reason) Reasons {
	var m Reasons
	for _, r := range rs {
		for i, k := range fleet.Reasons {
			if r == k {
				m |= 1 << i
			}
		}
	}
	return m
}

// List is the set in fleet.Reasons order.
func (m Reasons) List() []fleet.Reason {
	var out []fleet.Reason
	for i, k := range fleet.Reasons {
		if m&(1<<i) != 0 {
			out = append(out, k)
		}
	}
	return out
}

// Has reports whether r is in the set.
func (m Reasons) Has(r fleet.Reason) bool { return m&reasonsOf([]fleet.Reason{r}) != 0 }

// counters is what the deltas of a job's counters are taken from.
type counters struct {
	restarts, completed, failed float64
	valid                       bool
}

func delta(cur, last float64) uint16 {
	d := cur - last
	switch {
	case d <= 0 || math.IsNaN(d):
		return 0
	case d >= math.MaxUint16:
		return math.MaxUint16
	}
	return uint16(d)
}

// sampleOf is one cycle of a job, as the columns store it.
func sampleOf(ts *fleet.TargetStatus, js *fleet.JobStatus, last *counters) [numColumns]uint16 {
	var s [numColumns]uint16
	f := uint16(flagPresent)
	if js.Expected {
		f |= flagExpected
	}
	if js.Healthy {
		f |= flagHealthy
	}
	if js.Stale {
		f |= flagStale
	}
	if !ts.Up {
		f |= flagDown
	}
	if js.HasKafkaLag {
		f |= flagLag
		s[colLagRecords] = quantizeLag(js.KafkaLagRecords)
		if js.KafkaLagSecondsKnown {
			f |= flagLagSeconds
			s[colLagSeconds] = quantizeLag(js.KafkaLagSeconds)
		}
	}
	s[colFlags] = f
	s[colState] = stateIndex(js.State)
	s[colReasons] = uint16(reasonsOf(js.Reasons))
	if last.valid {
		s[colRestarts] = delta(js.Restarts, last.restarts)
		s[colCheckpoints] = delta(js.CheckpointsCompleted, last.completed)
		s[colCheckpointFailures] = delta(js.CheckpointsFailed, last.failed)
	}
	*last = counters{restarts: js.Restarts, completed: js.CheckpointsCompleted, failed: js.CheckpointsFailed, valid: true}
	return s
}
