package health

import (
	"slices"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

// history is a checkpoint history, newest first, of completed checkpoints
// that took these durations (seconds) of a 10m timeout.
func history(secs ...int64) []flink.CheckpointStats {
	var out []flink.CheckpointStats
	for i, s := range secs {
		out = append(out, flink.CheckpointStats{ID: int64(100 - i), Status: "COMPLETED", EndToEndDuration: s * 1000})
	}
	return out
}

func TestCheckpointCost(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	o := observation(now, func(o *Observation) {
		l := o.Checkpoints.Latest.Completed
		l.EndToEndDuration, l.StateSize, l.CheckpointedSize = 540_000, 8<<30, 64<<20
	})
	j := Evaluate(testConfig(t, "targets: []\n"), fleet.Target{}, &Memory{}, o, nil, now)
	want := fleet.CheckpointCost{Known: true, Duration: 9 * time.Minute, Size: 8 << 30, IncrementalSize: 64 << 20, Timeout: 10 * time.Minute, TimeoutRatio: 0.9}
	if j.CheckpointCost != want {
		t.Errorf("cost %+v, want %+v", j.CheckpointCost, want)
	}
	o.Checkpoints.Latest.Completed = nil
	if j := Evaluate(testConfig(t, "targets: []\n"), fleet.Target{}, &Memory{}, o, nil, now); j.CheckpointCost.Known {
		t.Errorf("no checkpoint completed yet, but a cost: %+v", j.CheckpointCost)
	}
}

func TestCheckpointHeadroom(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name    string
		history []flink.CheckpointStats
		yaml    string
		want    bool
	}{
		{"the last three took 90% of the timeout", history(540, 541, 539, 100), "", true},
		{"one of the last three had headroom", history(540, 200, 539, 560), "", false},
		{"only two checkpoints so far", history(540, 560), "", false},
		{"exactly 80% is still headroom", history(480, 480, 480), "", false},
		{"in-progress, failed checkpoints and savepoints are skipped", append([]flink.CheckpointStats{
			{Status: "IN_PROGRESS", EndToEndDuration: 1000}, {Status: "FAILED", EndToEndDuration: 1000},
			{Status: "COMPLETED", IsSavepoint: true, EndToEndDuration: 1000},
		}, history(540, 541, 539)...), "", true},
		{"a stricter share and count", history(400, 410, 390, 420, 430), "health: {checkpointHeadroomRatio: 0.6, checkpointHeadroomCheckpoints: 5}\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig(t, "targets: []\n"+tt.yaml)
			o := observation(now, func(o *Observation) { o.Checkpoints.History = tt.history })
			j := Evaluate(c, fleet.Target{}, &Memory{}, o, nil, now)
			if got := slices.Contains(j.Reasons, fleet.ReasonCheckpointHeadroom); got != tt.want {
				t.Errorf("checkpoint_timeout_headroom = %v, want %v (reasons %v)", got, tt.want, j.Reasons)
			}
			// The collector keeps only c.Kept of the statistics for the
			// cycles that do not read them again: they must judge alike.
			o.Checkpoints = c.Kept(*o.Checkpoints)
			kept := Evaluate(c, fleet.Target{}, &Memory{}, o, nil, now)
			if got := slices.Contains(kept.Reasons, fleet.ReasonCheckpointHeadroom); got != tt.want || kept.CheckpointCost != j.CheckpointCost {
				t.Errorf("on the kept statistics: headroom used up %v, cost %+v; want %v, %+v", got, kept.CheckpointCost, tt.want, j.CheckpointCost)
			}
			if n := len(o.Checkpoints.History); n > c.HeadroomCount {
				t.Errorf("kept %d history entries, want at most checkpointHeadroomCheckpoints (%d)", n, c.HeadroomCount)
			}
		})
	}
}
