package health

import (
	"testing"
	"time"
)

func TestRestartsInWindow(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	window := 10 * time.Minute
	tests := []struct {
		name    string
		samples []float64 // one per minute
		want    int
	}{
		{"no restarts", []float64{0, 0, 0, 0}, 0},
		{"growth before a full window counts from the first sample", []float64{3, 4, 6}, 3},
		{"old restarts fall out of the window", []float64{0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6}, 1},
		{"restarts exactly one window apart", []float64{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2}, 1},
		{"a restart in the middle of a long steady run", []float64{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Memory
			for i, v := range tt.samples {
				m.addSample(t0.Add(time.Duration(i)*time.Minute), v, window)
			}
			if got := m.restartsInWindow(); got != tt.want {
				t.Errorf("restartsInWindow() = %d, want %d (samples kept: %v)", got, tt.want, m.samples)
			}
			if len(m.samples) > int(window/time.Minute)+2 {
				t.Errorf("kept %d samples for a %s window: history grows without bound", len(m.samples), window)
			}
		})
	}
}

// A job that does not restart must not keep a sample per cycle: with a
// 1h window at 15s that was 240 samples for each job of the fleet.
func TestRestartSamplesOnlyOnChange(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var m Memory
	for i := range 240 {
		m.addSample(t0.Add(time.Duration(i)*15*time.Second), 7, time.Hour)
	}
	if len(m.samples) != 1 {
		t.Errorf("kept %d samples of an unchanged total, want 1", len(m.samples))
	}
	m.addSample(t0.Add(time.Hour), 8, time.Hour)
	if got := m.restartsInWindow(); got != 1 {
		t.Errorf("restartsInWindow() = %d after one restart, want 1", got)
	}
}
