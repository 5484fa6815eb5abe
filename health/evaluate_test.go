package health

import (
	"slices"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// testConfig is the health section of a config file, defaults applied.
func testConfig(t *testing.T, yaml string) Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return FromConfig(cfg.Health)
}

func ms(t time.Time) flink.Millis { return flink.Millis(t.UnixMilli()) }

// observation builds a steady job: running for an hour, 4 tasks running,
// checkpointing every 10s with the last one 5s ago.
func observation(now time.Time, mutate ...func(*Observation)) Observation {
	start := now.Add(-time.Hour)
	o := Observation{
		Overview: flink.JobOverview{
			ID: "j1", Name: "orders", State: fleet.StateRunning, StartTime: ms(start),
			LastModification: ms(start.Add(time.Minute)), Tasks: map[string]int{"total": 4, "running": 4},
		},
		Details:  &flink.JobDetails{ID: "j1", State: fleet.StateRunning, Timestamps: map[fleet.JobState]flink.Millis{fleet.StateRunning: ms(start.Add(30 * time.Second))}},
		Metrics:  map[string]float64{"numRestarts": 0},
		CpConfig: &flink.CheckpointConfig{IntervalMillis: 10_000, TimeoutMillis: 600_000},
		Checkpoints: &flink.Checkpoints{
			Counts: flink.CheckpointCounts{Completed: 100},
			Latest: flink.LatestCheckpoints{Completed: &flink.CheckpointStats{ID: 100, LatestAckTimestamp: ms(now.Add(-5 * time.Second)), EndToEndDuration: 300}},
		},
	}
	for _, m := range mutate {
		m(&o)
	}
	return o
}

func TestHealthReasons(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name        string
		target      fleet.Target
		obs         Observation
		want        []fleet.Reason
		progressing bool
	}{
		{"steady job is healthy", fleet.Target{}, observation(now), nil, true},
		{"failed job is not running", fleet.Target{}, observation(now, func(o *Observation) {
			o.Overview.State = fleet.StateFailed
		}), []fleet.Reason{fleet.ReasonNotRunning}, true},
		{"restarting job is not running", fleet.Target{}, observation(now, func(o *Observation) {
			o.Overview.State = fleet.StateRestarting
		}), []fleet.Reason{fleet.ReasonNotRunning}, true},
		{"a newer flink's unknown state counts as not running", fleet.Target{}, observation(now, func(o *Observation) {
			o.Overview.State = "PAUSED"
		}), []fleet.Reason{fleet.ReasonNotRunning}, true},
		{"job being submitted gets the start-up grace", fleet.Target{}, observation(now, func(o *Observation) {
			o.Overview.State = fleet.StateInitializing
			o.Overview.StartTime = ms(now.Add(-30 * time.Second))
			o.Details = nil
		}), nil, true},
		{"job stuck initializing past the grace", fleet.Target{}, observation(now, func(o *Observation) {
			o.Overview.State = fleet.StateInitializing
			o.Overview.StartTime = ms(now.Add(-10 * time.Minute))
			o.Details = nil
		}), []fleet.Reason{fleet.ReasonNotRunning}, true},
		{"tasks deploying within the grace", fleet.Target{}, observation(now, func(o *Observation) {
			o.Overview.Tasks = map[string]int{"total": 4, "running": 2, "deploying": 2}
			o.Overview.LastModification = ms(now.Add(-time.Minute))
		}), nil, true},
		{"tasks stuck deploying past the grace", fleet.Target{}, observation(now, func(o *Observation) {
			o.Overview.Tasks = map[string]int{"total": 4, "running": 2, "deploying": 2}
			o.Overview.LastModification = ms(now.Add(-5 * time.Minute))
		}), []fleet.Reason{fleet.ReasonTasksNotRunning}, true},
		{"finished bounded sources are fine", fleet.Target{}, observation(now, func(o *Observation) {
			o.Overview.Tasks = map[string]int{"total": 4, "running": 3, "finished": 1}
		}), nil, true},
		{"last checkpoint far older than the window is stalled at first sight", fleet.Target{}, observation(now, func(o *Observation) {
			o.Checkpoints.Latest.Completed.LatestAckTimestamp = ms(now.Add(-20 * time.Minute))
		}), []fleet.Reason{fleet.ReasonCheckpointsStalled}, false},
		{"no checkpoint yet, submitted less than a window ago", fleet.Target{}, observation(now, func(o *Observation) {
			o.Checkpoints.Latest.Completed = nil
			o.Checkpoints.Counts.Completed = 0
			o.Overview.StartTime = ms(now.Add(-20 * time.Second))
			o.Details.Timestamps[fleet.StateRunning] = ms(now.Add(-15 * time.Second))
		}), nil, true},
		{"restart loop: running again since seconds, no checkpoint for long", fleet.Target{}, observation(now, func(o *Observation) {
			o.Checkpoints.Latest.Completed.LatestAckTimestamp = ms(now.Add(-10 * time.Minute))
			o.Details.Timestamps[fleet.StateRunning] = ms(now.Add(-5 * time.Second))
			o.Metrics["uptime"] = 5000
		}), []fleet.Reason{fleet.ReasonCheckpointsStalled}, false},
		{"new jobmaster after failover gets a window to checkpoint", fleet.Target{}, observation(now, func(o *Observation) {
			o.Overview.StartTime = ms(now.Add(-10 * time.Second))
			o.Checkpoints.Latest.Completed = nil
			o.Checkpoints.Counts.Completed = 0
		}), nil, true},
		{"no checkpoint ever and running for long", fleet.Target{}, observation(now, func(o *Observation) {
			o.Checkpoints.Latest.Completed = nil
			o.Checkpoints.Counts.Completed = 0
		}), []fleet.Reason{fleet.ReasonCheckpointsStalled}, false},
		{"2.x metric gives the last completion when statistics have none", fleet.Target{}, observation(now, func(o *Observation) {
			o.Checkpoints.Latest.Completed = nil
			o.Metrics["lastCheckpointCompletedTimestamp"] = float64(now.Add(-3 * time.Second).UnixMilli())
		}), nil, true},
		{"target override widens the window", fleet.Target{CheckpointWindow: time.Hour}, observation(now, func(o *Observation) {
			o.Checkpoints.Latest.Completed.LatestAckTimestamp = ms(now.Add(-20 * time.Minute))
		}), nil, true},
		{"slow checkpoints widen the derived window", fleet.Target{}, observation(now, func(o *Observation) {
			o.Checkpoints.Latest.Completed.EndToEndDuration = int64(5 * time.Minute / time.Millisecond)
			o.Checkpoints.Latest.Completed.LatestAckTimestamp = ms(now.Add(-10 * time.Minute))
		}), nil, true},
		{"checkpointing disabled is never stalled", fleet.Target{}, observation(now, func(o *Observation) {
			o.CpConfig, o.CpDisabled, o.Checkpoints = nil, true, nil
		}), nil, false},
		{"operator says the jobmanager deployment failed", fleet.Target{Operator: &fleet.OperatorStatus{JobManagerDeploymentStatus: "ERROR"}}, observation(now), []fleet.Reason{fleet.ReasonDeploymentError}, true},
		{"suspended deployment never counts", fleet.Target{Suspended: true}, observation(now, func(o *Observation) {
			o.Overview.State = fleet.StateFailed
		}), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig(t, "targets: []\n")
			j := Evaluate(c, tt.target, &Memory{}, tt.obs, nil, now)
			if !slices.Equal(j.Reasons, tt.want) {
				t.Errorf("reasons = %v, want %v", j.Reasons, tt.want)
			}
			if j.Healthy != (len(tt.want) == 0) {
				t.Errorf("healthy = %v with reasons %v", j.Healthy, j.Reasons)
			}
			if j.CheckpointingEnabled && j.CheckpointsProgressing != tt.progressing {
				t.Errorf("checkpoints progressing = %v, want %v (window %s, last %s)", j.CheckpointsProgressing, tt.progressing, j.CheckpointWindow, j.LastCheckpoint)
			}
		})
	}
}

