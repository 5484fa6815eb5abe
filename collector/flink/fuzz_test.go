package flink

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

var updateSeeds = flag.Bool("update", false, "rewrite the fuzz seed corpus in testdata/fuzz from flinkfake")

// The fuzz targets take the decoders the client uses on raw bodies. Their
// seed corpus (testdata/fuzz/<target>/) is every version's fake output;
// TestFuzzSeeds -update regenerates it. The checkpoint seeds are several
// KB: run with -fuzzminimizetime=1s, or the fuzzer spends its time
// minimising each new input (execs then seem to stall).

func FuzzDecodeExceptions(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := decodeExceptions(data)
		if err != nil {
			return
		}
		for _, e := range ex.Entries {
			_ = e.Where()
		}
	})
}

func FuzzDecodeCheckpoints(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		cp, err := decodeCheckpoints(data)
		if err != nil {
			return
		}
		if c := cp.Latest.Completed; c != nil {
			_ = c.LatestAckTimestamp.Time()
		}
	})
}

// FuzzCheckpointsFastPath holds the hand-written checkpoints decoder to
// encoding/json: whenever it accepts a body, encoding/json accepts it too
// and decodes the same value.
func FuzzCheckpointsFastPath(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeCheckpointsFast(data)
		if !ok {
			return
		}
		var want Checkpoints
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("fast path accepted what encoding/json refuses (%v): %q", err, data)
		}
		if diff := cmp.Diff(want, fast); diff != "" {
			t.Fatalf("fast path differs from encoding/json (-want +got):\n%s\ninput %q", diff, data)
		}
	})
}

// FuzzMetricsFastPath holds the hand-written job metrics decoder to the
// encoding/json one.
func FuzzMetricsFastPath(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeMetricsFast(data)
		if !ok {
			return
		}
		want, err := decodeMetricsJSON(data)
		if err != nil {
			t.Fatalf("fast path accepted what encoding/json refuses (%v): %q", err, data)
		}
		if diff := cmp.Diff(want, fast); diff != "" {
			t.Fatalf("fast path differs from encoding/json (-want +got):\n%s\ninput %q", diff, data)
		}
	})
}

// FuzzJobDetailsFastPath holds the hand-written job details decoder to
// encoding/json, from the job details of every version.
func FuzzJobDetailsFastPath(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzDecodeJobDetails/seed-*")
	for _, p := range seeds {
		f.Add(readSeed(f, p))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeJobDetailsFast(data)
		if !ok {
			return
		}
		want, err := jobDetailsEncodingJSON(data)
		if err != nil {
			t.Fatalf("fast path accepted what encoding/json refuses (%v): %q", err, data)
		}
		if diff := cmp.Diff(want, fast); diff != "" {
			t.Fatalf("fast path differs from encoding/json (-want +got):\n%s\ninput %q", diff, data)
		}
	})
}

// FuzzJobsOverviewFastPath holds the hand-written jobs overview decoder
// to encoding/json.
func FuzzJobsOverviewFastPath(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeJobsOverviewFast(data)
		if !ok {
			return
		}
		var want JobsOverview
		if err := decodeJSON(data, '{', &want); err != nil {
			t.Fatalf("fast path accepted what encoding/json refuses (%v): %q", err, data)
		}
		if diff := cmp.Diff(want, fast); diff != "" {
			t.Fatalf("fast path differs from encoding/json (-want +got):\n%s\ninput %q", diff, data)
		}
	})
}

func FuzzDecodeJobsOverview(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var v JobsOverview
		if decodeJSON(data, '{', &v) != nil {
			return
		}
		for _, j := range v.Jobs {
			_ = j.State.Known()
			_ = j.StartTime.Time()
		}
	})
}

// FuzzDecodeJobDetails: whatever the plan, the graph's edges agree both
// ways and name only listed vertices.
func FuzzDecodeJobDetails(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var v JobDetails
		if decodeJSON(data, '{', &v) != nil {
			return
		}
		g := v.Graph()
		listed := map[string]bool{}
		for _, id := range g.Vertices() {
			listed[id] = true
		}
		for _, id := range g.Vertices() {
			for _, out := range g.Outputs(id) {
				if !listed[out] || !slices.Contains(g.Inputs(out), id) {
					t.Fatalf("edge %s→%s is not an input of %s, or names an unlisted vertex", id, out, out)
				}
			}
		}
		_ = g.Sources()
		_ = g.Sinks()
	})
}

