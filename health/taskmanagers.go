package health

import (
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

// TaskManagerRead is one aggregated read of the TaskManagers' JVM metrics
// (GET /taskmanagers/metrics?get=…&agg=max,sum), one per JobManager.
type TaskManagerRead struct {
	At time.Time
	// Metrics are by id, aggregated with max and sum.
	Metrics map[string]flink.AggregatedMetric
	// GC names the garbage-collection metrics the TaskManagers register.
	GC flink.GCMetrics
	// TaskManagers is how many are registered (/overview), to average the
	// GC time of the versions that have no per-second metric.
	TaskManagers int
}

// GCMemory is what the memory signals remember between two reads: the
// TaskManagers' total GC time, for Flink before 1.19.
type GCMemory struct {
	at    time.Time
	total float64
	set   bool
}

// TaskManagerMemory turns a read into the target's memory signals: the
// largest heap in use and the largest heap (max over TaskManagers; their
// ratio is the worst TaskManager's when they are sized alike, as on
// Kubernetes), and the share of time in GC — the worst TaskManager's from
// Status.JVM.GarbageCollector.All.TimeMsPerSecond (1.19+), else the
// average of the cumulative per-collector times between two reads.
func TaskManagerMemory(r *TaskManagerRead, m *GCMemory) fleet.TaskManagerMemory {
	var out fleet.TaskManagerMemory
	if r == nil {
		*m = GCMemory{}
		return out
	}
	used, ok1 := r.Metrics[flink.MetricHeapUsed]
	hmax, ok2 := r.Metrics[flink.MetricHeapMax]
	if ok1 && ok2 && used.Max.Valid && hmax.Max.Valid && hmax.Max.Value > 0 {
		out.Known, out.HeapUsed, out.HeapMax = true, used.Max.Value, hmax.Max.Value
	}
	if n := r.GC.TimePerSecond; n != "" {
		if g, ok := r.Metrics[n]; ok && g.Max.Valid {
			out.HasGCTime, out.GCTimeRatio = true, clamp01(g.Max.Value/1000)
		}
		return out
	}
	total, ok := gcTotal(r)
	switch {
	case !ok:
		*m = GCMemory{}
	case m.set && total >= m.total && r.At.After(m.at) && r.TaskManagers > 0:
		ms := (total - m.total) / float64(r.TaskManagers)
		out.HasGCTime, out.GCTimeRatio = true, clamp01(ms/float64(r.At.Sub(m.at).Milliseconds()))
		fallthrough
	default:
		// A total that went down lost a TaskManager: it is the new baseline.
		*m = GCMemory{at: r.At, total: total, set: true}
	}
	return out
}

// gcTotal sums the collectors' cumulative GC time over the TaskManagers.
func gcTotal(r *TaskManagerRead) (float64, bool) {
	if len(r.GC.Collectors) == 0 {
		return 0, false
	}
	var total float64
	for _, n := range r.GC.Collectors {
		g, ok := r.Metrics[n]
		if !ok || !g.Sum.Valid {
			return 0, false
		}
		total += g.Sum.Value
	}
	return total, true
}
