package flinkfake

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	update    = flag.Bool("update", false, "regenerate testdata/snapshot-fields.json from -snapshots")
	snapshots = flag.String("snapshots", "/work/shared/reference/flink-rest", "folder of <version>/rest_api_v1.snapshot files")
)

// endpoints are the snapshot URLs the fake serves with a JSON schema.
var endpoints = []string{
	"/overview", "/config", "/jobs", "/jobs/overview", "/jobs/:jobid", "/jobs/:jobid/status",
	"/jobs/:jobid/checkpoints", "/jobs/:jobid/checkpoints/config", "/jobs/:jobid/exceptions",
	"/taskmanagers",
}

// fieldSet maps a field path ("exceptionHistory.entries.[].taskName") to
// its kind: obj (has properties), map (additionalProperties), arr, leaf.
type fieldSet map[string]string

const fieldsFile = "testdata/snapshot-fields.json"

// TestConformance checks every key the fake writes against the field list
// of that version's REST API stability snapshot, and that the fake writes
// every field the snapshot lists (across a few scenarios).
func TestConformance(t *testing.T) {
	if *update {
		writeFieldsGolden(t)
	}
	raw, err := os.ReadFile(fieldsFile)
	if err != nil {
		t.Fatalf("read %s (regenerate with -update): %v", fieldsFile, err)
	}
	var golden map[Version]map[string]fieldSet
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatalf("decode %s: %v", fieldsFile, err)
	}
	for _, v := range Versions() {
		t.Run(string(v), func(t *testing.T) {
			seen := map[string]map[string]bool{}
			for _, sc := range []Scenario{Healthy, RestartLoop, CheckpointsFailing, Failed, BoundedSource, MetricsPending} {
				for url, body := range renderAll(t, v, sc, Transient) {
					fs, ok := golden[v][url]
					if !ok {
						t.Errorf("%s: the %s snapshot has no %s but the fake serves it", url, v, url)
						continue
					}
					if seen[url] == nil {
						seen[url] = map[string]bool{}
					}
					bad := checkKeys(fs, "", body, seen[url])
					slices.Sort(bad)
					for _, p := range slices.Compact(bad) {
						t.Errorf("%s %s (%s): %s is not in the snapshot", v, url, sc, p)
					}
				}
			}
			for url, fs := range golden[v] {
				for _, miss := range missing(fs, seen[url]) {
					t.Errorf("%s %s: snapshot field %s never written", v, url, miss)
				}
			}
		})
	}
}

// renderAll fetches every endpoint of a one-job JobManager in scenario sc.
func renderAll(t *testing.T, v Version, sc Scenario, k FailureKind) map[string]any {
	t.Helper()
	clk := NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	jm := New(Options{Version: v, Now: clk.Now, Cluster: "c", Jobs: []JobSpec{{Name: "j", Scenario: sc, Failure: k}}})
	jm.Failover() // so latest.restored is set
	clk.Advance(2 * time.Minute)
	id, _ := jm.JobID("j")
	out := map[string]any{}
	for _, url := range endpoints {
		if url == "/jobs/:jobid/status" && !v.hasJobStatus() {
			continue
		}
		rec := httptest.NewRecorder()
		jm.ServeHTTP(rec, httptest.NewRequest("GET", strings.Replace(url, ":jobid", id, 1), nil))
		var body any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s %s: invalid JSON: %v", v, url, err)
		}
		if rec.Code == 200 {
			out[url] = body
		}
	}
	return out
}

