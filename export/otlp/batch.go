package otlp

import (
	"iter"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// batches splits rm into requests of at most max data points each. A
// metric with more points than a request has room for is split across
// requests (OTLP receivers merge them by name, type and attributes); the
// data points are shared, not copied. Metrics without data points are
// left out.
func batches(rm *metricdata.ResourceMetrics, max int) iter.Seq[*metricdata.ResourceMetrics] {
	return func(yield func(*metricdata.ResourceMetrics) bool) {
		cur := &metricdata.ResourceMetrics{Resource: rm.Resource}
		room := max
		for _, sm := range rm.ScopeMetrics {
			newScope := true
			for _, m := range sm.Metrics {
				n := dataPoints(m.Data)
				for lo := 0; lo < n; {
					if room == 0 {
						if !yield(cur) {
							return
						}
						cur, room, newScope = &metricdata.ResourceMetrics{Resource: rm.Resource}, max, true
					}
					if newScope {
						cur.ScopeMetrics = append(cur.ScopeMetrics, metricdata.ScopeMetrics{Scope: sm.Scope})
						newScope = false
					}
					hi := min(n, lo+room)
					part := m
					part.Data = slice(m.Data, lo, hi)
					last := &cur.ScopeMetrics[len(cur.ScopeMetrics)-1]
					last.Metrics = append(last.Metrics, part)
					room -= hi - lo
					lo = hi
				}
			}
		}
		if len(cur.ScopeMetrics) > 0 {
			yield(cur)
		}
	}
}

// dataPointsOf counts the data points of rm.
func dataPointsOf(rm *metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			n += dataPoints(m.Data)
		}
	}
	return n
}

// dataPoints counts the points of the aggregations the Prometheus bridge
// produces (float64 gauges and sums, histograms, summaries); anything
// else is one unsplittable unit.
func dataPoints(a metricdata.Aggregation) int {
	switch d := a.(type) {
	case metricdata.Gauge[float64]:
		return len(d.DataPoints)
	case metricdata.Sum[float64]:
		return len(d.DataPoints)
	case metricdata.Histogram[float64]:
		return len(d.DataPoints)
	case metricdata.ExponentialHistogram[float64]:
		return len(d.DataPoints)
	case metricdata.Summary:
		return len(d.DataPoints)
	case nil:
		return 0
	}
	return 1
}

// slice returns the points [lo, hi) of a, sharing the backing array.
func slice(a metricdata.Aggregation, lo, hi int) metricdata.Aggregation {
	switch d := a.(type) {
	case metricdata.Gauge[float64]:
		d.DataPoints = d.DataPoints[lo:hi]
		return d
	case metricdata.Sum[float64]:
		d.DataPoints = d.DataPoints[lo:hi]
		return d
	case metricdata.Histogram[float64]:
		d.DataPoints = d.DataPoints[lo:hi]
		return d
	case metricdata.ExponentialHistogram[float64]:
		d.DataPoints = d.DataPoints[lo:hi]
		return d
	case metricdata.Summary:
		d.DataPoints = d.DataPoints[lo:hi]
		return d
	}
	return a
}
