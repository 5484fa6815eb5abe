package otlp

import (
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

func gauge(name string, values ...float64) metricdata.Metrics {
	g := metricdata.Gauge[float64]{}
	for _, v := range values {
		g.DataPoints = append(g.DataPoints, metricdata.DataPoint[float64]{Value: v})
	}
	return metricdata.Metrics{Name: name, Data: g}
}

func counter(name string, values ...float64) metricdata.Metrics {
	s := metricdata.Sum[float64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}
	for _, v := range values {
		s.DataPoints = append(s.DataPoints, metricdata.DataPoint[float64]{Value: v})
	}
	return metricdata.Metrics{Name: name, Data: s}
}

// flatten lists name=value of every float point, in order, with the scope.
func flatten(rm *metricdata.ResourceMetrics) []string {
	var out []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					out = append(out, fmt.Sprintf("%s/%s=%g", sm.Scope.Name, m.Name, p.Value))
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					out = append(out, fmt.Sprintf("%s/%s=%g", sm.Scope.Name, m.Name, p.Value))
				}
			case metricdata.Summary:
				for _, p := range d.DataPoints {
					out = append(out, fmt.Sprintf("%s/%s=%g", sm.Scope.Name, m.Name, p.Sum))
				}
			}
		}
	}
	return out
}

func TestBatches(t *testing.T) {
	res := resource.Empty()
	rm := &metricdata.ResourceMetrics{Resource: res, ScopeMetrics: []metricdata.ScopeMetrics{
		{Scope: instrumentation.Scope{Name: "a"}, Metrics: []metricdata.Metrics{
			gauge("g", 1, 2, 3, 4, 5),
			gauge("empty"),
			counter("c", 6, 7, 8),
		}},
		{Scope: instrumentation.Scope{Name: "b"}, Metrics: []metricdata.Metrics{
			{Name: "s", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{Sum: 9}}}},
		}},
	}}
	all := flatten(rm)
	for _, tt := range []struct {
		max, batches int
	}{
		{max: 1, batches: 9},
		{max: 2, batches: 5},
		{max: 4, batches: 3},
		{max: 8, batches: 2},
		{max: 9, batches: 1},
		{max: 10000, batches: 1},
	} {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			var got []string
			n := 0
			for b := range batches(rm, tt.max) {
				n++
				if b.Resource != res {
					t.Errorf("batch %d lost the resource", n)
				}
				if p := dataPointsOf(b); p > tt.max || p == 0 {
					t.Errorf("batch %d has %d data points, want 1 to %d", n, p, tt.max)
				}
				for _, sm := range b.ScopeMetrics {
					for _, m := range sm.Metrics {
						if m.Name == "empty" {
							t.Errorf("batch %d carries a metric without data points", n)
						}
					}
				}
				got = append(got, flatten(b)...)
			}
			if n != tt.batches {
				t.Errorf("%d batches, want %d", n, tt.batches)
			}
			if fmt.Sprint(got) != fmt.Sprint(all) {
				t.Errorf("points across batches = %v, want %v", got, all)
			}
		})
	}
	if got := flatten(rm); fmt.Sprint(got) != fmt.Sprint(all) {
		t.Errorf("batching changed its input: %v", got)
	}
}

func TestBatchesStopWhenAsked(t *testing.T) {
	rm := &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: []metricdata.Metrics{gauge("g", 1, 2, 3)}}}}
	n := 0
	for range batches(rm, 1) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d batches after break", n)
	}
}