// FuzzDecodeAggregated: only finite numbers are Valid.
func FuzzDecodeAggregated(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeAggregated(data)
		if err != nil {
			return
		}
		for id, a := range m {
			for _, v := range []Number{a.Min, a.Max, a.Avg, a.Sum, a.Skew} {
				if v.Valid && (math.IsNaN(v.Value) || math.IsInf(v.Value, 0)) || !v.Valid && v.Value != 0 {
					t.Fatalf("metric %q: %+v", id, v)
				}
			}
		}
	})
}

// FuzzDecodeWatermarks: a known minimum is known everywhere and the
// lowest; subtasks come sorted and once.
func FuzzDecodeWatermarks(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		ws, err := decodeWatermarks(data)
		if err != nil {
			return
		}
		low, ok := ws.Min(0)
		for i, w := range ws {
			if i > 0 && ws[i-1].Subtask >= w.Subtask {
				t.Fatalf("subtasks out of order or repeated: %v", ws)
			}
			if ok && (!w.Watermark.Known() || w.Watermark < low) {
				t.Fatalf("min %d, known %v, but subtask %+v", low, ok, w)
			}
		}
	})
}

// FuzzDecodeMetricNames: sorted, distinct, non-empty ids.
func FuzzDecodeMetricNames(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		names, err := decodeMetricNames(data)
		if err != nil {
			return
		}
		for i, n := range names {
			if n == "" || i > 0 && names[i-1] >= n {
				t.Fatalf("names %q: want sorted, distinct, non-empty", names)
			}
		}
		_ = FindGCMetrics(names)
	})
}

func FuzzDecodeTaskManagers(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var v struct {
			TaskManagers []TaskManager `json:"taskmanagers"`
		}
		if decodeJSON(data, '{', &v) == nil {
			for _, tm := range v.TaskManagers {
				_ = tm.LastHeartbeat.Time()
			}
		}
	})
}

// FuzzDecodeMetrics: whatever the values, only finite numbers come out.
func FuzzDecodeMetrics(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeMetrics(data)
		if err != nil {
			return
		}
		for id, v := range m {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("metric %q = %v: want only finite values", id, v)
			}
		}
	})
}

// FuzzStatusError: an error body of any shape gives at most five short
// messages of valid text.
func FuzzStatusError(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var se *StatusError
		if !errors.As(statusError(404, bytes.NewReader(data)), &se) {
			t.Fatal("not a StatusError")
		}
		if len(se.Messages) > maxErrorMessages {
			t.Fatalf("%d messages", len(se.Messages))
		}
		for _, m := range se.Messages {
			if len(m) > maxMessageLen+len("…") || strings.Contains(m, "\n") {
				t.Fatalf("message %q: want one line of at most %d bytes", m, maxMessageLen)
			}
			if utf8.Valid(data) && !utf8.ValidString(m) {
				t.Fatalf("message %q: truncation split a character", m)
			}
		}
	})
}

