package health

import (
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

// checkpointCost is the last completed checkpoint's duration and sizes,
// and its share of the checkpoint timeout, from the statistics read every
// cycle.
func checkpointCost(o Observation) fleet.CheckpointCost {
	cp := o.Checkpoints
	if o.CpDisabled || cp == nil || cp.Latest.Completed == nil {
		return fleet.CheckpointCost{}
	}
	l := cp.Latest.Completed
	c := fleet.CheckpointCost{
		Known: true, Duration: time.Duration(l.EndToEndDuration) * time.Millisecond,
		Size: float64(l.StateSize), IncrementalSize: float64(l.CheckpointedSize),
	}
	if o.CpConfig != nil && o.CpConfig.TimeoutMillis > 0 {
		c.Timeout = o.CpConfig.Timeout()
		c.TimeoutRatio = float64(l.EndToEndDuration) / float64(o.CpConfig.TimeoutMillis)
	}
	return c
}

// headroomUsedUp: each of the last HeadroomCount completed checkpoints
// (savepoints aside; the history is newest first) took more than
// HeadroomRatio of the timeout. One more slow one and checkpoints expire.
func headroomUsedUp(c Config, o Observation) bool {
	if c.HeadroomCount < 1 || o.CpDisabled || o.CpConfig == nil || o.CpConfig.TimeoutMillis <= 0 || o.Checkpoints == nil {
		return false
	}
	limit := c.HeadroomRatio * float64(o.CpConfig.TimeoutMillis)
	n := 0
	for _, h := range o.Checkpoints.History {
		if h.IsSavepoint || h.Status != "COMPLETED" {
			continue
		}
		if float64(h.EndToEndDuration) <= limit {
			return false
		}
		if n++; n == c.HeadroomCount {
			return true
		}
	}
	return false
}

// Kept is what later cycles read of checkpoint statistics, for the
// collector to keep until the next read instead of the whole response
// (ten history entries with their paths, per job, for thousands of jobs):
// the counts, summary and latest entries (their paths dropped, in place;
// a failed checkpoint's message stays, it is evidence for the exceptions
// that follow) and, of the history, the completed checkpoints
// headroomUsedUp looks at. The failed entries of the history are
// classified in the cycle that reads them and then only deduplicated.
func (c Config) Kept(cp flink.Checkpoints) *flink.Checkpoints {
	out := flink.Checkpoints{Counts: cp.Counts, Summary: cp.Summary, Latest: cp.Latest}
	for _, l := range []*flink.CheckpointStats{cp.Latest.Completed, cp.Latest.Savepoint, cp.Latest.Failed} {
		if l != nil {
			l.ExternalPath, l.ClassName = "", ""
		}
	}
	if r := cp.Latest.Restored; r != nil {
		r.ExternalPath = ""
	}
	for _, h := range cp.History {
		if len(out.History) == c.HeadroomCount {
			break
		}
		if !h.IsSavepoint && h.Status == "COMPLETED" {
			if out.History == nil {
				out.History = make([]flink.CheckpointStats, 0, c.HeadroomCount)
			}
			out.History = append(out.History, flink.CheckpointStats{
				ID: h.ID, Status: h.Status, TriggerTimestamp: h.TriggerTimestamp,
				LatestAckTimestamp: h.LatestAckTimestamp, EndToEndDuration: h.EndToEndDuration,
				StateSize: h.StateSize, CheckpointedSize: h.CheckpointedSize,
			})
		}
	}
	return &out
}
