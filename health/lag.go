package health

import (
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// applyLag sums the lag of the target's groups onto the job: records
// summed, seconds maxed. A group whose lag is unknown makes the job's lag
// unknown rather than smaller than it is.
func applyLag(j *fleet.JobStatus, lag []fleet.GroupLag) {
	if len(lag) == 0 {
		return
	}
	var recs, secs float64
	secsKnown := true
	for _, g := range lag {
		if !g.Known {
			return
		}
		recs += float64(g.Records)
		secs = max(secs, g.Seconds)
		secsKnown = secsKnown && g.SecondsKnown
	}
	j.HasKafkaLag, j.KafkaLagRecords = true, recs
	j.KafkaLagSeconds, j.KafkaLagSecondsKnown = secs, secsKnown
}

// lagReasons: a group lagging or stalled for longer than
// health.kafkaLagUnhealthyAfter makes the target's jobs unhealthy.
func lagReasons(c Config, lag []fleet.GroupLag, now time.Time) []fleet.Reason {
	var lagging, stalled bool
	for _, g := range lag {
		if !g.Known || now.Sub(g.StatusSince) < c.LagUnhealthyAfter {
			continue
		}
		switch g.Status {
		case fleet.LagStatusLagging:
			lagging = true
		case fleet.LagStatusStalled:
			stalled = true
		}
	}
	var rs []fleet.Reason
	if lagging {
		rs = append(rs, fleet.ReasonKafkaLagging)
	}
	if stalled {
		rs = append(rs, fleet.ReasonKafkaStalled)
	}
	return rs
}
