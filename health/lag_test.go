package health

import (
	"slices"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

func TestLag(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := testConfig(t, "targets: []\nhealth: {kafkaLagUnhealthyAfter: 10m}\n")
	behind := fleet.GroupLag{Known: true, Records: 500, Seconds: 90, SecondsKnown: true, Status: "lagging", StatusSince: now.Add(-11 * time.Minute)}
	fresh := fleet.GroupLag{Known: true, Records: 20, Seconds: 3, SecondsKnown: true, Status: "ok", StatusSince: now.Add(-time.Hour)}
	tests := []struct {
		name    string
		lag     []fleet.GroupLag
		has     bool
		records float64
		seconds float64
		reasons []fleet.Reason
	}{
		{"no groups", nil, false, 0, 0, nil},
		{"records summed, seconds maxed", []fleet.GroupLag{behind, fresh}, true, 520, 90, []fleet.Reason{fleet.ReasonKafkaLagging}},
		{"a group not measured makes the job's lag unknown", []fleet.GroupLag{fresh, {}}, false, 0, 0, nil},
		{"lagging for less than the threshold is not unhealthy", []fleet.GroupLag{{Known: true, Status: "lagging", StatusSince: now.Add(-time.Minute)}}, true, 0, 0, nil},
		{"stalled long enough", []fleet.GroupLag{{Known: true, Records: 7, Status: "stalled", StatusSince: now.Add(-time.Hour)}}, true, 7, 0, []fleet.Reason{fleet.ReasonKafkaStalled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := Evaluate(c, fleet.Target{}, &Memory{}, observation(now), tt.lag, now)
			if j.HasKafkaLag != tt.has || j.KafkaLagRecords != tt.records || j.KafkaLagSeconds != tt.seconds {
				t.Errorf("lag: got has=%v %v records %vs, want has=%v %v records %vs", j.HasKafkaLag, j.KafkaLagRecords, j.KafkaLagSeconds, tt.has, tt.records, tt.seconds)
			}
			if !slices.Equal(j.Reasons, tt.reasons) {
				t.Errorf("reasons %v, want %v", j.Reasons, tt.reasons)
			}
		})
	}
}
