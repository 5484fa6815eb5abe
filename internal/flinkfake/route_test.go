package flinkfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRouting(t *testing.T) {
	f := newFixture(t, Options{Version: V1_15, FailureLabels: true, Jobs: []JobSpec{{Name: "orders", Scenario: RestartLoop}}})
	tests := []struct {
		name, method, path string
		code               int
		errPrefix          string
	}{
		{"v1 prefix", "GET", "/v1/overview", 200, ""},
		{"v1 job", "GET", "/v1/jobs/" + f.id + "/checkpoints", 200, ""},
		{"unknown path", "GET", "/x", 404, "Not found: /x"},
		{"unknown job endpoint", "GET", "/jobs/" + f.id + "/nope", 404, "Not found: /jobs/" + f.id + "/nope"},
		{"status absent in 1.15", "GET", "/jobs/" + f.id + "/status", 404, "Not found: /jobs/"},
		{"bad job id", "GET", "/jobs/xyz", 400, "Bad request, could not parse parameters: Cannot resolve path parameter (jobid)"},
		{"unknown job", "GET", "/jobs/00000000000000000000000000000000", 404, "org.apache.flink.runtime.rest.NotFoundException: Job 00000000000000000000000000000000 not found"},
		{"bad maxExceptions", "GET", "/jobs/" + f.id + "/exceptions?maxExceptions=many", 400, "Bad request, could not parse parameters: Cannot resolve query parameter (maxExceptions)"},
		{"POST", "POST", "/overview", 404, "Not found: /overview"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			f.jm.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.code {
				t.Fatalf("%s %s = %d, want %d: %s", tc.method, tc.path, rec.Code, tc.code, truncate(rec.Body.String()))
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if tc.errPrefix == "" {
				return
			}
			var e errorsJSON
			do(t, f.jm, tc.method, tc.path, &e)
			if len(e.Errors) == 0 || !strings.HasPrefix(e.Errors[0], tc.errPrefix) {
				t.Errorf("errors %q, want one starting %q", e.Errors, tc.errPrefix)
			}
		})
	}
}

func TestMaxExceptionsAndLabelFilter(t *testing.T) {
	f := newFixture(t, Options{Version: V1_18, FailureLabels: true, Jobs: []JobSpec{{Name: "orders", Scenario: RestartLoop, Failure: UserConfig}}})
	tests := []struct {
		query     string
		entries   int
		truncated bool
	}{
		{"", 16, false},
		{"?maxExceptions=3", 3, true},
		{"?maxExceptions=0", 0, true},
		{"?maxExceptions=100", 16, false},
		{"?failureLabelFilter=TYPE:USER", 16, false},
		{"?failureLabelFilter=TYPE:SYSTEM", 0, false},
		{"?failureLabelFilter=TYPE:USER,team:x", 0, false},
	}
	for _, tc := range tests {
		var ex exceptionsJSON
		get(t, f.jm, "/jobs/"+f.id+"/exceptions"+tc.query, &ex)
		if len(ex.History.Entries) != tc.entries || ex.History.Truncated != tc.truncated {
			t.Errorf("%q: %d entries truncated=%v, want %d truncated=%v", tc.query, len(ex.History.Entries), ex.History.Truncated, tc.entries, tc.truncated)
		}
	}
}

func TestJobStatesAndIDsEndpoint(t *testing.T) {
	f := newFixture(t, Options{Jobs: []JobSpec{{Name: "a"}, {Name: "b", Scenario: Failed}}})
	var ids struct {
		Jobs []struct{ ID, Status string }
	}
	get(t, f.jm, "/jobs", &ids)
	got := map[string]bool{}
	for _, j := range ids.Jobs {
		got[j.Status] = true
		if !isJobID(j.ID) {
			t.Errorf("id %q is not a 32-hex JobID", j.ID)
		}
	}
	if !got["RUNNING"] || !got["FAILED"] || len(ids.Jobs) != 2 {
		t.Errorf("/jobs = %+v, want a RUNNING and a FAILED job under id/status", ids.Jobs)
	}
	var d struct {
		Timestamps map[string]int64 `json:"timestamps"`
		Vertices   []struct {
			Tasks map[string]int `json:"tasks"`
		} `json:"vertices"`
	}
	get(t, f.jm, "/jobs/"+f.id, &d)
	if len(d.Timestamps) != 11 || d.Timestamps["RUNNING"] == 0 || d.Timestamps["FAILED"] != 0 {
		t.Errorf("timestamps %v: want all 11 states, RUNNING set and FAILED 0", d.Timestamps)
	}
	if len(d.Vertices) != 3 || d.Vertices[0].Tasks["RUNNING"] != 4 {
		t.Errorf("vertices %+v: want 3 with upper-case task maps", d.Vertices)
	}
	rec := httptest.NewRecorder()
	f.jm.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/config", nil))
	if !strings.Contains(rec.Body.String(), `"flink-version":"1.20.1"`) {
		t.Errorf("/config %s: want the 1.20 release", rec.Body.String())
	}
}
