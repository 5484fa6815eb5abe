package fleet

import (
	"slices"
	"testing"
)

func TestExplained(t *testing.T) {
	for _, tc := range []struct {
		name    string
		r       Reason
		present []Reason
		want    bool
	}{
		{"lagging alone", ReasonKafkaLagging, []Reason{ReasonKafkaLagging}, false},
		{"lagging while stuck", ReasonKafkaLagging, []Reason{ReasonKafkaLagging, ReasonNoProgress}, true},
		{"lagging while back-pressured", ReasonKafkaLagging, []Reason{ReasonBackpressured, ReasonKafkaLagging}, true},
		{"stalled while back-pressured", ReasonKafkaStalled, []Reason{ReasonKafkaStalled, ReasonBackpressured}, false},
		{"stalled while stuck", ReasonKafkaStalled, []Reason{ReasonKafkaStalled, ReasonNoProgress}, true},
		{"headroom while checkpoints stalled", ReasonCheckpointHeadroom, []Reason{ReasonCheckpointsStalled, ReasonCheckpointHeadroom}, true},
		{"stuck explains nothing of itself", ReasonNoProgress, []Reason{ReasonNoProgress, ReasonKafkaLagging}, false},
		{"no reasons", ReasonKafkaLagging, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Explained(tc.r, tc.present); got != tc.want {
				t.Errorf("Explained(%s, %v) = %v, want %v", tc.r, tc.present, got, tc.want)
			}
		})
	}
}

// The table names only known reasons, none explains itself, and nothing
// explained explains another: yielding is one step, so a job with both
// never has every alert yield to another.
func TestExplainedByTable(t *testing.T) {
	for r, by := range explainedBy {
		if !r.Known() {
			t.Errorf("explained reason %q is not a Reason", r)
		}
		for _, e := range by {
			if !e.Known() {
				t.Errorf("%s: explaining reason %q is not a Reason", r, e)
			}
			if e == r {
				t.Errorf("%s explains itself", r)
			}
			if len(explainedBy[e]) > 0 {
				t.Errorf("%s is explained by %s, which is explained in turn by %v", r, e, explainedBy[e])
			}
		}
	}
	got := ExplainedBy(ReasonKafkaLagging)
	got[0] = ReasonJobMissing
	if slices.Contains(ExplainedBy(ReasonKafkaLagging), ReasonJobMissing) {
		t.Error("ExplainedBy hands out the table's own slice")
	}
}
