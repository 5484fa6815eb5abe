package health

import (
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

// TaskManagerJVM turns one TaskManager's own values (GET
// /taskmanagers/:taskmanagerid/metrics) into its memory signals, the way
// TaskManagerMemory does for all of them: a TaskManager is an aggregate of
// one, so its heap is the max, its GC time the sum, and the average over
// TaskManagers before 1.19 its own. m is that TaskManager's memory.
func TaskManagerJVM(id string, at time.Time, values map[string]float64, gc flink.GCMetrics, m *GCMemory) fleet.TaskManagerJVM {
	ms := make(map[string]flink.AggregatedMetric, len(values))
	for k, v := range values {
		n := flink.Number{Value: v, Valid: true}
		ms[k] = flink.AggregatedMetric{Max: n, Sum: n}
	}
	mem := TaskManagerMemory(&TaskManagerRead{At: at, Metrics: ms, GC: gc, TaskManagers: 1}, m)
	return fleet.TaskManagerJVM{
		ID: id, HasHeap: mem.Known, HeapUsed: mem.HeapUsed, HeapMax: mem.HeapMax,
		HasGCTime: mem.HasGCTime, GCTimeRatio: mem.GCTimeRatio,
	}
}
