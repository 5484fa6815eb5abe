package rules

// ExportedMetrics lists the metric names flinkslo's /metrics exposes under
// the metrics contract (README, "Metrics"). Rules and dashboards may query
// only these and the names the rules record; the tests of both hold them to
// it. The exporter may expose more; those are not a contract and nothing
// shipped depends on them.
var ExportedMetrics = []string{
	"flinkslo_target_up",
	"flinkslo_job_healthy",
	"flinkslo_job_unhealthy_reason",
	"flinkslo_job_state",
	"flinkslo_job_checkpoints_progressing",
	"flinkslo_job_last_checkpoint_timestamp_seconds",
	"flinkslo_job_checkpoint_age_seconds",
	"flinkslo_job_checkpoint_window_seconds",
	"flinkslo_job_checkpoints_completed_total",
	"flinkslo_job_checkpoints_failed_total",
	"flinkslo_job_restarts_total",
	"flinkslo_job_uptime_seconds",
	"flinkslo_job_info",
	"flinkslo_job_failures_total",
	"flinkslo_job_kafka_lag_records",
	"flinkslo_job_kafka_lag_seconds",
	"flinkslo_consumergroup_lag_records",
	"flinkslo_consumergroup_lag_seconds",
	"flinkslo_consumergroup_status",
	"flinkslo_kafka_up",
	"flinkslo_target_scrape_duration_seconds",
	"flinkslo_target_scrape_errors_total",
	"flinkslo_scrape_cycle_duration_seconds",
	"flinkslo_last_scrape_timestamp_seconds",
	"flinkslo_notifications_total",
	"flinkslo_notification_queue_depth",
	"flinkslo_notifications_dropped_total",
	"flinkslo_deployment_lifecycle_state",
	"flinkslo_leader",
	"flinkslo_alerting_route_active",
	"flinkslo_job_tasks",
	"flinkslo_job_tasks_running",
	"flinkslo_job_recent_restarts",
	"flinkslo_job_checkpoint_interval_seconds",
	"flinkslo_job_last_failure_timestamp_seconds",
}
