package health

import (
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// detailReasons are the reasons of a RUNNING job that its detail signals
// and checkpoint cost give, in the order of fleet.Reasons.
func detailReasons(c Config, t fleet.Target, j fleet.JobStatus, o Observation, now time.Time) []fleet.Reason {
	var rs []fleet.Reason
	d := j.Detail
	if noProgress(c, t, j, o, now) {
		rs = append(rs, fleet.ReasonNoProgress)
	}
	if after := override(t.WatermarkLagAfter, c.WatermarkLagAfter); after > 0 && d.HasWatermarkLag && d.WatermarkLag > after {
		rs = append(rs, fleet.ReasonWatermarkLagging)
	}
	if !d.BackpressuredSince.IsZero() && d.At.Sub(d.BackpressuredSince) >= c.BackpressureAfter {
		rs = append(rs, fleet.ReasonBackpressured)
	}
	if headroomUsedUp(c, o) {
		rs = append(rs, fleet.ReasonCheckpointHeadroom)
	}
	return rs
}

// override is a deployment's setting when it has one, else the global.
func override(target *time.Duration, global time.Duration) time.Duration {
	if target != nil {
		return *target
	}
	return global
}

// noProgress: RUNNING past the start-up grace, the sources' count has not
// grown for stuckAfter (as of the last detail read, which must have been
// able to tell), and the input has data: records wait that the job does
// not read. A source with no input is idle, not stuck.
func noProgress(c Config, t fleet.Target, j fleet.JobStatus, o Observation, now time.Time) bool {
	after := override(t.StuckAfter, c.StuckAfter)
	d := j.Detail
	if after <= 0 || d.SourcesGrewAt.IsZero() || now.Sub(runningSince(o)) <= c.StartupGrace {
		return false
	}
	return d.At.Sub(d.SourcesGrewAt) >= after && inputHasData(j, o)
}

// inputHasData says whether records wait for the job: its consumer groups'
// lag when Kafka measures it, else its sources' pendingRecords where they
// register it. When nothing tells, the frozen count alone decides; a
// deployment whose sources are idle by design turns the check off
// (targets[].stuckAfter: 0s).
func inputHasData(j fleet.JobStatus, o Observation) bool {
	if j.HasKafkaLag {
		return j.KafkaLagRecords > 0
	}
	if o.Detail != nil {
		if p, ok := newVertexView(o.Detail).pending(); ok {
			return p > 0
		}
	}
	return true
}
