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
// More cached parts plug in as Sources. The Kafka collector
// (collector/kafka) is still a prometheus.Collector gathered live with the
// process's own metrics on every scrape; once it publishes an immutable
// view per poll, a Source over that view (Version: the poll's sequence
// number; AppendText: its families in the given format) passed to
// NewExposition moves its series into the cache, and the collector comes
// out of the registry.
package promexport
