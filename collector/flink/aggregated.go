package flink

import (
	"context"
	"net/url"
	"slices"
	"strings"
)

// Agg selects the aggregations of the aggregating metric endpoints. The
// zero value asks for Flink's default, every one.
type Agg uint8

// The aggregation modes (MetricsAggregationParameter.AggregationMode).
const (
	AggMin Agg = 1 << iota
	AggMax
	AggAvg
	AggSum
	// AggSkew is 1.20+: older JobManagers answer 400 to it.
	AggSkew
)

// String is the agg query parameter, "min,max".
func (a Agg) String() string {
	var parts []string
	for _, m := range [...]struct {
		a    Agg
		name string
	}{{AggMin, "min"}, {AggMax, "max"}, {AggAvg, "avg"}, {AggSum, "sum"}, {AggSkew, "skew"}} {
		if a&m.a != 0 {
			parts = append(parts, m.name)
		}
	}
	return strings.Join(parts, ",")
}

// AggregatedMetric is one metric aggregated over a vertex's subtasks or
// over TaskManagers (AggregatedMetric). An aggregation not asked for, or
// not a finite number ("NaN" from a gauge that cannot measure), is not
// Valid.
type AggregatedMetric struct {
	Min, Max, Avg, Sum, Skew Number
}

// aggregatedWire is one item of AggregatedMetricsResponseBody: the id,
// then only the modes asked for, as JSON numbers (Jackson writes NaN and
// the infinities as strings).
type aggregatedWire struct {
	ID   string `json:"id"`
	Min  Number `json:"min"`
	Max  Number `json:"max"`
	Avg  Number `json:"avg"`
	Sum  Number `json:"sum"`
	Skew Number `json:"skew"`
}

// decodeAggregated decodes an aggregating endpoint's answer into the
// metrics by id.
func decodeAggregated(data []byte) (map[string]AggregatedMetric, error) {
	var ms []aggregatedWire
	if err := decodeJSON(data, '[', &ms); err != nil {
		return nil, err
	}
	out := make(map[string]AggregatedMetric, len(ms))
	for _, m := range ms {
		if m.ID != "" {
			out[internMetric(m.ID)] = AggregatedMetric{Min: m.Min, Max: m.Max, Avg: m.Avg, Sum: m.Sum, Skew: m.Skew}
		}
	}
	return out, nil
}

// decodeMetricNames decodes a metric listing ([{"id":…}], in no order
// Flink promises) into sorted, distinct ids.
func decodeMetricNames(data []byte) ([]string, error) {
	var ms []struct {
		ID string `json:"id"`
	}
	if err := decodeJSON(data, '[', &ms); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.ID != "" {
			out = append(out, m.ID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// SubtaskMetrics reads GET
// /jobs/:jobid/vertices/:vertexid/subtasks/metrics?get=names&agg=agg: each
// named metric aggregated over the vertex's subtasks, e.g.
// busyTimeMsPerSecond with AggMax for the busiest subtask.
//
// Flink answers [] — an empty map here — as soon as one named metric has
// no value on any subtask: a vertex whose metrics the store does not have
// yet, a finished vertex, an unknown vertex or job, or a name the vertex
// does not register (sources have no currentInputWatermark). So ask
// together only for metrics every subtask registers, such as
// MetricBusyTime, MetricBackPressuredTime and MetricIdleTime. A metric
// whose values are not numbers is left out.
func (c *Client) SubtaskMetrics(ctx context.Context, jobID, vertexID string, agg Agg, names ...string) (map[string]AggregatedMetric, error) {
	return c.aggregated(ctx, vertexPath(jobID, vertexID, "/subtasks/metrics"), agg, names)
}

// SubtaskMetricNames lists the metrics of the vertex's subtasks (GET
// …/subtasks/metrics without get): task metrics such as
// busyTimeMsPerSecond, and operator metrics as "<operator>.<metric>",
// e.g. Source__orders.pendingRecords.
func (c *Client) SubtaskMetricNames(ctx context.Context, jobID, vertexID string) ([]string, error) {
	return c.metricNames(ctx, vertexPath(jobID, vertexID, "/subtasks/metrics"))
}

// TaskManagersMetrics reads GET /taskmanagers/metrics?get=names&agg=agg:
// each named metric aggregated over every TaskManager, with the same
// all-or-nothing answer as SubtaskMetrics.
func (c *Client) TaskManagersMetrics(ctx context.Context, agg Agg, names ...string) (map[string]AggregatedMetric, error) {
	return c.aggregated(ctx, "/taskmanagers/metrics", agg, names)
}

// TaskManagersMetricNames lists the TaskManagers' metrics (GET
// /taskmanagers/metrics without get); FindGCMetrics picks the garbage
// collectors' out of it.
func (c *Client) TaskManagersMetricNames(ctx context.Context) ([]string, error) {
	return c.metricNames(ctx, "/taskmanagers/metrics")
}

func (c *Client) aggregated(ctx context.Context, path string, agg Agg, names []string) (map[string]AggregatedMetric, error) {
	if len(names) == 0 {
		// Without get Flink lists names instead.
		return map[string]AggregatedMetric{}, nil
	}
	path += "?get=" + url.QueryEscape(strings.Join(names, ","))
	if agg != 0 {
		path += "&agg=" + agg.String()
	}
	var v map[string]AggregatedMetric
	err := c.get(ctx, path, func(data []byte) (err error) {
		v, err = decodeAggregated(data)
		return err
	})
	return v, err
}

func (c *Client) metricNames(ctx context.Context, path string) ([]string, error) {
	var v []string
	err := c.get(ctx, path, func(data []byte) (err error) {
		v, err = decodeMetricNames(data)
		return err
	})
	return v, err
}

func vertexPath(jobID, vertexID, sub string) string {
	return jobPath(jobID, "/vertices/"+url.PathEscape(vertexID)+sub)
}

// Metric names the signals read (Flink's MetricNames and MetricUtils).
const (
	// Subtask metrics, ms per second (0–1000) over the last minute or so;
	// busy is a Java double and may be "NaN" where it cannot be measured.
	MetricBusyTime          = "busyTimeMsPerSecond"
	MetricBackPressuredTime = "backPressuredTimeMsPerSecond"
	MetricIdleTime          = "idleTimeMsPerSecond"
	// MetricInputWatermark is a non-source subtask's current input
	// watermark (read it with Watermarks).
	MetricInputWatermark = "currentInputWatermark"
	// MetricPendingRecords, after "<source operator>.", is a FLIP-27
	// source's backlog (the Kafka source registers it).
	MetricPendingRecords = "pendingRecords"

	// TaskManager metrics, bytes.
	MetricHeapUsed = "Status.JVM.Memory.Heap.Used"
	MetricHeapMax  = "Status.JVM.Memory.Heap.Max"
)
