package health

import (
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

// One TaskManager's read is its own heap and GC time: Flink's per-second
// value on 1.19+, else its collectors' time between two of its reads.
func TestTaskManagerJVM(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	const young, old = "Status.JVM.GarbageCollector.G1_Young_Generation.Time", "Status.JVM.GarbageCollector.G1_Old_Generation.Time"
	const perSecond = "Status.JVM.GarbageCollector.All.TimeMsPerSecond"
	legacy := flink.GCMetrics{Collectors: []string{young, old}}
	recent := flink.GCMetrics{TimePerSecond: perSecond}
	heap := func(gc map[string]float64) map[string]float64 {
		out := map[string]float64{flink.MetricHeapUsed: 490, flink.MetricHeapMax: 512}
		for k, v := range gc {
			out[k] = v
		}
		return out
	}
	type read struct {
		at     time.Time
		values map[string]float64
	}
	tests := []struct {
		name  string
		gc    flink.GCMetrics
		reads []read
		want  fleet.TaskManagerJVM
	}{
		{"1.19+: its GC time per second", recent, []read{{t0, heap(map[string]float64{perSecond: 450})}},
			fleet.TaskManagerJVM{ID: "tm-1", HasHeap: true, HeapUsed: 490, HeapMax: 512, HasGCTime: true, GCTimeRatio: 0.45}},
		{"before 1.19: unknown GC time on the first read", legacy, []read{{t0, heap(map[string]float64{young: 1000, old: 0})}},
			fleet.TaskManagerJVM{ID: "tm-1", HasHeap: true, HeapUsed: 490, HeapMax: 512}},
		{"before 1.19: its collectors' time between two reads", legacy, []read{
			{t0, heap(map[string]float64{young: 1000, old: 0})},
			{t0.Add(time.Minute), heap(map[string]float64{young: 1000 + 18_000, old: 6_000})},
		}, fleet.TaskManagerJVM{ID: "tm-1", HasHeap: true, HeapUsed: 490, HeapMax: 512, HasGCTime: true, GCTimeRatio: 0.4}},
		{"gone (an unknown id answers no values): unknown", recent, []read{{t0, map[string]float64{}}},
			fleet.TaskManagerJVM{ID: "tm-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m GCMemory
			var got fleet.TaskManagerJVM
			for _, r := range tt.reads {
				got = TaskManagerJVM("tm-1", r.at, r.values, tt.gc, &m)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
