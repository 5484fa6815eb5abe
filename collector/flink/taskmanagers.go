package flink

import (
	"context"
	"net/url"
	"strings"
)

// TaskManager is one item of GET /taskmanagers (TaskManagerInfo), trimmed.
type TaskManager struct {
	ID            string `json:"id"`
	Path          string `json:"path"`
	DataPort      int    `json:"dataPort"`
	LastHeartbeat Millis `json:"timeSinceLastHeartbeat"` // a timestamp, despite the name
	SlotsNumber   int    `json:"slotsNumber"`
	FreeSlots     int    `json:"freeSlots"`
	// Blocked is 1.16+ (false before).
	Blocked bool `json:"blocked"`
	// Memory is the TaskManager's memory configuration, bytes.
	Memory struct {
		FrameworkHeap      int64 `json:"frameworkHeap"`
		TaskHeap           int64 `json:"taskHeap"`
		ManagedMemory      int64 `json:"managedMemory"`
		JVMMetaspace       int64 `json:"jvmMetaspace"`
		TotalProcessMemory int64 `json:"totalProcessMemory"`
	} `json:"memoryConfiguration"`
}

// TaskManagers reads GET /taskmanagers.
func (c *Client) TaskManagers(ctx context.Context) ([]TaskManager, error) {
	var v struct {
		TaskManagers []TaskManager `json:"taskmanagers"`
	}
	if err := c.getJSON(ctx, "/taskmanagers", '{', &v); err != nil {
		return nil, err
	}
	return v.TaskManagers, nil
}

// TaskManagerMetrics reads GET /taskmanagers/:taskmanagerid/metrics?get=
// names: one TaskManager's values, for when a signal asks which
// TaskManager it is. Missing names and values that are not finite
// numbers are absent; an unknown TaskManager gives an empty map.
func (c *Client) TaskManagerMetrics(ctx context.Context, tmID string, names ...string) (map[string]float64, error) {
	if len(names) == 0 {
		return map[string]float64{}, nil
	}
	path := "/taskmanagers/" + url.PathEscape(tmID) + "/metrics?get=" + url.QueryEscape(strings.Join(names, ","))
	var v map[string]float64
	err := c.get(ctx, path, func(data []byte) (err error) {
		v, err = decodeMetrics(data)
		return err
	})
	return v, err
}

// GCMetrics names a TaskManager's garbage-collection time metrics, found
// in its metric listing: the collectors are the JVM's (G1_Young_Generation
// and G1_Old_Generation with G1, PS_Scavenge and PS_MarkSweep with the
// parallel collector, ZGC_Cycles and ZGC_Pauses with ZGC, …).
type GCMetrics struct {
	// TimePerSecond is Status.JVM.GarbageCollector.All.TimeMsPerSecond,
	// the time spent collecting per second over all collectors (1.19+,
	// "" before).
	TimePerSecond string
	// Time is All.Time, the total ms collecting (1.19+, "" before).
	Time string
	// Collectors are each collector's total ms collecting (<name>.Time,
	// every version): without All, their deltas between two reads give
	// the time per second.
	Collectors []string
}

const gcPrefix = "Status.JVM.GarbageCollector."

// FindGCMetrics picks the GC time metrics out of a metric listing.
func FindGCMetrics(names []string) GCMetrics {
	var g GCMetrics
	for _, n := range names {
		rest, ok := strings.CutPrefix(n, gcPrefix)
		if !ok {
			continue
		}
		switch {
		case rest == "All.TimeMsPerSecond":
			g.TimePerSecond = n
		case rest == "All.Time":
			g.Time = n
		case strings.HasSuffix(rest, ".Time") && rest != ".Time" && !strings.HasPrefix(rest, "All."):
			g.Collectors = append(g.Collectors, n)
		}
	}
	return g
}
