package collector

import (
	"slices"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

func testLoop(t *testing.T, yaml string) *Loop {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoop(Options{Store: fleet.NewStore(), Config: cfg, Policy: testPolicy(t, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func ms(t time.Time) flink.Millis { return flink.Millis(t.UnixMilli()) }

// observation builds a steady job: running for an hour, 4 tasks running,
// checkpointing every 10s with the last one 5s ago.
func observation(now time.Time, mutate ...func(*jobObservation)) jobObservation {
	start := now.Add(-time.Hour)
	o := jobObservation{
		overview: flink.JobOverview{
			ID: "j1", Name: "orders", State: fleet.StateRunning, StartTime: ms(start),
			LastModification: ms(start.Add(time.Minute)), Tasks: map[string]int{"total": 4, "running": 4},
		},
		details:  &flink.JobDetails{ID: "j1", State: fleet.StateRunning, Timestamps: map[fleet.JobState]flink.Millis{fleet.StateRunning: ms(start.Add(30 * time.Second))}},
		metrics:  map[string]float64{"numRestarts": 0},
		cpConfig: &flink.CheckpointConfig{IntervalMillis: 10_000, TimeoutMillis: 600_000},
		checkpoints: &flink.Checkpoints{
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
		obs         jobObservation
		want        []fleet.Reason
		progressing bool
	}{
		{"steady job is healthy", fleet.Target{}, observation(now), nil, true},
		{"failed job is not running", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.overview.State = fleet.StateFailed
		}), []fleet.Reason{fleet.ReasonNotRunning}, true},
		{"restarting job is not running", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.overview.State = fleet.StateRestarting
		}), []fleet.Reason{fleet.ReasonNotRunning}, true},
		{"a newer flink's unknown state counts as not running", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.overview.State = "PAUSED"
		}), []fleet.Reason{fleet.ReasonNotRunning}, true},
		{"job being submitted gets the start-up grace", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.overview.State = fleet.StateInitializing
			o.overview.StartTime = ms(now.Add(-30 * time.Second))
			o.details = nil
		}), nil, true},
		{"job stuck initializing past the grace", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.overview.State = fleet.StateInitializing
			o.overview.StartTime = ms(now.Add(-10 * time.Minute))
			o.details = nil
		}), []fleet.Reason{fleet.ReasonNotRunning}, true},
		{"tasks deploying within the grace", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.overview.Tasks = map[string]int{"total": 4, "running": 2, "deploying": 2}
			o.overview.LastModification = ms(now.Add(-time.Minute))
		}), nil, true},
		{"tasks stuck deploying past the grace", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.overview.Tasks = map[string]int{"total": 4, "running": 2, "deploying": 2}
			o.overview.LastModification = ms(now.Add(-5 * time.Minute))
		}), []fleet.Reason{fleet.ReasonTasksNotRunning}, true},
		{"finished bounded sources are fine", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.overview.Tasks = map[string]int{"total": 4, "running": 3, "finished": 1}
		}), nil, true},
		{"last checkpoint far older than the window is stalled at first sight", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.checkpoints.Latest.Completed.LatestAckTimestamp = ms(now.Add(-20 * time.Minute))
		}), []fleet.Reason{fleet.ReasonCheckpointsStalled}, false},
		{"no checkpoint yet, submitted less than a window ago", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.checkpoints.Latest.Completed = nil
			o.checkpoints.Counts.Completed = 0
			o.overview.StartTime = ms(now.Add(-20 * time.Second))
			o.details.Timestamps[fleet.StateRunning] = ms(now.Add(-15 * time.Second))
		}), nil, true},
		{"restart loop: running again since seconds, no checkpoint for long", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.checkpoints.Latest.Completed.LatestAckTimestamp = ms(now.Add(-10 * time.Minute))
			o.details.Timestamps[fleet.StateRunning] = ms(now.Add(-5 * time.Second))
			o.metrics["uptime"] = 5000
		}), []fleet.Reason{fleet.ReasonCheckpointsStalled}, false},
		{"new jobmaster after failover gets a window to checkpoint", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.overview.StartTime = ms(now.Add(-10 * time.Second))
			o.checkpoints.Latest.Completed = nil
			o.checkpoints.Counts.Completed = 0
		}), nil, true},
		{"no checkpoint ever and running for long", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.checkpoints.Latest.Completed = nil
			o.checkpoints.Counts.Completed = 0
		}), []fleet.Reason{fleet.ReasonCheckpointsStalled}, false},
		{"2.x metric gives the last completion when statistics have none", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.checkpoints.Latest.Completed = nil
			o.metrics["lastCheckpointCompletedTimestamp"] = float64(now.Add(-3 * time.Second).UnixMilli())
		}), nil, true},
		{"target override widens the window", fleet.Target{CheckpointWindow: time.Hour}, observation(now, func(o *jobObservation) {
			o.checkpoints.Latest.Completed.LatestAckTimestamp = ms(now.Add(-20 * time.Minute))
		}), nil, true},
		{"slow checkpoints widen the derived window", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.checkpoints.Latest.Completed.EndToEndDuration = int64(5 * time.Minute / time.Millisecond)
			o.checkpoints.Latest.Completed.LatestAckTimestamp = ms(now.Add(-10 * time.Minute))
		}), nil, true},
		{"checkpointing disabled is never stalled", fleet.Target{}, observation(now, func(o *jobObservation) {
			o.cpConfig, o.cpDisabled, o.checkpoints = nil, true, nil
		}), nil, false},
		{"operator says the jobmanager deployment failed", fleet.Target{Operator: &fleet.OperatorStatus{JobManagerDeploymentStatus: "ERROR"}}, observation(now), []fleet.Reason{fleet.ReasonDeploymentError}, true},
		{"suspended deployment never counts", fleet.Target{Suspended: true}, observation(now, func(o *jobObservation) {
			o.overview.State = fleet.StateFailed
		}), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLoop(t, "targets: []\n")
			js := &jobState{failures: map[fleet.FailureKey]float64{}}
			rs := &fleet.TargetStatus{Target: tt.target}
			j, _ := l.evaluate(tt.target, rs, js, tt.obs, now)
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
	l := testLoop(t, "targets: []\nhealth: {restartWindow: 10m, restartThreshold: 3}\n")
	js := &jobState{failures: map[fleet.FailureKey]float64{}}
	t0 := time.Unix(1_800_000_000, 0)
	var last fleet.JobStatus
	// One restart a minute: the third within the window makes it unhealthy.
	for i := range 4 {
		now := t0.Add(time.Duration(i) * time.Minute)
		o := observation(t0, func(o *jobObservation) { o.metrics["numRestarts"] = float64(i) })
		last, _ = l.evaluate(fleet.Target{}, &fleet.TargetStatus{}, js, o, now)
		if got := slices.Contains(last.Reasons, fleet.ReasonTooManyRestarts); got != (i >= 3) {
			t.Fatalf("minute %d: %d restarts in window, too_many_restarts=%v", i, last.RestartsInWindow, got)
		}
	}
	// Quiet for a full window: healthy again.
	now := t0.Add(15 * time.Minute)
	last, _ = l.evaluate(fleet.Target{}, &fleet.TargetStatus{}, js, observation(t0, func(o *jobObservation) {
		o.metrics["numRestarts"] = 3
		o.checkpoints.Latest.Completed.LatestAckTimestamp = ms(now)
	}), now)
	if !last.Healthy {
		t.Fatalf("after a quiet window: reasons %v, restarts in window %d", last.Reasons, last.RestartsInWindow)
	}
}

