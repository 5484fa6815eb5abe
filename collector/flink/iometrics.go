package flink

import (
	"encoding/json"
	"math"
)

// IOMetrics is a vertex's "metrics" in /jobs/:jobid (IOMetricsInfo): sums
// over its subtasks. Flink counts only what crosses the network between
// tasks, so a source vertex reads 0 (its input is outside the job: watch
// its WriteRecords) and a sink writes 0 (watch its ReadRecords); a job
// chained into one vertex shows no traffic here at all (the source
// operator's numRecordsIn, in SubtaskMetrics, still counts).
//
// A running subtask whose metrics the JobManager's metric store does not
// have (yet: it fetches them every metrics.fetcher.update-interval, 10 s)
// adds nothing and clears the matching -complete flag, so a count with its
// flag false is a lower bound, and 0 with false means "not known yet", not
// "nothing". Finished subtasks count their final values.
type IOMetrics struct {
	ReadBytes            int64
	ReadBytesComplete    bool
	WriteBytes           int64
	WriteBytesComplete   bool
	ReadRecords          int64
	ReadRecordsComplete  bool
	WriteRecords         int64
	WriteRecordsComplete bool
	// The accumulated times (1.16+, not Valid before) sum the subtasks'
	// milliseconds busy, back-pressured and idle since they started.
	AccumulatedBusyMillis          Number
	AccumulatedBackPressuredMillis Number
	AccumulatedIdleMillis          Number
}

// ioMetricsWire is IOMetricsInfo on the wire, every version's fields.
type ioMetricsWire struct {
	ReadBytes            Number `json:"read-bytes"`
	ReadBytesComplete    bool   `json:"read-bytes-complete"`
	WriteBytes           Number `json:"write-bytes"`
	WriteBytesComplete   bool   `json:"write-bytes-complete"`
	ReadRecords          Number `json:"read-records"`
	ReadRecordsComplete  bool   `json:"read-records-complete"`
	WriteRecords         Number `json:"write-records"`
	WriteRecordsComplete bool   `json:"write-records-complete"`
	// accumulated-busy-time is a Java double (so possibly "NaN"), the
	// other two longs.
	AccumulatedBusy          Number `json:"accumulated-busy-time"`
	AccumulatedBackPressured Number `json:"accumulated-backpressured-time"`
	AccumulatedIdle          Number `json:"accumulated-idle-time"`
}

// UnmarshalJSON reads the counts tolerantly: one that is not a whole
// number counts as missing (0, its flag false) instead of failing the job
// details, which the classic signals need.
func (m *IOMetrics) UnmarshalJSON(b []byte) error {
	var w ioMetricsWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = w.ioMetrics()
	return nil
}

// ioMetrics converts the wire form: a count that is not a whole number
// counts as missing (0, its flag false).
func (w ioMetricsWire) ioMetrics() IOMetrics {
	count := func(n Number, complete bool) (int64, bool) {
		if !n.Valid || n.Value < 0 || n.Value >= 1<<63 || n.Value != math.Trunc(n.Value) {
			return 0, false
		}
		return int64(n.Value), complete
	}
	m := IOMetrics{
		AccumulatedBusyMillis:          w.AccumulatedBusy,
		AccumulatedBackPressuredMillis: w.AccumulatedBackPressured,
		AccumulatedIdleMillis:          w.AccumulatedIdle,
	}
	m.ReadBytes, m.ReadBytesComplete = count(w.ReadBytes, w.ReadBytesComplete)
	m.WriteBytes, m.WriteBytesComplete = count(w.WriteBytes, w.WriteBytesComplete)
	m.ReadRecords, m.ReadRecordsComplete = count(w.ReadRecords, w.ReadRecordsComplete)
	m.WriteRecords, m.WriteRecordsComplete = count(w.WriteRecords, w.WriteRecordsComplete)
	return m
}