// allowedExtra lists keys Jackson writes that the snapshot's schema does
// not show: the polymorphic type discriminator, and the subtype fields of
// history items (the schema shows the base CheckpointStatistics only).
func allowedExtra(fs fieldSet, path string) bool {
	if strings.HasSuffix(path, ".className") {
		return true
	}
	if rest, ok := strings.CutPrefix(path, "history.[]."); ok {
		return fs["latest.completed."+rest] != "" || fs["latest.failed."+rest] != ""
	}
	return false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// checkKeys walks v and returns the paths the schema does not know,
// recording the ones it does in seen.
func checkKeys(fs fieldSet, path string, v any, seen map[string]bool) []string {
	var bad []string
	switch x := v.(type) {
	case map[string]any:
		kind := fs[path]
		if path == "" {
			kind = "obj"
		}
		for k, child := range x {
			p := join(path, k)
			switch {
			case kind == "map":
				p = join(path, "*")
			case kind == "leaf":
				continue
			case fs[p] == "" && allowedExtra(fs, p):
				continue
			case fs[p] == "":
				bad = append(bad, p)
				continue
			}
			seen[p] = true
			bad = append(bad, checkKeys(fs, p, child, seen)...)
		}
	case []any:
		for _, el := range x {
			seen[join(path, "[]")] = true
			bad = append(bad, checkKeys(fs, join(path, "[]"), el, seen)...)
		}
	}
	return bad
}

// missing lists the snapshot's fields nobody wrote, except the ones only
// a savepoint would show (the fake takes none) and the plan inputs' batch
// strategies, which the JSON plan generator leaves out of streaming plans.
func missing(fs fieldSet, seen map[string]bool) []string {
	var out []string
	for p, kind := range fs {
		switch {
		case seen[p], kind == "", strings.HasPrefix(p, "latest.savepoint."), strings.HasSuffix(p, ".*"),
			strings.HasSuffix(p, "inputs.[].caching"), strings.HasSuffix(p, "inputs.[].local_strategy"):
			continue
		}
		if parent := p[:max(strings.LastIndex(p, "."), 0)]; fs[parent] == "leaf" || fs[parent] == "map" {
			continue
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// writeFieldsGolden extracts the field sets of the served endpoints from
// the snapshots.
func writeFieldsGolden(t *testing.T) {
	out := map[Version]map[string]fieldSet{}
	for _, v := range Versions() {
		raw, err := os.ReadFile(filepath.Join(*snapshots, string(v), "rest_api_v1.snapshot"))
		if err != nil {
			t.Fatalf("read snapshot: %v", err)
		}
		var snap struct {
			Calls []struct {
				URL      string         `json:"url"`
				Method   string         `json:"method"`
				Response map[string]any `json:"response"`
			} `json:"calls"`
		}
		if err := json.Unmarshal(raw, &snap); err != nil {
			t.Fatalf("decode %s snapshot: %v", v, err)
		}
		out[v] = map[string]fieldSet{}
		for _, c := range snap.Calls {
			if c.Method != "GET" || !slices.Contains(endpoints, c.URL) {
				continue
			}
			ids := map[string]map[string]any{}
			collectIDs(c.Response, ids)
			fs := fieldSet{}
			walkSchema(c.Response, "", fs, ids, 0)
			out[v][c.URL] = fs
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fieldsFile, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func collectIDs(n map[string]any, ids map[string]map[string]any) {
	if id, ok := n["id"].(string); ok {
		ids[id] = n
	}
	for _, k := range []string{"properties", "items", "additionalProperties"} {
		switch c := n[k].(type) {
		case map[string]any:
			if k == "properties" {
				for _, p := range c {
					if pm, ok := p.(map[string]any); ok {
						collectIDs(pm, ids)
					}
				}
			} else {
				collectIDs(c, ids)
			}
		}
	}
}

func walkSchema(n map[string]any, path string, fs fieldSet, ids map[string]map[string]any, depth int) {
	if ref, ok := n["$ref"].(string); ok && depth < 12 {
		if target, ok := ids[ref]; ok {
			n = target
		}
	}
	kind := "leaf"
	if props, ok := n["properties"].(map[string]any); ok {
		kind = "obj"
		for k, p := range props {
			if pm, ok := p.(map[string]any); ok {
				walkSchema(pm, join(path, k), fs, ids, depth+1)
			}
		}
	} else if items, ok := n["items"].(map[string]any); ok {
		kind = "arr"
		walkSchema(items, join(path, "[]"), fs, ids, depth+1)
	} else if _, ok := n["additionalProperties"].(map[string]any); ok {
		kind = "map"
	}
	if path != "" {
		fs[path] = kind
	}
}
