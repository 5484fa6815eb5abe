package flink

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Table tests of the detail decoders on the shapes Flink writes, and on
// the edges a JobManager can reach: Jackson's "NaN" strings, Long.MIN_VALUE
// watermarks, counts that are not whole numbers, the plan as a string.

func n(v float64) Number { return Number{Value: v, Valid: true} }

func TestDecodeAggregated(t *testing.T) {
	tests := []struct {
		name, body string
		want       map[string]AggregatedMetric
		err        bool
	}{
		{"max only, as agg=max asks",
			`[{"id":"busyTimeMsPerSecond","max":985.0},{"id":"backPressuredTimeMsPerSecond","max":0.0}]`,
			map[string]AggregatedMetric{"busyTimeMsPerSecond": {Max: n(985)}, "backPressuredTimeMsPerSecond": {Max: n(0)}}, false},
		{"every mode, Java doubles",
			`[{"id":"Status.JVM.Memory.Heap.Used","min":1.8e8,"max":5.19556825E8,"avg":3.1E8,"sum":1.876927549E9,"skew":42.5}]`,
			map[string]AggregatedMetric{"Status.JVM.Memory.Heap.Used": {Min: n(1.8e8), Max: n(5.19556825e8), Avg: n(3.1e8), Sum: n(1.876927549e9), Skew: n(42.5)}}, false},
		{"NaN busy time (Jackson quotes it)",
			`[{"id":"busyTimeMsPerSecond","min":"NaN","max":"NaN","avg":"NaN","sum":"NaN"}]`,
			map[string]AggregatedMetric{"busyTimeMsPerSecond": {}}, false},
		{"infinity and a numeric string",
			`[{"id":"x","max":"Infinity","min":"-Infinity","sum":"12"}]`,
			map[string]AggregatedMetric{"x": {Sum: n(12)}}, false},
		{"a metric not registered yet: nothing", `[]`, map[string]AggregatedMetric{}, false},
		{"an item without id is dropped", `[{"max":1.0},{"id":"a","max":null}]`, map[string]AggregatedMetric{"a": {}}, false},
		{"an HTML page", `<!doctype html>`, nil, true},
		{"null", `null`, nil, true},
		{"an object", `{"id":"a"}`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeAggregated([]byte(tc.body))
			var de *DecodeError
			if tc.err != (err != nil) || err != nil && !errors.As(err, &de) {
				t.Fatalf("err = %v, want a DecodeError %v", err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" && !tc.err {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeWatermarks(t *testing.T) {
	tests := []struct {
		name, body  string
		parallelism int
		want        Watermark
		known       bool
		subtasks    int
	}{
		{"the minimum of the subtasks",
			`[{"id":"0.currentInputWatermark","value":"1748779198500"},{"id":"1.currentInputWatermark","value":"1748779198460"}]`,
			2, 1748779198460, true, 2},
		{"no watermark yet on one subtask",
			`[{"id":"0.currentInputWatermark","value":"1748779198500"},{"id":"1.currentInputWatermark","value":"-9223372036854775808"}]`,
			2, NoWatermark, false, 2},
		{"no watermark anywhere",
			`[{"id":"0.currentInputWatermark","value":"-9223372036854775808"}]`, 1, NoWatermark, false, 1},
		{"a subtask missing from the store", `[{"id":"1.currentInputWatermark","value":"5"}]`, 2, NoWatermark, false, 1},
		{"parallelism not checked", `[{"id":"1.currentInputWatermark","value":"5"}]`, 0, 5, true, 1},
		{"end of input on one input", `[{"id":"0.currentInputWatermark","value":"9223372036854775807"},{"id":"1.currentInputWatermark","value":"7"}]`, 2, 7, true, 2},
		{"every input finished", `[{"id":"0.currentInputWatermark","value":"9223372036854775807"}]`, 1, EndOfInput, true, 1},
		{"a value that is not a long is unknown", `[{"id":"0.currentInputWatermark","value":"1.5e12"}]`, 1, NoWatermark, false, 1},
		{"a number, not a string", `[{"id":"0.currentInputWatermark","value":42}]`, 1, 42, true, 1},
		{"other ids ignored", `[{"id":"0.currentOutputWatermark","value":"1"},{"id":"x.currentInputWatermark","value":"1"},{"id":"-1.currentInputWatermark","value":"1"}]`, 0, NoWatermark, false, 0},
		{"a subtask twice keeps the lower", `[{"id":"0.currentInputWatermark","value":"9"},{"id":"0.currentInputWatermark","value":"3"}]`, 1, 3, true, 1},
		{"empty: a source, or no metrics yet", `[]`, 0, NoWatermark, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := decodeWatermarks([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			w, ok := ws.Min(tc.parallelism)
			if w != tc.want || ok != tc.known || len(ws) != tc.subtasks {
				t.Errorf("Min = %d, %v over %d subtasks; want %d, %v over %d", w, ok, len(ws), tc.want, tc.known, tc.subtasks)
			}
			if !ok && !w.Time().IsZero() {
				t.Errorf("an unknown watermark has time %v, want zero", w.Time())
			}
		})
	}
	if _, err := decodeWatermarks([]byte(`{"errors":[]}`)); err == nil {
		t.Error("an object: want a decode error")
	}
}

func TestDecodeVertexMetricsAndPlan(t *testing.T) {
	const (
		plan115 = `"{\"jid\":\"j\",\"nodes\":[{\"id\":\"a\",\"parallelism\":4},{\"id\":\"b\",\"parallelism\":2,\"inputs\":[{\"num\":0,\"id\":\"a\",\"ship_strategy\":\"HASH\",\"exchange\":\"pipelined_bounded\"}]}]}"`
		plan118 = `{"jid":"j","nodes":[{"id":"a","parallelism":4},{"id":"b","parallelism":2,"inputs":[{"num":0,"id":"a","ship_strategy":"HASH","exchange":"pipelined_bounded"}]}]}`
	)
	tests := []struct {
		name, metrics, plan string
		want                IOMetrics
		edges               bool
	}{
		{"1.15: no accumulated times, plan a string",
			`{"read-bytes":0,"read-bytes-complete":true,"write-bytes":120,"write-bytes-complete":true,"read-records":0,"read-records-complete":true,"write-records":1,"write-records-complete":true}`,
			plan115, IOMetrics{ReadBytesComplete: true, WriteBytes: 120, WriteBytesComplete: true, ReadRecordsComplete: true, WriteRecords: 1, WriteRecordsComplete: true}, true},
		{"1.18: accumulated times, plan an object",
			`{"read-bytes":10,"read-bytes-complete":false,"write-bytes":0,"write-bytes-complete":false,"read-records":3,"read-records-complete":false,"write-records":0,"write-records-complete":false,"accumulated-backpressured-time":5,"accumulated-idle-time":6,"accumulated-busy-time":1.5E7}`,
			plan118, IOMetrics{ReadBytes: 10, ReadRecords: 3, AccumulatedBackPressuredMillis: n(5), AccumulatedIdleMillis: n(6), AccumulatedBusyMillis: n(1.5e7)}, true},
		{"busy time NaN, a fractional and a negative count",
			`{"read-records":1.5,"read-records-complete":true,"write-records":-1,"write-records-complete":true,"accumulated-busy-time":"NaN"}`,
			`"not json"`, IOMetrics{}, false},
		{"plan null", `{}`, `null`, IOMetrics{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"jid":"j","state":"RUNNING","vertices":[{"id":"a","status":"RUNNING","metrics":` + tc.metrics + `},{"id":"b","status":"RUNNING"}],"plan":` + tc.plan + `}`
			var d JobDetails
			if err := decodeJSON([]byte(body), '{', &d); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, d.Vertices[0].Metrics); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
			g := d.Graph()
			if got := len(g.Outputs("a")) == 1 && g.Sinks()[0] == "b" && g.Sources()[0] == "a"; got != tc.edges {
				t.Errorf("graph %+v: edge a→b %v, want %v", g, got, tc.edges)
			}
		})
	}
	var d JobDetails
	if err := json.Unmarshal([]byte(`{"vertices":[{"metrics":{"read-records-complete":"yes"}}]}`), &d); err == nil {
		t.Error("a flag that is not a boolean: want an error, not a silent false")
	}
}

func TestFindGCMetrics(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  GCMetrics
	}{
		{"1.19+ with G1", []string{
			"Status.JVM.GarbageCollector.All.Count", "Status.JVM.GarbageCollector.All.Time", "Status.JVM.GarbageCollector.All.TimeMsPerSecond",
			"Status.JVM.GarbageCollector.G1_Old_Generation.Count", "Status.JVM.GarbageCollector.G1_Old_Generation.Time",
			"Status.JVM.GarbageCollector.G1_Old_Generation.TimeMsPerSecond", "Status.JVM.GarbageCollector.G1_Young_Generation.Time",
			"Status.JVM.Memory.Heap.Used",
		}, GCMetrics{
			TimePerSecond: "Status.JVM.GarbageCollector.All.TimeMsPerSecond", Time: "Status.JVM.GarbageCollector.All.Time",
			Collectors: []string{"Status.JVM.GarbageCollector.G1_Old_Generation.Time", "Status.JVM.GarbageCollector.G1_Young_Generation.Time"},
		}},
		{"before 1.19, ZGC", []string{
			"Status.JVM.GarbageCollector.ZGC_Cycles.Count", "Status.JVM.GarbageCollector.ZGC_Cycles.Time", "Status.JVM.GarbageCollector.ZGC_Pauses.Time",
		}, GCMetrics{Collectors: []string{"Status.JVM.GarbageCollector.ZGC_Cycles.Time", "Status.JVM.GarbageCollector.ZGC_Pauses.Time"}}},
		{"nothing", []string{"Status.JVM.GarbageCollector..Time", "numRestarts"}, GCMetrics{}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, FindGCMetrics(tc.names)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestAggString(t *testing.T) {
	if got := (AggMax | AggSum).String(); got != "max,sum" {
		t.Errorf("AggMax|AggSum = %q", got)
	}
	if got := Agg(0).String(); got != "" {
		t.Errorf("zero = %q, want empty (Flink's default, every mode)", got)
	}
}
