// Package health turns what one scrape cycle read of a job into its
// signals: healthy or not and why, checkpoint progress and cost, true
// counters, the restart window, Kafka lag, and the detail signals of its
// last detail read (records flowing, watermark lag, backpressure and the
// bottleneck) and of its TaskManagers (heap, GC time). It is a pure step of the flow (scrape →
// signals → export): Evaluate is a function of the signal definitions, the
// job's memory of earlier cycles, this cycle's observation, the lag of its
// consumer groups and the time. It does no I/O; the collector owns the
// requests and feeds it, so the rules of the README's "Signals" section are
// tested as tables over observations.
package health
