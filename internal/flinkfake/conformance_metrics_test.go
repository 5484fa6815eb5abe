package flinkfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The metric endpoints' responses are "any" in the snapshots (the handlers
// build them by hand), so TestConformance cannot check their fields. These
// tests check what the snapshots do say — that each endpoint exists on the
// version and takes exactly the query parameters the fake reads — and the
// shapes the handlers write: AggregatedMetric (id, then min, max, avg, sum,
// skew as numbers) and Metric (id and a string value).

// fakeQueries are the query parameters the fake reads, per URL it serves.
func fakeQueries(v Version) map[string][]string {
	q := map[string][]string{
		"/overview": {}, "/config": {}, "/jobs": {}, "/jobs/overview": {}, "/jobs/:jobid": {},
		"/jobs/:jobid/checkpoints": {}, "/jobs/:jobid/checkpoints/config": {},
		"/jobs/:jobid/exceptions":                          {"maxExceptions"},
		"/jobs/:jobid/metrics":                             {"get"},
		"/jobs/:jobid/vertices/:vertexid/subtasks/metrics": {"get", "agg", "subtasks"},
		"/jobs/:jobid/vertices/:vertexid/watermarks":       {},
		"/taskmanagers":                                    {},
		"/taskmanagers/metrics":                            {"get", "agg", "taskmanagers"},
		"/taskmanagers/:taskmanagerid/metrics":             {"get"},
	}
	if v.hasJobStatus() {
		q["/jobs/:jobid/status"] = []string{}
	}
	if v.hasFailureLabels() {
		q["/jobs/:jobid/exceptions"] = []string{"maxExceptions", "failureLabelFilter"}
	}
	return q
}

const queriesFile = "testdata/snapshot-queries.json"

func TestConformanceQueries(t *testing.T) {
	if *update {
		writeQueriesGolden(t)
	}
	raw, err := os.ReadFile(queriesFile)
	if err != nil {
		t.Fatalf("read %s (regenerate with -update): %v", queriesFile, err)
	}
	var golden map[Version]map[string][]string
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatalf("decode %s: %v", queriesFile, err)
	}
	for _, v := range Versions() {
		for url, want := range fakeQueries(v) {
			got, ok := golden[v][url]
			switch {
			case !ok:
				t.Errorf("%s: the fake serves %s, the snapshot has no such GET", v, url)
			case !slices.Equal(sorted(got), sorted(want)):
				t.Errorf("%s %s: the snapshot takes query parameters %v, the fake reads %v", v, url, got, want)
			}
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// writeQueriesGolden extracts every GET's query parameters from the
// snapshots.
func writeQueriesGolden(t *testing.T) {
	out := map[Version]map[string][]string{}
	for _, v := range Versions() {
		raw, err := os.ReadFile(filepath.Join(*snapshots, string(v), "rest_api_v1.snapshot"))
		if err != nil {
			t.Fatalf("read snapshot: %v", err)
		}
		var snap struct {
			Calls []struct {
				URL     string `json:"url"`
				Method  string `json:"method"`
				Queries struct {
					Params []struct {
						Key string `json:"key"`
					} `json:"queryParameters"`
				} `json:"query-parameters"`
			} `json:"calls"`
		}
		if err := json.Unmarshal(raw, &snap); err != nil {
			t.Fatalf("decode %s snapshot: %v", v, err)
		}
		out[v] = map[string][]string{}
		for _, c := range snap.Calls {
			if c.Method != "GET" || fakeQueries(v)[c.URL] == nil {
				continue
			}
			keys := []string{}
			for _, p := range c.Queries.Params {
				keys = append(keys, p.Key)
			}
			out[v][c.URL] = keys
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(queriesFile, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMetricEndpointShapes fetches every metric endpoint of every version
// in the detail scenarios and checks the handlers' shapes.
func TestMetricEndpointShapes(t *testing.T) {
	for _, v := range Versions() {
		t.Run(string(v), func(t *testing.T) {
			for _, sc := range []Scenario{Healthy, Backpressure, BoundedSource, MetricsPending, NoWatermark, MemoryPressure, RestartLoop} {
				clk := NewClock(t0)
				jm := New(Options{Version: v, Now: clk.Now, Cluster: "c", Jobs: []JobSpec{{Name: "j", Scenario: sc}}})
				clk.Advance(5 * time.Second)
				id, _ := jm.JobID("j")
				j := jm.byID(id)
				for _, vx := range j.vertices {
					base := "/jobs/" + id + "/vertices/" + vx.id
					ids := listIDs(t, jm, base+"/subtasks/metrics")
					checkAggregated(t, jm, base+"/subtasks/metrics?get="+strings.Join(ids, ","), ids)
					checkMetricValues(t, jm, base+"/watermarks", ".currentInputWatermark")
				}
				ids := listIDs(t, jm, "/taskmanagers/metrics")
				checkAggregated(t, jm, "/taskmanagers/metrics?get="+strings.Join(ids, ","), ids)
				checkMetricValues(t, jm, "/taskmanagers/c-taskmanager-1-1/metrics?get="+strings.Join(ids, ","), "")
				if len(ids) == 0 {
					t.Errorf("%s: no TaskManager metrics listed", sc)
				}
			}
		})
	}
}

func listIDs(t *testing.T, jm *JobManager, path string) []string {
	t.Helper()
	var ms []map[string]any
	if code := get(t, jm, path, &ms); code != 200 {
		t.Fatalf("GET %s = %d", path, code)
	}
	var ids []string
	for _, m := range ms {
		id, ok := m["id"].(string)
		if !ok || len(m) != 1 {
			t.Errorf("GET %s: listing item %v, want {\"id\": string}", path, m)
		}
		ids = append(ids, id)
	}
	return ids
}

func checkAggregated(t *testing.T, jm *JobManager, path string, want []string) {
	t.Helper()
	var ms []map[string]any
	if code := get(t, jm, path, &ms); code != 200 {
		t.Fatalf("GET %s = %d", path, code)
	}
	if len(want) == 0 {
		return
	}
	if len(ms) != len(want) {
		t.Fatalf("GET %s: %d metrics, want the %d listed", path, len(ms), len(want))
	}
	for i, m := range ms {
		if m["id"] != want[i] {
			t.Errorf("GET %s: item %d is %v, want %s (the order asked)", path, i, m["id"], want[i])
		}
		for k, val := range m {
			switch k {
			case "id":
			case "min", "max", "avg", "sum", "skew":
				if _, ok := val.(float64); !ok {
					t.Errorf("GET %s: %s.%s = %v, want a number", path, want[i], k, val)
				}
			default:
				t.Errorf("GET %s: %s has %s, not a field of AggregatedMetric", path, want[i], k)
			}
		}
	}
}

func checkMetricValues(t *testing.T, jm *JobManager, path, suffix string) {
	t.Helper()
	var ms []map[string]any
	if code := get(t, jm, path, &ms); code != 200 {
		t.Fatalf("GET %s = %d", path, code)
	}
	for i, m := range ms {
		id, _ := m["id"].(string)
		val, ok := m["value"].(string)
		if len(m) != 2 || !ok || !strings.HasSuffix(id, suffix) {
			t.Errorf("GET %s: item %v, want {\"id\": \"…%s\", \"value\": string}", path, m, suffix)
		}
		if suffix != "" && id != fmt.Sprintf("%d%s", i, suffix) {
			t.Errorf("GET %s: item %d is %s, want subtask order", path, i, id)
		}
		if _, err := json.Number(val).Float64(); err != nil && val != "NaN" {
			t.Errorf("GET %s: %s = %q, not a number", path, id, val)
		}
	}
}
