// Package lease keeps the replicas of a shard consistent on a
// coordination.k8s.io Lease: leader election (only the leader sends
// notifications and DogStatsD metrics) and a small state store in the
// Lease's annotations, so that the leader's open incidents survive a
// failover. Only the alerting router and the DogStatsD emitter use it; the
// scrape does not.
package lease
