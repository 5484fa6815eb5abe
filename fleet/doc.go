// Package fleet is the data model that crosses flinkslo's steps: the
// targets discovery finds (Target, Owner), the identity of a job (JobRef),
// what one scrape cycle learnt (Snapshot, JobStatus), the failures it saw
// (Failure, Evidence), what the policy decided about them (Decision,
// Verdict, Route), and the Kafka consumer-group lag each poll publishes
// (LagView, GroupLag) with the table of its metric families (LagFamily,
// LagView.Walk), and which unhealthy reasons explain which (ExplainedBy),
// the one yield table the Prometheus rules and the DogStatsD emitter read.
//
// It is the leaf of the flow: it does no I/O and imports none of the
// steps, so that every step and every consumer can share its shapes
// without depending on one another.
package fleet
