package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flinkslo/flinkslo/internal/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func cliClassifier(t *testing.T) *Classifier {
	t.Helper()
	cfg, err := config.Load("testdata/corpus-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg.Classify)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRunJSONLGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/cli/input.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RunJSONL(context.Background(), bytes.NewReader(in), &out, cliClassifier(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/cli/output.golden.jsonl", out.Bytes())

	// One object per non-blank input line, in order, each with the fields
	// the contract names, or an error.
	var lines []int
	for n, l := range strings.Split(strings.TrimSuffix(string(in), "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, n+1)
		}
	}
	dec := json.NewDecoder(&out)
	for i := 0; dec.More(); i++ {
		var o Output
		if err := dec.Decode(&o); err != nil {
			t.Fatal(err)
		}
		if i >= len(lines) || o.Line != lines[i] {
			t.Fatalf("object %d: got line %d, want the objects in input order", i, o.Line)
		}
		if o.Error == "" && (o.Route == "" || o.Category == "" || o.Reason == "" || o.Hint == "" || o.Rule == "") {
			t.Errorf("line %d: got %+v, want route, category, reason, hint and rule", o.Line, o)
		}
		if strings.Contains(o.Message+o.Reason, "Hunter2Secret") {
			t.Errorf("line %d: a password reached the output", o.Line)
		}
	}
}

func TestRunJSONLPlainText(t *testing.T) {
	in, err := os.ReadFile("testdata/cli/plain.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RunJSONL(context.Background(), bytes.NewReader(in), &out, cliClassifier(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/cli/plain.golden.json", out.Bytes())
}

// A whole /jobs/:jobid/exceptions body, in each shape Flink and jq print
// it, has every entry classified — roots and concurrent exceptions — each
// output naming its entry.
func TestRunExceptionsGolden(t *testing.T) {
	tests := []struct {
		file    string
		entries []string // the entry of each output, in order
	}{
		{"exceptions-2.x.json", []string{"exceptionHistory.entries[0]", "exceptionHistory.entries[0].concurrentExceptions[0]", "exceptionHistory.entries[1]"}},
		{"exceptions-1.x-legacy.json", []string{"root-exception", "all-exceptions[0]"}},
		{"exceptions-entries.json", []string{"[0]", "[0].concurrentExceptions[0]", "[1]"}},
		{"exceptions-compact.jsonl", []string{"exceptionHistory.entries[0]", "exceptionHistory.entries[0].concurrentExceptions[0]", "exceptionHistory.entries[1]", "", "root-exception", "all-exceptions[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in, err := os.ReadFile("testdata/cli/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := RunJSONL(context.Background(), bytes.NewReader(in), &out, cliClassifier(t)); err != nil {
				t.Fatal(err)
			}
			golden(t, "testdata/cli/"+strings.TrimSuffix(strings.TrimSuffix(tt.file, ".json"), ".jsonl")+".golden.jsonl", out.Bytes())
			var got []string
			dec := json.NewDecoder(&out)
			for dec.More() {
				var o Output
				if err := dec.Decode(&o); err != nil {
					t.Fatal(err)
				}
				got = append(got, o.Entry)
				if o.Entry != "" && (o.Route == "" || o.Rule == "") {
					t.Errorf("%s: got %+v, want it classified", o.Entry, o)
				}
			}
			if diff := cmp.Diff(tt.entries, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunJSONLEdges(t *testing.T) {
	c := cliClassifier(t)
	tests := []struct {
		name, in string
		want     []string // one substring per output line
	}{
		{"empty input", "", []string{`"error":"empty input"`}},
		{"blank lines then JSON", "\n  \n{\"k8sReason\":\"Evicted\"}\n", []string{`"line":3,"route":"monitor","category":"pod_evicted_node_pressure"`}},
		{"no trailing newline", `{"k8sReason":"FailedScheduling"}`, []string{`"category":"failed_scheduling_capacity"`}},
		{"line too long, next line still classified", "{\"stacktrace\":\"" + strings.Repeat("x", MaxLineBytes) + "\"}\n{\"k8sReason\":\"OOMKilled\"}\n",
			[]string{`"line":1,"error":"line longer than`, `"line":2,"route":"page","category":"container_oom_killed"`}},
		{"negative counts", `{"k8sReason":"Evicted","recentOccurrences":-1}`, []string{`"error":"recentOccurrences and exitCode must not be negative"`}},
		{"operatorError of the wrong type", `{"operatorError": 42}`, []string{`"route":"page"`}},
		{"bad operatorError string", `{"operatorError": "\u"}`, []string{`"error":"decode:`}},
		{"a failure pretty-printed over lines", "{\n  \"k8sReason\": \"Evicted\"\n}\n", []string{`"line":1,"route":"monitor","category":"pod_evicted_node_pressure"`}},
		{"a document cut short: one error, naming where it began", "\n{\n  \"exceptionHistory\": {\n    \"entries\": [\n", []string{`"line":4,"error":"decode: the JSON value begun on line 2 is cut short"`}},
		{"what decodes before a break is kept", "{\n \"k8sReason\": \"Evicted\"\n}\n{\n \"k8sReason\": nope\n}\n",
			[]string{`"line":1,"route":"monitor"`, `"line":5,"error":"decode: invalid character 'o' in literal null`}},
		{"JSON Lines whose first line is broken", "{\"k8sReason\": \"Evic\n{\"k8sReason\":\"OOMKilled\"}\n", []string{`"line":1,"error":"decode:`, `"line":2,"route":"page","category":"container_oom_killed"`}},
		{"an exceptions body of a job that never failed", `{"exceptionHistory": {"entries": [], "truncated": false}}`, []string{`"line":1,"error":"the exceptions response holds no exception`}},
		{"a 2.x body on one line, as curl prints it", `{"exceptionHistory":{"entries":[{"exceptionName":"java.lang.OutOfMemoryError","stacktrace":"java.lang.OutOfMemoryError: Java heap space\n","timestamp":1}],"truncated":false}}`,
			[]string{`"line":1,"entry":"exceptionHistory.entries[0]","route":"notify","category":"heap_oom"`}},
		{"an entry's concurrent exceptions follow it", `{"k8sReason":"Evicted","concurrentExceptions":[{"stacktrace":"java.lang.OutOfMemoryError: Java heap space\n"},{}]}`,
			[]string{`"line":1,"route":"monitor"`, `"line":1,"entry":"concurrentExceptions[0]","route":"notify","category":"heap_oom"`, `"line":1,"entry":"concurrentExceptions[1]","error":"no failure`}},
		{"an array that is not of objects", "[\n 1\n]\n", []string{`"line":1,"error":"[0]: want a JSON object`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := RunJSONL(context.Background(), strings.NewReader(tt.in), &out, c); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("got %d lines %q, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d: got %s, want it to contain %s", i+1, got[i], w)
				}
			}
		})
	}
}

func TestRunJSONLStops(t *testing.T) {
	c := cliClassifier(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := RunJSONL(ctx, strings.NewReader(`{"k8sReason":"Evicted"}`+"\n"), &bytes.Buffer{}, c); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v, want context.Canceled", err)
	}
	err := RunJSONL(context.Background(), strings.NewReader(`{"k8sReason":"Evicted"}`+"\n"), failingWriter{}, c)
	if err == nil || !strings.Contains(err.Error(), "write results") {
		t.Errorf("failing writer: got %v, want a write error", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
