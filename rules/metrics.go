package rules

import (
	"slices"

	"github.com/flinkslo/flinkslo/export"
)

// ExportedMetrics lists the metric names flinkslo's /metrics exposes under
// the metrics contract (README, "Metrics"): every family of the snapshot
// table (package export), then the process's own metrics that rules and
// dashboards use. Rules and dashboards may query only these and the names
// the rules record; the tests of both hold them to it, and
// TestExportedMetricsDocumented holds this list to the README's table,
// which cmd/flinkslo's TestEveryMetricDocumented holds to a running daemon.
var ExportedMetrics = slices.Concat(export.Names(export.Families()), []string{
	"flinkslo_consumergroup_lag_records",
	"flinkslo_consumergroup_lag_seconds",
	"flinkslo_consumergroup_status",
	"flinkslo_kafka_up",
	"flinkslo_scrape_cycle_duration_seconds",
	"flinkslo_last_scrape_timestamp_seconds",
	"flinkslo_notifications_total",
	"flinkslo_notification_queue_depth",
	"flinkslo_notifications_dropped_total",
	"flinkslo_leader",
	"flinkslo_alerting_route_active",
})