func TestCheckpointStallDetectedWithoutNewCount(t *testing.T) {
	l := testLoop(t, "targets: []\n")
	js := &jobState{failures: map[fleet.FailureKey]float64{}}
	t0 := time.Unix(1_800_000_000, 0)
	// The completed count stops at 100; the last checkpoint was at t0.
	for _, after := range []time.Duration{0, 20 * time.Second, 29 * time.Second, 31 * time.Second, 2 * time.Minute} {
		now := t0.Add(after)
		o := observation(t0, func(o *jobObservation) { o.checkpoints.Latest.Completed.LatestAckTimestamp = ms(t0) })
		j, _ := l.evaluate(fleet.Target{}, &fleet.TargetStatus{}, js, o, now)
		// window = max(3 × 10s, floor 1m) = 1m
		want := after <= time.Minute
		if j.CheckpointsProgressing != want {
			t.Errorf("%s after the last checkpoint: progressing=%v, want %v", after, j.CheckpointsProgressing, want)
		}
	}
}

// testPolicy is the policy the daemon builds from cfg.
func testPolicy(t testing.TB, cfg *config.Config) Policy {
	t.Helper()
	c, err := classify.New(cfg.Classify)
	if err != nil {
		t.Fatal(err)
	}
	return classify.NewPolicy(c, nil)
}
