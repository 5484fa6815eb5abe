package flinkfake

import (
	"strings"
	"testing"
)

// TestVersionDifferences checks the field differences between versions
// that a client has to cope with, one row per version.
func TestVersionDifferences(t *testing.T) {
	tests := []struct {
		v                                          Version
		legacy, location, endpoint, tmID, labels   bool
		fullRestarts, lastCompletedTS, statusRoute bool
		rpc                                        string
	}{
		{v: V1_15, legacy: true, location: true, fullRestarts: true, rpc: "akka.actor.ActorCell"},
		{v: V1_16, legacy: true, location: true, fullRestarts: true, statusRoute: true, rpc: "akka.actor.ActorCell"},
		{v: V1_17, legacy: true, location: true, tmID: true, fullRestarts: true, statusRoute: true, rpc: "akka.actor.ActorCell"},
		{v: V1_18, legacy: true, location: true, tmID: true, labels: true, fullRestarts: true, statusRoute: true, rpc: "org.apache.pekko.actor.ActorCell"},
		{v: V1_19, legacy: true, location: true, endpoint: true, tmID: true, labels: true, fullRestarts: true, statusRoute: true, rpc: "org.apache.pekko"},
		{v: V1_20, legacy: true, location: true, endpoint: true, tmID: true, labels: true, fullRestarts: true, statusRoute: true, rpc: "org.apache.pekko"},
		{v: V2_0, endpoint: true, tmID: true, labels: true, lastCompletedTS: true, statusRoute: true, rpc: "org.apache.pekko"},
		{v: V2_3, endpoint: true, tmID: true, labels: true, lastCompletedTS: true, statusRoute: true, rpc: "org.apache.pekko"},
	}
	for _, tc := range tests {
		t.Run(string(tc.v), func(t *testing.T) {
			f := newFixture(t, Options{Version: tc.v, FailureLabels: true, Jobs: []JobSpec{{Name: "orders", Scenario: Failed, Failure: Transient}}})
			var ex exceptionsJSON
			get(t, f.jm, "/jobs/"+f.id+"/exceptions", &ex)
			e := ex.History.Entries[0]
			for name, c := range map[string]struct {
				got, want bool
			}{
				"root-exception": {ex.RootException != nil, tc.legacy},
				"location":       {e.Location != nil, tc.location},
				"endpoint":       {e.Endpoint != nil, tc.endpoint},
				"taskManagerId":  {e.TaskManagerID != nil, tc.tmID},
				"failureLabels":  {e.FailureLabels != nil, tc.labels},
			} {
				if c.got != c.want {
					t.Errorf("%s present = %v, want %v", name, c.got, c.want)
				}
			}
			if tc.labels && e.FailureLabels["TYPE"] != "SYSTEM" {
				t.Errorf("failureLabels %v, want TYPE=SYSTEM for a heartbeat timeout", e.FailureLabels)
			}
			if !strings.Contains(e.Stacktrace, tc.rpc) {
				t.Errorf("trace lacks %s frames", tc.rpc)
			}
			if len(e.Concurrent) != 1 || e.Concurrent[0].TaskName == nil {
				t.Errorf("concurrent exceptions %+v: a lost TaskManager fails two subtasks", e.Concurrent)
			}
			m := metrics(t, f.jm, f.id, "numRestarts,fullRestarts,lastCheckpointCompletedTimestamp")
			if _, ok := m["fullRestarts"]; ok != tc.fullRestarts {
				t.Errorf("fullRestarts present = %v, want %v", ok, tc.fullRestarts)
			}
			if _, ok := m["lastCheckpointCompletedTimestamp"]; ok != tc.lastCompletedTS {
				t.Errorf("lastCheckpointCompletedTimestamp present = %v, want %v", ok, tc.lastCompletedTS)
			}
			wantCode := 404
			if tc.statusRoute {
				wantCode = 200
			}
			if code := get(t, f.jm, "/jobs/"+f.id+"/status", nil); code != wantCode {
				t.Errorf("GET /jobs/:jobid/status = %d, want %d", code, wantCode)
			}
		})
	}
}

func TestOnlyFullRestartsOnAffectedVersions(t *testing.T) {
	for _, tc := range []struct {
		v    Version
		want bool // numRestarts present
	}{{V1_15, false}, {V1_16, false}, {V1_17, true}} {
		f := newFixture(t, Options{Version: tc.v, OnlyFullRestarts: true})
		m := metrics(t, f.jm, f.id, "numRestarts,fullRestarts")
		if _, ok := m["numRestarts"]; ok != tc.want || m["fullRestarts"] != 0 {
			t.Errorf("%s: metrics %v, numRestarts present want %v (FLINK-30558 fixed in 1.17)", tc.v, m, tc.want)
		}
	}
}

func TestPlanShape(t *testing.T) {
	for _, tc := range []struct {
		v        Version
		isString bool
	}{{V1_17, true}, {V1_18, false}, {V2_1, false}} {
		f := newFixture(t, Options{Version: tc.v})
		var d map[string]any
		get(t, f.jm, "/jobs/"+f.id, &d)
		if _, ok := d["plan"].(string); ok != tc.isString {
			t.Errorf("%s: plan is %T, want string %v", tc.v, d["plan"], tc.isString)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{"1.19": V1_19, "1.19.2": V1_19, "v2.0.0": V2_0} {
		if got, err := ParseVersion(in); err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"1.14", "3.0", "x", ""} {
		if _, err := ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q): want an error", in)
		}
	}
}