// TestFuzzSeeds writes the seed corpus with -update and otherwise checks
// it is there: every fuzz target starts from every version's real shapes.
func TestFuzzSeeds(t *testing.T) {
	targets := []string{"FuzzDecodeExceptions", "FuzzDecodeCheckpoints", "FuzzCheckpointsFastPath", "FuzzDecodeJobsOverview", "FuzzDecodeJobDetails", "FuzzDecodeMetrics", "FuzzStatusError",
		"FuzzDecodeAggregated", "FuzzDecodeWatermarks", "FuzzDecodeMetricNames", "FuzzDecodeTaskManagers",
		"FuzzMetricsFastPath", "FuzzJobsOverviewFastPath"}
	if !*updateSeeds {
		for _, target := range targets {
			files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
			if len(files) < len(flinkfake.Versions()) {
				t.Errorf("%s has %d seeds, want one per version at least (go test -run TestFuzzSeeds -update)", target, len(files))
			}
		}
		return
	}
	for _, v := range flinkfake.Versions() {
		jm := flinkfake.New(flinkfake.Options{Version: v, Now: flinkfake.NewClock(t0).Now, Cluster: "orders", FailureLabels: true, Jobs: []flinkfake.JobSpec{
			{Name: "loop", Scenario: flinkfake.RestartLoop, Failure: flinkfake.UserConfig},
			{Name: "failing", Scenario: flinkfake.CheckpointsFailing},
			{Name: "nocp", Scenario: flinkfake.CheckpointingDisabled},
		}})
		loop, _ := jm.JobID("loop")
		failing, _ := jm.JobID("failing")
		nocp, _ := jm.JobID("nocp")
		writeDetailSeeds(t, v)
		for target, path := range map[string]string{
			"FuzzDecodeExceptions":     "/jobs/" + loop + "/exceptions?maxExceptions=2",
			"FuzzDecodeCheckpoints":    "/jobs/" + failing + "/checkpoints",
			"FuzzCheckpointsFastPath":  "/jobs/" + failing + "/checkpoints",
			"FuzzDecodeJobsOverview":   "/jobs/overview",
			"FuzzDecodeJobDetails":     "/jobs/" + loop,
			"FuzzDecodeMetrics":        "/jobs/" + loop + "/metrics?get=numRestarts,fullRestarts,uptime,lastCheckpointExternalPath,lastCheckpointCompletedTimestamp",
			"FuzzMetricsFastPath":      "/jobs/" + failing + "/metrics?get=numRestarts,fullRestarts,uptime,numberOfCompletedCheckpoints,numberOfFailedCheckpoints,lastCheckpointCompletedTimestamp,lastCheckpointDuration,lastCheckpointExternalPath",
			"FuzzJobsOverviewFastPath": "/jobs/overview",
			"FuzzStatusError":          "/jobs/" + nocp + "/checkpoints",
		} {
			writeSeed(t, target, string(v), get(jm, path))
		}
	}
	for name, body := range map[string]string{
		"odd-values": `[{"id":"a","value":"NaN"},{"id":"b","value":3},{"id":"c","value":"\u0031e3"},{"id":"d","value":null},{"id":"e","value":"Infinity"},{"id":"f","value":" 2 "},null,{"id":"b","value":"x"}]`,
		"duplicate":  `[{"id":"a","id":"b","value":"1"}]`,
		"case":       `[{"ID":"a","Value":"1"}]`,
		"null":       `null`,
		"empty":      `[]`,
	} {
		writeSeed(t, "FuzzMetricsFastPath", name, []byte(body))
	}
	for name, body := range map[string]string{
		"nulls":      `{"jobs":[{"jid":null,"name":"a","state":null,"tasks":null,"start-time":null}]}`,
		"null-job":   `{"jobs":[null]}`,
		"empty":      `{"jobs":[]}`,
		"unknown":    `{"jobs":[{"jid":"x","state":"NEW_STATE","pending-operators":0,"tasks":{"total":1,"x":2,"total":3}}]}`,
		"escapes":    `{"jobs":[{"jid":"a\u0062","name":"caf\u00e9","state":"RUN\u004eING"}]}`,
		"float":      `{"jobs":[{"duration":1.5}]}`,
		"case":       `{"Jobs":[{"JID":"a"}]}`,
		"big":        `{"jobs":[{"tasks":{"total":9223372036854775808}}]}`,
		"not-object": `[]`,
	} {
		writeSeed(t, "FuzzJobsOverviewFastPath", name, []byte(body))
	}
	writeSeed(t, "FuzzDecodeMetrics", "odd-values", []byte(`[{"id":"a","value":"NaN"},{"id":"b","value":3},{"id":"c","value":"\u0031e3"},{"id":"d","value":null},{"id":"e","value":"Infinity"}]`))
	for name, body := range map[string]string{
		"nulls":      `{"counts":null,"latest":{"completed":null,"savepoint":null,"failed":null,"restored":null},"history":[null,{}],"summary":{"end_to_end_duration":null}}`,
		"escapes":    `{"history":[{"className":"failed","failure_message":"a\nb \u00e9 \"q\" \ud800","external_path":"s3://\/x\u00ff","id":-0}]}`,
		"duplicate":  `{"counts":{"total":1},"counts":{"failed":2}}`,
		"case":       `{"Counts":{"Total":3}}`,
		"float-id":   `{"latest":{"completed":{"id":1.0}}}`,
		"big-number": `{"counts":{"total":9223372036854775808}}`,
		"trailing":   `{"counts":{}} x`,
		"empty":      `{}`,
	} {
		writeSeed(t, "FuzzCheckpointsFastPath", name, []byte(body))
	}
	writeSeed(t, "FuzzDecodeAggregated", "odd-values", []byte(`[{"id":"busyTimeMsPerSecond","min":"NaN","max":"Infinity","avg":1e400,"sum":"12","skew":null},{"max":1.0},{"id":"a","min":-0.0}]`))
	writeSeed(t, "FuzzDecodeWatermarks", "edges", []byte(`[{"id":"1.currentInputWatermark","value":"-9223372036854775808"},{"id":"0.currentInputWatermark","value":"9223372036854775807"},{"id":"0.currentInputWatermark","value":"9223372036854775808"},{"id":"x.currentInputWatermark","value":"1"},{"id":"2.currentInputWatermark","value":17}]`))
	writeSeed(t, "FuzzDecodeJobDetails", "plan-edges", []byte(`{"vertices":[{"id":"a","metrics":{"read-records":1.5,"accumulated-busy-time":"NaN"}}],"plan":"{\"nodes\":[{\"id\":\"a\"},{\"id\":\"b\",\"inputs\":[{\"id\":\"a\"},{\"id\":\"a\"},{\"id\":\"zz\"}]},{\"id\":\"a\"}]}"}`))
	writeSeed(t, "FuzzStatusError", "cut-mid-string", []byte(`{"errors":["Checkpointing has not been enabled.\n\tat org.apache`))
}

