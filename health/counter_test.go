package health

import "testing"

func TestCounterSurvivesResets(t *testing.T) {
	type obs struct {
		raw  float64
		inc  string
		want float64
	}
	tests := []struct {
		name string
		seq  []obs
	}{
		{"first sight starts at flink's value", []obs{{5, "a", 5}}},
		{"steady growth", []obs{{5, "a", 5}, {7, "a", 7}, {7, "a", 7}}},
		{"jobmanager failover resets to zero", []obs{{5, "a@1", 5}, {6, "a@1", 6}, {0, "a@2", 6}, {2, "a@2", 8}}},
		{"new incarnation already above old value is not mistaken for growth", []obs{{5, "a@1", 5}, {9, "a@2", 14}}},
		{"value going down without new id is a reset", []obs{{5, "a", 5}, {1, "a", 6}}},
		{"resubmission gets a new id", []obs{{3, "a", 3}, {1, "b", 4}, {4, "b", 7}}},
		{"two resets in a row", []obs{{3, "a", 3}, {1, "b", 4}, {0, "c", 4}, {2, "c", 6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Counter
			prev := 0.0
			for i, o := range tt.seq {
				got := c.Observe(o.raw, o.inc)
				if got != o.want {
					t.Fatalf("step %d: observe(%v, %q) = %v, want %v", i, o.raw, o.inc, got, o.want)
				}
				if got < prev {
					t.Fatalf("step %d: counter went down from %v to %v", i, prev, got)
				}
				prev = got
			}
		})
	}
}
