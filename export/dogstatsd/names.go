package dogstatsd

import (
	"slices"
	"strings"

	"github.com/flinkslo/flinkslo/export"
)

// What the emitter sends beyond the table's families (package export):
// the service check per expected job, the fleet totals and the Kafka
// groups' lag, which /metrics has from elsewhere or not at all. own lists
// them; TestMetricsListed holds what is sent to Metrics one to one.
const (
	mFleetExpected   = "fleet.jobs_expected"
	mFleetHealthy    = "fleet.jobs_healthy"
	mGroupLagRecords = "consumergroup.lag_records"
	mGroupLagSeconds = "consumergroup.lag_seconds"
	mKafkaUp         = "kafka.up"
	mServiceCheck    = "job.healthy"
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

// Tags every series of a level carries: a target's series are tagged with
// its team too, so `by {team}` works on every metric.
var (
	targetTags = []string{"deployment", "namespace", "team"}
	jobTags    = export.JobLabels
)

// own is the part of Metrics not in the table.
func own() []Metric {
	group := []string{"cluster", "group"}
	return []Metric{
		{Name: mFleetExpected, Type: Gauge, OptionalTags: []string{"team"}},
		{Name: mFleetHealthy, Type: Gauge, OptionalTags: []string{"team"}},
		{Name: mGroupLagRecords, Type: Gauge, Tags: group},
		{Name: mGroupLagSeconds, Type: Gauge, Tags: group},
		{Name: mKafkaUp, Type: Gauge, Tags: []string{"cluster"}},
		{Name: mServiceCheck, Type: ServiceCheck, Tags: slices.Clone(jobTags)},
	}
}

// Metrics lists everything the emitter sends under namespace (the config's
// datadog.namespace): the table's families that have a DogStatsD name,
// then own.
func Metrics(namespace string) []Metric {
	var ms []Metric
	for _, f := range export.Families() {
		if f.DogStatsD.Kind == export.NotSent {
			continue
		}
		typ := Gauge
		if f.DogStatsD.Kind == export.DogCount {
			typ = Count
		}
		df := newDogFamily(f)
		tags := append(slices.Clone(df.base), df.keys...)
		for _, d := range df.dog {
			tags = append(tags, d.Key)
		}
		ms = append(ms, Metric{Name: df.name, Type: typ, Tags: tags})
	}
	ms = append(ms, own()...)
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
