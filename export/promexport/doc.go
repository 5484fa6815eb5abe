// Package promexport serves the snapshot on /metrics, in the Prometheus
// text format or in OpenMetrics as the scraper asks. The families are the
// table of package export; the text is written directly, once per
// snapshot, and served from a cache (see Exposition), with client_golang's
// rendering of the same table (Exporter, a prometheus.Collector) kept as
// the oracle the tests hold the direct text to.
//
// It is named promexport, not prometheus, so that it can be imported
// beside client_golang's prometheus package without an alias, and its
// directory carries the same name so no importer has to guess it.
//
// More cached parts plug in as Sources, rendered once per version. The
// Kafka collector's views are one (KafkaSource): its series are written
// once per poll into the cache, never built at scrape time, and the
// collector is not in the registry (its prometheus.Collector stays as the
// oracle the tests hold KafkaSource to).
package promexport
