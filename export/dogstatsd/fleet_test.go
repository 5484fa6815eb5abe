package dogstatsd

import (
	"fmt"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

var fleetNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fk(r fleet.Route, cat string) fleet.FailureKey {
	return fleet.FailureKey{Route: r, Category: cat}
}

// fleet is a realistic fleet as the collector reports it, at step 1 or a
// cycle later at step 2. Between the two:
//   - fraud-scorer restarted 3 more times, one more OOM kill and a first
//     TaskManager heartbeat timeout, 2 more failed checkpoints; it is
//     RUNNING again, still with stalled checkpoints but no longer
//     restarting too often;
//   - orders-enricher completed 4 checkpoints (its JobManager failed over:
//     the collector keeps the counter monotonic, so only the 4 show);
//   - search gained a job, reindex, seen for the first time, and a
//     deployment failure (an image the team pushed cannot be pulled);
//   - the analytics deployment was deleted.
//
// legacy/etl has no team and its JobManager is unreachable: its job is
// carried over, stale.
func sampleFleet(step int) *fleet.Snapshot {
	two := step == 2
	pick := func(a, b float64) float64 {
		if two {
			return b
		}
		return a
	}
	var ts []fleet.TargetStatus
	if !two {
		ts = append(ts, fleet.TargetStatus{
			Target: fleet.Target{Deployment: "backfill", Namespace: "analytics", Owner: fleet.Owner{Team: "analytics"}, Suspended: true},
			Jobs:   []fleet.JobStatus{{Name: "daily-backfill"}},
		})
	}
	ts = append(ts, fleet.TargetStatus{
		Target: fleet.Target{Deployment: "etl", Namespace: "legacy"},
		Error:  "connect: connection refused", ErrorKind: fleet.ErrConnect,
		Jobs: []fleet.JobStatus{{
			Name: "nightly-etl", ID: "a1b2", State: fleet.StateRunning, Expected: true, Stale: true,
			Reasons:              []fleet.Reason{fleet.ReasonUnreachable},
			Uptime:               26 * time.Hour,
			CheckpointingEnabled: true, LastCheckpoint: fleetNow.Add(-3 * time.Minute),
			CheckpointsCompleted: 9000, Restarts: 2,
		}},
	}, fleet.TargetStatus{
		Target: fleet.Target{Deployment: "fraud-scorer", Namespace: "payments", Owner: fleet.Owner{Team: "payments"}},
		Up:     true,
		Failures: map[fleet.FailureKey]float64{
			fk(fleet.Page, "crashloop_unexplained"): 1,
		},
		Jobs: []fleet.JobStatus{fraudScorer(two, pick)},
	}, fleet.TargetStatus{
		Target: fleet.Target{Deployment: "orders-enricher", Namespace: "payments", Owner: fleet.Owner{Team: "payments"}},
		Up:     true,
		Jobs: []fleet.JobStatus{{
			Name: "orders-enricher", ID: "c3d4", State: fleet.StateRunning, Expected: true, Healthy: true,
			Uptime:               90 * time.Minute,
			CheckpointingEnabled: true, CheckpointsProgressing: true, LastCheckpoint: fleetNow.Add(-20 * time.Second),
			CheckpointsCompleted: pick(1000, 1004),
			HasKafkaLag:          true, KafkaLagRecords: pick(1200, 800), KafkaLagSeconds: pick(3.5, 2), KafkaLagSecondsKnown: true,
			CheckpointCost: fleet.CheckpointCost{Known: true, Duration: 4 * time.Second, Size: 5 << 30, IncrementalSize: 80 << 20, Timeout: 10 * time.Minute, TimeoutRatio: 4.0 / 600},
			// Read in detail: busy in its enrichment step, the source
			// back-pressured by it.
			Detail: fleet.JobDetail{At: fleetNow.Add(-30 * time.Second),
				HasSourceRecords: true, SourceRecords: pick(1e6, 1.2e6), HasSinkRecords: true, SinkRecords: pick(9e5, 1.1e6), SourcesGrewAt: fleetNow.Add(-30 * time.Second),
				HasWatermarkLag: true, WatermarkLag: 12 * time.Second,
				HasBackpressure: true, BusyRatio: 0.97, BackpressuredRatio: 0.9, BackpressuredSince: fleetNow.Add(-5 * time.Minute),
				Bottleneck: "Enrich with customers", BottleneckID: "bc764cd8ddf7a0cff126f51c16239658", BottleneckBusyRatio: 0.97},
		}},
		Memory: fleet.TaskManagerMemory{Known: true, HeapUsed: 3 << 30, HeapMax: 4 << 30, HasGCTime: true, GCTimeRatio: 0.04},
		PerTaskManager: []fleet.TaskManagerJVM{
			{ID: "orders-enricher-taskmanager-1-1", HasHeap: true, HeapUsed: 2 << 30, HeapMax: 4 << 30, HasGCTime: true, GCTimeRatio: 0.01},
			{ID: "orders-enricher-taskmanager-1-2", HasHeap: true, HeapUsed: 3 << 30, HeapMax: 4 << 30, HasGCTime: true, GCTimeRatio: 0.04},
		},
	}, searchIndexer(two),
	)
	return &fleet.Snapshot{
		Seq:      uint64(step),
		Started:  fleetNow.Add(-2 * time.Second),
		Finished: fleetNow,
		Targets:  ts,
		Kafka: &fleet.KafkaView{Clusters: map[string]bool{"default": true, "payments": false}, Groups: map[fleet.GroupRef]fleet.GroupLag{
			{Cluster: "default", Group: "orders-enricher"}: {Known: true, Records: int64(pick(1200, 800)), Seconds: pick(3.5, 2), SecondsKnown: true, Status: "ok"},
			// Just started: records known, time lag not estimated yet.
			{Cluster: "default", Group: "indexer"}:      {Known: true, Records: 40, Status: "unknown"},
			{Cluster: "default", Group: "fraud-scorer"}: {Known: false},
		}},
	}
}

func fraudScorer(two bool, pick func(a, b float64) float64) fleet.JobStatus {
	j := fleet.JobStatus{
		Name: "fraud-scorer", ID: "e5f6", State: fleet.StateRestarting, Expected: true,
		Reasons:              []fleet.Reason{fleet.ReasonCheckpointsStalled, fleet.ReasonTooManyRestarts},
		CheckpointingEnabled: true, LastCheckpoint: fleetNow.Add(-25 * time.Minute),
		CheckpointsCompleted: 300, CheckpointsFailed: pick(4, 6), Restarts: pick(12, 15),
		Failures: map[fleet.FailureKey]float64{
			fk(fleet.Page, "container_oom_killed"):  pick(2, 3),
			fk(fleet.Notify, "user_code_exception"): 1,
		},
	}
	if two {
		j.State, j.Uptime = fleet.StateRunning, 40*time.Second
		j.Reasons = []fleet.Reason{fleet.ReasonCheckpointsStalled}
		j.Failures[fk(fleet.Monitor, "tm_heartbeat_timeout")] = 1
	}
	return j
}

func searchIndexer(two bool) fleet.TargetStatus {
	t := fleet.TargetStatus{
		Target: fleet.Target{Deployment: "indexer", Namespace: "search", Owner: fleet.Owner{Team: "search"}},
		Up:     true,
		Jobs: []fleet.JobStatus{{
			// Flink job names are free text; the tag must survive it.
			Name: "Kafka → ES, v2 | eu", ID: "0a0b", State: fleet.StateRunning, Expected: true, Healthy: true,
			Uptime: 72 * time.Hour, Restarts: 1,
			HasKafkaLag: true, KafkaLagRecords: 40,
		}},
	}
	if two {
		t.Failures = map[fleet.FailureKey]float64{fk(fleet.Notify, "image_pull_tenant"): 1}
		t.Jobs = append(t.Jobs, fleet.JobStatus{
			Name: "reindex", ID: "0c0d", State: fleet.StateRunning, Expected: true, Healthy: true,
			Uptime: 10 * time.Second, Restarts: 5, CheckpointsCompleted: 7,
		})
	}
	return t
}

// bigFleet is n jobs over n/10 deployments and 20 teams, every job
// checkpointing and reading Kafka, a tenth unhealthy; step moves every
// counter on.
func bigFleet(n, step int) *fleet.Snapshot {
	snap := &fleet.Snapshot{Seq: uint64(step), Finished: fleetNow}
	for d := 0; d < n/10; d++ {
		t := fleet.TargetStatus{
			Target: fleet.Target{Deployment: fmt.Sprintf("deploy-%04d", d), Namespace: fmt.Sprintf("ns-%02d", d%50), Owner: fleet.Owner{Team: fmt.Sprintf("team-%02d", d%20)}},
			Up:     true,
		}
		for j := 0; j < 10; j++ {
			js := fleet.JobStatus{
				Name: fmt.Sprintf("job-%d", j), ID: "0123456789abcdef", State: fleet.StateRunning, Expected: true, Healthy: true,
				Uptime: time.Hour, CheckpointingEnabled: true, CheckpointsProgressing: true, LastCheckpoint: fleetNow.Add(-time.Minute),
				CheckpointsCompleted: float64(100 * step), Restarts: float64(step),
				HasKafkaLag: true, KafkaLagRecords: 100, KafkaLagSeconds: 1, KafkaLagSecondsKnown: true,
				Failures: map[fleet.FailureKey]float64{fk(fleet.Monitor, "tm_heartbeat_timeout"): float64(step)},
			}
			if j == 0 {
				js.Healthy, js.State = false, fleet.StateRestarting
				js.Reasons = []fleet.Reason{fleet.ReasonTooManyRestarts}
			}
			t.Jobs = append(t.Jobs, js)
		}
		snap.Targets = append(snap.Targets, t)
	}
	return snap
}
