package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Seeds live in testdata/fuzz/<Fuzz…>; these add the shapes that matter
// most so a plain `go test` exercises them too.

func FuzzParseTrace(f *testing.F) {
	f.Add("java.lang.RuntimeException: x\n\tat a.B.c(B.java:1)\nCaused by: java.io.IOException: y\n\t... 1 more\n")
	f.Add("a: b\n\tSuppressed: c.D: e\n\t\tat f.G.h(G.java:1)\n\tCaused by: i.J: k\nCaused by: l.M: n\n")
	f.Add("... more\n... -1 more\nat \nat (\nCaused by: \nSuppressed: \n\t\t\tSuppressed: x.Y\n")
	f.Fuzz(func(t *testing.T, s string) {
		tr := ParseTrace(s)
		checkTraceBounds(t, tr)
		for _, th := range tr.Chain {
			for _, fr := range th.Frames {
				_ = fr.Class() + fr.Method()
			}
		}
	})
}

func FuzzLoadRules(f *testing.F) {
	f.Add([]byte("rules:\n  - id: x\n    when: {message: 'a|b', class: [Foo]}\n    route: page\n    category: c\n    reason: r\n    hint: h\n"))
	f.Add([]byte("terminal:\n  - message: '(a+)+$'\nrules:\n  - id: y\n    when: {any: [{not: {frame: tenant}}]}\n    route: notify\n    category: d\n    reason: r\n    hint: h\n"))
	f.Add([]byte("rules:\n  - id: enricher-user\n    disabled: true\n"))
	f.Add([]byte("rules: [{id: z, when: {message: '(?:x{1000}){1000}'}, route: monitor, category: e, reason: r, hint: h}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := parseRuleFile("user.yaml", data)
		if err != nil {
			return
		}
		specs, err := mergeRules([]ruleSpec{{ID: "base", Route: "page", Category: "c", Reason: "r", Hint: "h", When: condSpec{Class: strList{"Foo"}}}}, [][]ruleSpec{file.Rules})
		if err != nil {
			return
		}
		c := &Classifier{pkgs: newPackages(nil, nil), own: newOwnership(nil, nil, nil), unknown: fleet.Page, escCount: 5}
		if err := c.compile(specs, file.Terminal); err != nil {
			return
		}
		r := c.Classify(fleet.Evidence{Stacktrace: "java.lang.IllegalStateException: boom\n\tat org.apache.flink.X.y(X.java:1)\n", K8sMessage: "m", FailureLabels: map[string]string{"type": "USER"}})
		if !validRoute(r.Route) || r.Category == "" || r.Rule == "" {
			t.Fatalf("result: got %+v, want a route, category and rule", r)
		}
	})
}

func FuzzRedact(f *testing.F) {
	f.Add("jdbc:postgresql://db:5432/app?user=svc&password=hunter2")
	f.Add(`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="svc" password="p@ss";`)
	f.Add("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc AKIAIOSFODNN7EXAMPLE https://u:p@h/x")
	f.Fuzz(func(t *testing.T, s string) {
		once := Redact(s)
		if twice := Redact(once); twice != once {
			t.Fatalf("not idempotent:\n once: %q\ntwice: %q", once, twice)
		}
	})
}

func FuzzClassify(f *testing.F) {
	f.Add("java.lang.OutOfMemoryError: Java heap space\n\tat com.acme.X.y(X.java:1)\n", "", "", `{"type":"a.B","throwableList":[{"type":"c.D","message":"CrashLoop - e.F: g"}]}`)
	f.Add("Checkpoint expired before completing.", "CrashLoopBackOff", "java.lang.Exception: x\nCaused by: y.Z: w", "")
	f.Add("", "ImagePullBackOff", `Back-off pulling image "registry.plat.internal/x:1"`, "not json")
	c, err := New(config.Classify{PlatformStorage: []string{"s3://plat-"}, PlatformImageRegistries: []string{"registry.plat.internal"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, trace, reason, k8sMsg, opErr string) {
		r := c.Classify(fleet.Evidence{Stacktrace: trace, K8sReason: reason, K8sMessage: k8sMsg, OperatorError: opErr, RecentOccurrences: len(trace) % 7})
		if !validRoute(r.Route) || r.Category == "" || r.Rule == "" || r.Reason == "" {
			t.Fatalf("result: got %+v, want a route, category, rule and reason", r)
		}
		if len(r.Message) > maxResultMessage+len("…") {
			t.Fatalf("message: got %d bytes, want at most %d", len(r.Message), maxResultMessage)
		}
		if r.Route == fleet.Notify && r.Escalated {
			t.Fatal("a notify result escalated")
		}
	})
}

// TestHostileInputIsBounded: input built so that every rule's prefilter
// passes on every exception still gets an ordinary result (the budget on
// regexp input, not this test, bounds the time; see BenchmarkClassifyHostile).
func TestHostileInputIsBounded(t *testing.T) {
	c, err := New(config.Classify{})
	if err != nil {
		t.Fatal(err)
	}
	in := hostileInput(c)
	f := c.newFacts(&in)
	if len(f.links) > maxThrowables || len(in.K8sMessage) > MaxTraceBytes {
		t.Errorf("facts: got %d links and a %d-byte Kubernetes message, want the bounds", len(f.links), len(in.K8sMessage))
	}
	r := c.Classify(in)
	if !validRoute(r.Route) || r.Rule == "" || len(r.Message) > maxResultMessage+len("…") {
		t.Errorf("got %+v, want an ordinary result", r)
	}
}

// FuzzRunJSONL feeds the CLI's input decoder (JSON Lines, exceptions
// bodies on one line or many, arrays, plain text): it answers every input,
// each answer a well-formed Output for a line of the input that is either
// classified or an error, and never fails but on I/O.
func FuzzRunJSONL(f *testing.F) {
	for _, name := range []string{"exceptions-2.x.json", "exceptions-1.x-legacy.json", "exceptions-entries.json", "exceptions-compact.jsonl"} {
		b, err := os.ReadFile("testdata/cli/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("{\"k8sReason\":\"Evicted\"}\n\n{\"concurrentExceptions\":[{\"stacktrace\":\"a.B: c\"}]}\n[{\"k8sReason\":\"OOMKilled\"}]\n"))
	f.Add([]byte("{\n \"root-exception\": null, \"all-exceptions\": [], \"exceptionHistory\": null\n}\n{ \"x\": nope }"))
	f.Add([]byte("java.lang.NullPointerException\n\tat com.acme.X.y(X.java:1)\n"))
	c, err := New(config.Classify{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		if err := RunJSONL(context.Background(), bytes.NewReader(data), &out, c); err != nil {
			t.Fatalf("in-memory input and output, got error %v", err)
		}
		if out.Len() == 0 {
			t.Fatal("no answer")
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		dec := json.NewDecoder(&out)
		dec.DisallowUnknownFields()
		for dec.More() {
			var o Output
			if err := dec.Decode(&o); err != nil {
				t.Fatalf("answer is not an Output: %v", err)
			}
			if o.Line < 1 || o.Line > lines {
				t.Fatalf("answer for line %d of a %d-line input: %+v", o.Line, lines, o)
			}
			if (o.Error == "") == (o.Route == "") {
				t.Fatalf("want a route or an error, not both or neither: %+v", o)
			}
			if o.CulpritOwner != "" && o.Culprit == "" {
				t.Fatalf("a culprit owner without a culprit: %+v", o)
			}
		}
	})
}
