// Package kafka measures the consumer lag of the Kafka consumer groups that
// Flink jobs commit to, evaluates each group over a sliding window, and
// exports both to Prometheus. It uses Kafka's admin API only (franz-go);
// it never reads __consumer_offsets and never joins a group.
//
// # Which groups
//
// The groups the targets name (SetGroups, by cluster), plus, when
// kafka.groups.allow is set, every listed consumer group whose name
// matches an allow pattern and no deny pattern (RE2, unanchored) and is
// valid UTF-8 (Kafka does not require it; a label value must be). Deny
// filters only the pattern-selected groups: a group a target names is
// always measured. Group membership is ignored: Flink's Kafka source
// assigns partitions itself, so its groups are Empty, and that is normal.
//
// With several replicas (WithGroupOwner, wired to the shard), each
// pattern-selected group is measured and exported only by the replica
// that owns it; a replica also measures the groups its own targets name,
// but exports one the patterns select only if it owns it, so every
// consumer-group series comes from one replica.
//
// # Record lag
//
// Each cycle reads every group's committed offsets (batched OffsetFetch
// requests, 1,000 groups each, to each group's coordinator) and then the
// end offsets (high watermarks) of the union of their topics (ListOffsets
// requests, 20,000 partitions each, to each leader). Coordinators and
// leaders are cached across cycles: a topic's metadata is read when it
// first appears, when a request says its leader moved (the partitions are
// then asked again in the same cycle), and every five minutes. Connections
// stay open between cycles. Record lag of a partition
// is end − committed, clamped at 0; a topic's lag is the sum over the
// partitions the group has committed, and a group's is the sum over its
// topics. Each partition is in one state:
//
//   - measured: read this cycle.
//   - stale: could not be read this cycle (a leader down, a partition
//     error); its last measurement, if younger than three poll intervals,
//     is carried.
//   - unmeasured: could not be read and nothing recent to carry. Its
//     topic's series are withheld and the group's Known is false, so a
//     partial sum is never shown as the group's lag.
//   - uncommitted: a partition of a committed topic that the group has
//     never committed (before the first checkpoint, or added later). It
//     is not counted as lag (kadm would count the whole retained log).
//
// A cycle that cannot read the cluster at all sets flinkslo_kafka_up to 0
// and withholds every lag series of the cluster: lag is never reported as
// 0 because it could not be seen. Groups that vanish and topics that are
// deleted drop out of the next cycle's series.
//
// Flink commits offsets only when a checkpoint completes, so between
// checkpoints the record lag rises as records arrive and drops at each
// commit: a sawtooth with the checkpoint interval as period. A healthy job
// checkpointing every C seconds at R records/s shows up to about R·C of
// lag. The evaluation below looks at the floor of that sawtooth.
//
// # Time lag
//
// lag_seconds estimates how long ago the record at the committed offset
// was produced, i.e. how far behind the group is in time. Three methods
// (kafka.timeLag):
//
// interpolate: each partition keeps a table of (end offset, poll time)
// points, shared by all groups reading it. The record at committed offset c
// was produced after the poll at which the end offset was still ≤ c and no
// later than the next poll, whose end offset was > c; it is placed linearly
// between the two. The error is at most the width of that bracket — one
// poll interval for recent history, if the end offset moved at every poll
// — plus nothing for records the group has caught up with (lag 0 is
// exact). A table grows on demand, 8 bytes a point: a flat stretch keeps
// only its first and latest point, points below the oldest offset any
// group committed are dropped, and past 16 points it merges the two
// brackets whose union is narrowest relative to its age. So the newest
// brackets stay one poll wide and older ones widen geometrically with
// age: a table kept whole by a group an hour behind places records of
// any age within about half their age, one kept six hours within about
// their age. Its horizon is the exporter's uptime (at most 49 days and
// 2³² records). An offset older than the table is never extrapolated: its
// time lag is unknown until the table spans kafka.evaluationWindow, and
// from then on it is reported as the table's age, a lower bound
// (SecondsCapped). Just after start-up, groups behind the first poll
// therefore have no lag_seconds series until they commit past the first
// polled end offset.
//
// record: for every partition with record lag, the collector fetches the
// first bytes of the record batch holding the committed offset (one Fetch
// per leader per 1000 partitions) and reads the batch's first and largest
// timestamps; the record's timestamp is placed linearly between them by
// offset. The error is the batch's timestamp span (usually the producer's
// linger, milliseconds) plus the clock difference between the producers
// and flinkslo. Record timestamps are the producer's (CreateTime) unless
// the topic uses LogAppendTime: a producer that stamps records with event
// time makes this an event-time lag. Partitions whose batch cannot be read
// fall back to the table. It costs one extra request per leader and 1 KiB
// per lagging partition each cycle; a timestamp read at a committed offset
// that has not moved since is not read again.
//
// auto (default): interpolate where the table places the committed offset
// closely, within a bracket of at most two poll intervals or a tenth of
// the lag, whichever is more; that error bound is what auto guarantees
// for interpolated values. Where it cannot — just after start-up, for a
// group behind the table, or in a thinned stretch of old history — read
// the record at the committed offset as record does, at most 20,000
// partitions per cluster and cycle: partitions with no estimate at all
// first, in group name order, then those with a wide bracket; the rest
// are read at the next cycles, and until then have interpolate's estimate
// (or none). A timestamp read is kept for the group's partition: it
// answers again while the committed offset stays, and once the group
// commits past it, it narrows the bracket from the left, so later cycles
// interpolate. A group 90 s behind when flinkslo starts shows 90 s at its
// first cycle (within the batch's span), as long as its partitions fit in
// that cycle's reads.
//
// A topic's time lag is the maximum over its partitions.
//
// # Evaluation
//
// Each partition is evaluated at every cycle over the sliding window
// kafka.evaluationWindow, and the group takes the worst status of its
// partitions (stalled > lagging > rewinding > ok > unknown):
//
//   - stalled: the committed offset has not changed for the whole window
//     while the end offset moved (records arrived) — checkpoints are not
//     completing or the job is not running. A partition with lag but no
//     new records is not stalled (this keeps the permanent lag of 1 that
//     transactional topics show, FLINK-33484, from alarming).
//   - lagging: at least three commits fell in the window, and the lag at
//     each commit (the sawtooth's floor) never decreased, was never zero,
//     and ended higher than it started: the job is falling behind, in the
//     spirit of Burrow's WARN rule.
//   - rewinding: a committed offset went backwards within the window and
//     has not come back (restore from an older savepoint, offset reset).
//   - ok: none of these.
//   - unknown: fewer than two observations, or no committed partitions (a
//     group that does not exist or never committed).
//
// The window must span several checkpoints: at least three for lagging to
// be detectable, and more than one whole interval or every healthy job
// looks stalled. StatusSince is when the status last changed; the collector
// applies health.kafkaLagUnhealthyAfter to it.
//
// # Metrics
//
// flinkslo_consumergroup_lag_records and _lag_seconds {cluster, group,
// topic}; flinkslo_consumergroup_status {cluster, group, status} (state
// set) and _status_since_timestamp_seconds; flinkslo_consumergroup_partitions
// {cluster, group, state}; per partition, behind kafka.perPartitionMetrics:
// flinkslo_consumergroup_partition_lag_records, _lag_seconds,
// _committed_offset and _end_offset {cluster, group, topic, partition}; per
// cluster: flinkslo_kafka_up, _scrape_duration_seconds,
// _last_scrape_success_timestamp_seconds, _scrape_errors_total,
// _auth_errors_total (the polls among those that failed to authenticate or
// were denied) and _time_lag_tables.
//
// # The view, and how to render it
//
// Each cycle publishes an immutable fleet.LagView per cluster
// (Collector.View, Views), swapped atomically and numbered by Seq: flat,
// sorted slices of groups and topics (and partitions with
// kafka.perPartitionMetrics), with no pointer per partition. Lag and
// Clusters read the same views. The types live in the leaf package fleet
// (fleet.GroupLag, TopicLag, PartitionLag), the stable API for other
// packages, which read them without importing this one: read them, never
// modify them (they share the view's storage).
//
// The families (fleet.LagFamily, NumLagFamilies) and LagView.Walk, also in
// fleet, are the one description of the series: Collect is built on them,
// and so is a renderer that caches the text exposition once per poll
// instead of building metric objects at every scrape. To render:
//
//   - Take Views() once; re-render only when some view's Seq differs from
//     the one rendered (a poll publishes one new view per cluster).
//   - Family-major: for f from 0 to fleet.NumLagFamilies, write f.Name()'s HELP
//     (f.Help()) and TYPE (gauge, or counter when f.Counter()) once, then
//     call v.Walk(f, c.PerPartitionMetrics(), emit) for every view, so
//     each family's series stay together as the text format requires.
//     Families come in name order, series sorted by group, topic,
//     partition and label within a cluster, clusters in configuration
//     order.
//   - In emit, the label names are f.Labels() in order; each takes its
//     value from fleet.LagSample: cluster, group, topic, partition (an integer;
//     -1 when the family has none), and the last one, status or state,
//     from Label. Escape label values (\, " and newline): group names
//     are arbitrary UTF-8. Format Value with strconv.AppendFloat(b, v,
//     'g', -1, 64). Walk reuses one LagSample and allocates nothing: copy
//     what you keep.
//   - A view that is not Up yields only the cluster's own families
//     (kafka_up, scrape duration, errors, tables, last success), which
//     is how a cluster that cannot be read withholds its lag.
//
// export/promexport's KafkaSource is that renderer: /metrics serves the
// Kafka series from its cache, and the Collector (a prometheus.Collector)
// is not registered by the daemon; it stays as the oracle KafkaSource is
// tested against. Walking a million partitions takes about 0.2 s without
// per-partition series (556,000 series) and produces about 60 MB of text;
// with them, 4.6 million series and about 500 MB of text per poll.
//
// # Authentication
//
// SASL PLAIN and SCRAM read the password at every authentication, so a
// rotated secret file is picked up. AWS_MSK_IAM (awsiam.go) signs each
// session with credentials from the configured static keys or the AWS
// SDK's default chain (IRSA web identity, EKS Pod Identity, instance
// roles), optionally assuming kafka.sasl.aws.roleARN; they are cached and
// replaced five minutes before they expire. A failure to obtain them fails
// the poll like an unreachable cluster.
package kafka