// writeDetailSeeds writes version v's seeds of the detail decoders: the
// JobManager runs a job per detail scenario.
func writeDetailSeeds(t *testing.T, v flinkfake.Version) {
	jm := flinkfake.New(flinkfake.Options{Version: v, Now: flinkfake.NewClock(t0).Now, Cluster: "orders", Jobs: []flinkfake.JobSpec{
		{Name: "pipeline", Scenario: flinkfake.Backpressure},
		{Name: "bounded", Scenario: flinkfake.BoundedSource},
		{Name: "lag", Scenario: flinkfake.WatermarkLag},
		{Name: "nowm", Scenario: flinkfake.NoWatermark},
	}})
	vertices := func(name string) []string {
		id, _ := jm.JobID(name)
		var d JobDetails
		if err := decodeJSON(get(jm, "/jobs/"+id), '{', &d); err != nil {
			t.Fatal(err)
		}
		paths := []string{"/jobs/" + id}
		for _, vx := range d.Vertices {
			paths = append(paths, "/jobs/"+id+"/vertices/"+vx.ID)
		}
		return paths
	}
	p, b, l, nw := vertices("pipeline"), vertices("bounded"), vertices("lag"), vertices("nowm")
	s := string(v)
	writeSeed(t, "FuzzDecodeJobDetails", s+"-bounded", get(jm, b[0]))
	writeSeed(t, "FuzzDecodeAggregated", s, get(jm, p[3]+"/subtasks/metrics?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond,idleTimeMsPerSecond,numRecordsInPerSecond"))
	writeSeed(t, "FuzzDecodeAggregated", s+"-taskmanagers", get(jm, "/taskmanagers/metrics?get=Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max,Status.JVM.CPU.Load&agg=max,sum"))
	writeSeed(t, "FuzzDecodeWatermarks", s, get(jm, l[3]+"/watermarks"))
	writeSeed(t, "FuzzDecodeWatermarks", s+"-none", get(jm, nw[2]+"/watermarks"))
	writeSeed(t, "FuzzDecodeMetricNames", s, get(jm, "/taskmanagers/metrics"))
	writeSeed(t, "FuzzDecodeMetricNames", s+"-source", get(jm, p[1]+"/subtasks/metrics"))
	writeSeed(t, "FuzzDecodeTaskManagers", s, get(jm, "/taskmanagers"))
}

func get(h http.Handler, path string) []byte {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	b, _ := io.ReadAll(rec.Body)
	return b
}

func writeSeed(t *testing.T, target, name string, data []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
	if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
