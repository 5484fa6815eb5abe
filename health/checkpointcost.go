package health

import (
	"time"

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
