package fleet

import "slices"

// explainedBy are, per reason, the reasons that explain it: a job that is
// stuck (no_progress) or back-pressured falls behind its Kafka input as a
// consequence, and a job whose checkpoints have stalled uses up its
// checkpoint timeout by definition. While one of those is present the
// reason is no news, and an alert on it would tell a second audience (the
// team's kafka_lagging notification besides the platform's no_progress
// page) about a failure that already has its one: a stuck job is heard of
// once, as stuck, not also as lagging.
//
// This is the one table every alert path reads: the Prometheus rules
// (package rules) make the reason's alert yield with an `unless`, and the
// DogStatsD emitter tags the reason's series explained:true, which the
// Datadog monitors filter out. Each reason listed here as explaining
// another has an alert of its own, so yielding never silences a job.
var explainedBy = map[Reason][]Reason{
	ReasonKafkaLagging:       {ReasonNoProgress, ReasonBackpressured},
	ReasonKafkaStalled:       {ReasonNoProgress},
	ReasonCheckpointHeadroom: {ReasonCheckpointsStalled},
}

// ExplainedBy returns the reasons that explain r, in a stable order; none
// for a reason that stands on its own. The slice is the caller's.
func ExplainedBy(r Reason) []Reason { return slices.Clone(explainedBy[r]) }

// Explained reports whether one of present explains r.
func Explained(r Reason, present []Reason) bool {
	for _, e := range explainedBy[r] {
		if slices.Contains(present, e) {
			return true
		}
	}
	return false
}
