package dogstatsd

import "strings"

// Metric names without the namespace prefix. The dashboards and monitors
// query these names; Metrics lists them with their types and tags so a test
// can check every query against what is really sent.
const (
	mTargetUp          = "target.up"
	mHealthy           = "job.healthy"
	mReason            = "job.unhealthy_reason"
	mState             = "job.state"
	mProgressing       = "job.checkpoints_progressing"
	mCheckpointAge     = "job.checkpoint_age_seconds"
	mUptime            = "job.uptime_seconds"
	mLagRecords        = "job.kafka_lag_records"
	mLagSeconds        = "job.kafka_lag_seconds"
	mRestarts          = "job.restarts"
	mCompleted         = "job.checkpoints_completed"
	mFailed            = "job.checkpoints_failed"
	mFailures          = "job.failures"
	mDeployFailures    = "deployment.failures"
	mFleetExpected     = "fleet.jobs_expected"
	mFleetHealthy      = "fleet.jobs_healthy"
	mGroupLagRecords   = "consumergroup.lag_records"
	mGroupLagSeconds   = "consumergroup.lag_seconds"
	mKafkaUp           = "kafka.up"
	mServiceCheckShort = "job.healthy"
)

// Types of what is sent, as a dashboard or monitor sees them.
const (
	Gauge        = "gauge"
	Count        = "count"
	ServiceCheck = "service_check"
)

// Metric describes one name the emitter sends.
type Metric struct {
	// Name includes the namespace prefix.
	Name string
	// Type is Gauge, Count or ServiceCheck. A metric and the service check
	// share the name job.healthy: Datadog keeps them apart.
	Type string
	// Tags are the tag keys of every series, besides the global tags.
	// OptionalTags appear on some series only (fleet-wide totals carry no
	// team).
	Tags         []string
	OptionalTags []string
}

// Metrics lists everything the emitter sends under namespace (the config's
// datadog.namespace).
func Metrics(namespace string) []Metric {
	target := []string{"deployment", "namespace", "team"}
	job := []string{"deployment", "namespace", "team", "job_name"}
	with := func(extra ...string) []string { return append(append([]string{}, job...), extra...) }
	group := []string{"cluster", "group"}
	ms := []Metric{
		{Name: mTargetUp, Type: Gauge, Tags: target},
		{Name: mHealthy, Type: Gauge, Tags: job},
		{Name: mReason, Type: Gauge, Tags: with("reason")},
		{Name: mState, Type: Gauge, Tags: with("state")},
		{Name: mProgressing, Type: Gauge, Tags: job},
		{Name: mCheckpointAge, Type: Gauge, Tags: job},
		{Name: mUptime, Type: Gauge, Tags: job},
		{Name: mLagRecords, Type: Gauge, Tags: job},
		{Name: mLagSeconds, Type: Gauge, Tags: job},
		{Name: mFleetExpected, Type: Gauge, OptionalTags: []string{"team"}},
		{Name: mFleetHealthy, Type: Gauge, OptionalTags: []string{"team"}},
		{Name: mGroupLagRecords, Type: Gauge, Tags: group},
		{Name: mGroupLagSeconds, Type: Gauge, Tags: group},
		{Name: mKafkaUp, Type: Gauge, Tags: []string{"cluster"}},
		{Name: mRestarts, Type: Count, Tags: job},
		{Name: mCompleted, Type: Count, Tags: job},
		{Name: mFailed, Type: Count, Tags: job},
		{Name: mFailures, Type: Count, Tags: with("route", "category")},
		{Name: mDeployFailures, Type: Count, Tags: append(append([]string{}, target...), "route", "category")},
		{Name: mServiceCheckShort, Type: ServiceCheck, Tags: job},
	}
	p := prefix(namespace)
	for i := range ms {
		ms[i].Name = p + ms[i].Name
	}
	return ms
}

// MetricNames lists the distinct names of Metrics(namespace).
func MetricNames(namespace string) []string {
	var names []string
	seen := map[string]bool{}
	for _, m := range Metrics(namespace) {
		if !seen[m.Name] {
			seen[m.Name] = true
			names = append(names, m.Name)
		}
	}
	return names
}

// prefix is what datadog-go puts before a metric name: the namespace and
// one dot. Service checks do not get it from the client, so the emitter
// adds it itself.
func prefix(namespace string) string {
	namespace = strings.TrimRight(namespace, ".")
	if namespace == "" {
		return ""
	}
	return namespace + "."
}
