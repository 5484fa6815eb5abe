package health

import (
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

func TestTaskManagerMemory(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	heap := map[string]flink.AggregatedMetric{flink.MetricHeapUsed: {Max: num(950), Sum: num(1800)}, flink.MetricHeapMax: {Max: num(1000), Sum: num(2000)}}
	with := func(m map[string]flink.AggregatedMetric, extra map[string]flink.AggregatedMetric) map[string]flink.AggregatedMetric {
		out := map[string]flink.AggregatedMetric{}
		for k, v := range m {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	const young, old = "Status.JVM.GarbageCollector.G1_Young_Generation.Time", "Status.JVM.GarbageCollector.G1_Old_Generation.Time"
	legacy := flink.GCMetrics{Collectors: []string{old, young}}
	recent := flink.GCMetrics{TimePerSecond: "Status.JVM.GarbageCollector.All.TimeMsPerSecond"}
	gcSum := func(y, o float64) map[string]flink.AggregatedMetric {
		return with(heap, map[string]flink.AggregatedMetric{young: {Sum: num(y)}, old: {Sum: num(o)}})
	}
	tests := []struct {
		name  string
		reads []*TaskManagerRead
		want  fleet.TaskManagerMemory
	}{
		{"1.19+: the worst TaskManager's GC time per second", []*TaskManagerRead{
			{At: t0, TaskManagers: 2, GC: recent, Metrics: with(heap, map[string]flink.AggregatedMetric{recent.TimePerSecond: {Max: num(450)}})},
		}, fleet.TaskManagerMemory{Known: true, HeapUsed: 950, HeapMax: 1000, HasGCTime: true, GCTimeRatio: 0.45}},
		{"before 1.19: the first read has no GC time yet", []*TaskManagerRead{
			{At: t0, TaskManagers: 2, GC: legacy, Metrics: gcSum(1000, 0)},
		}, fleet.TaskManagerMemory{Known: true, HeapUsed: 950, HeapMax: 1000}},
		{"before 1.19: the average of the collectors' time over two reads", []*TaskManagerRead{
			{At: t0, TaskManagers: 2, GC: legacy, Metrics: gcSum(1000, 0)},
			{At: t0.Add(time.Minute), TaskManagers: 2, GC: legacy, Metrics: gcSum(1000+30_000, 6_000)},
		}, fleet.TaskManagerMemory{Known: true, HeapUsed: 950, HeapMax: 1000, HasGCTime: true, GCTimeRatio: 0.3}},
		{"before 1.19: a TaskManager gone takes its time with it: a new baseline", []*TaskManagerRead{
			{At: t0, TaskManagers: 2, GC: legacy, Metrics: gcSum(50_000, 0)},
			{At: t0.Add(time.Minute), TaskManagers: 1, GC: legacy, Metrics: gcSum(20_000, 0)},
		}, fleet.TaskManagerMemory{Known: true, HeapUsed: 950, HeapMax: 1000}},
		{"no values (the all-or-nothing answer): unknown", []*TaskManagerRead{
			{At: t0, TaskManagers: 2, GC: recent, Metrics: map[string]flink.AggregatedMetric{}},
		}, fleet.TaskManagerMemory{}},
		{"not read", []*TaskManagerRead{nil}, fleet.TaskManagerMemory{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m GCMemory
			var got fleet.TaskManagerMemory
			for _, r := range tt.reads {
				got = TaskManagerMemory(r, &m)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
