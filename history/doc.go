// Package history keeps, per job, what the status page draws over time:
// healthy and unhealthy bands with their reasons, restarts, checkpoint
// completions and failures, Kafka record and time lag. It is an Observer
// of the snapshots and does no I/O besides its optional persistence
// through a Load/Save byte store.
//
// Memory is bounded by time, not by events: the last Retention (6 h by
// default) is kept at cycle resolution, the Coarse span beyond it (24 h)
// in buckets of coarseChunks chunks (two hours at 15 s). Cycles are grouped in chunks of
// chunkLen cycles shared by every job (one table of cycle times for the
// whole fleet); a job's closed chunk is a few bytes per column, each column
// stored as a constant, runs, or packed values, whichever is shortest.
// Health rarely changes and most counters do not move, so a job costs
// a few bytes per cycle; see docs/benchmarks.md for 5,000 jobs.
package history