func TestTooManyRestarts(t *testing.T) {
	c := testConfig(t, "targets: []\nhealth: {restartWindow: 10m, restartThreshold: 3}\n")
	m := &Memory{}
	t0 := time.Unix(1_800_000_000, 0)
	var last fleet.JobStatus
	// One restart a minute: the third within the window makes it unhealthy.
	for i := range 4 {
		now := t0.Add(time.Duration(i) * time.Minute)
		o := observation(t0, func(o *Observation) { o.Metrics["numRestarts"] = float64(i) })
		last = Evaluate(c, fleet.Target{}, m, o, nil, now)
		if got := slices.Contains(last.Reasons, fleet.ReasonTooManyRestarts); got != (i >= 3) {
			t.Fatalf("minute %d: %d restarts in window, too_many_restarts=%v", i, last.RestartsInWindow, got)
		}
	}
	// Quiet for a full window: healthy again.
	now := t0.Add(15 * time.Minute)
	last = Evaluate(c, fleet.Target{}, m, observation(t0, func(o *Observation) {
		o.Metrics["numRestarts"] = 3
		o.Checkpoints.Latest.Completed.LatestAckTimestamp = ms(now)
	}), nil, now)
	if !last.Healthy {
		t.Fatalf("after a quiet window: reasons %v, restarts in window %d", last.Reasons, last.RestartsInWindow)
	}
}

func TestCheckpointStallDetectedWithoutNewCount(t *testing.T) {
	c := testConfig(t, "targets: []\n")
	m := &Memory{}
	t0 := time.Unix(1_800_000_000, 0)
	// The completed count stops at 100; the last checkpoint was at t0.
	for _, after := range []time.Duration{0, 20 * time.Second, 29 * time.Second, 31 * time.Second, 2 * time.Minute} {
		now := t0.Add(after)
		o := observation(t0, func(o *Observation) { o.Checkpoints.Latest.Completed.LatestAckTimestamp = ms(t0) })
		j := Evaluate(c, fleet.Target{}, m, o, nil, now)
		// window = max(3 × 10s, floor 1m) = 1m
		want := after <= time.Minute
		if j.CheckpointsProgressing != want {
			t.Errorf("%s after the last checkpoint: progressing=%v, want %v", after, j.CheckpointsProgressing, want)
		}
	}
}
