package flinkfake

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestThrowableFoldsCommonFrames(t *testing.T) {
	base := []string{"a.B.run(B.java:1)", "java.base/java.lang.Thread.run(Thread.java:829)"}
	tests := []struct {
		name string
		t    *throwable
		want string
	}{
		{"no message", &throwable{class: "java.lang.NullPointerException", frames: base},
			"java.lang.NullPointerException\n\tat a.B.run(B.java:1)\n\tat java.base/java.lang.Thread.run(Thread.java:829)\n"},
		{"cause sharing the thread", &throwable{class: "x.Outer", msg: "wrap", frames: stack([]string{"x.C.call(C.java:9)"}, base),
			cause: &throwable{class: "y.Inner", msg: "boom", frames: stack([]string{"y.D.f(D.java:3)", "x.C.call(C.java:7)"}, base)}},
			"x.Outer: wrap\n\tat x.C.call(C.java:9)\n\tat a.B.run(B.java:1)\n\tat java.base/java.lang.Thread.run(Thread.java:829)\n" +
				"Caused by: y.Inner: boom\n\tat y.D.f(D.java:3)\n\tat x.C.call(C.java:7)\n\t... 2 more\n"},
		{"cause from another thread", &throwable{class: "x.Outer", msg: "m", frames: []string{"x.E.g(E.java:2)"},
			cause: &throwable{class: "y.Inner", msg: "n", frames: base}},
			"x.Outer: m\n\tat x.E.g(E.java:2)\nCaused by: y.Inner: n\n\tat a.B.run(B.java:1)\n\tat java.base/java.lang.Thread.run(Thread.java:829)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.t.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestFailureKindsLookLikeJava checks every generated trace parses as a
// Java stack trace: a header line per throwable, frames, folded frames.
func TestFailureKindsLookLikeJava(t *testing.T) {
	for _, v := range Versions() {
		for _, k := range FailureKinds() {
			f := newJob(t, v, k).entry(3, t0.UnixMilli(), true)
			lines := strings.Split(strings.TrimSuffix(f.trace, "\n"), "\n")
			if !strings.HasPrefix(lines[0], f.name) {
				t.Errorf("%s %s: first line %q does not start with exceptionName %s", v, k, lines[0], f.name)
			}
			for _, l := range lines[1:] {
				ok := strings.HasPrefix(l, "\tat ") && strings.HasSuffix(l, ")") ||
					strings.HasPrefix(l, "\t... ") && strings.HasSuffix(l, " more") ||
					strings.HasPrefix(l, "Caused by: ")
				if !ok {
					t.Errorf("%s %s: line %q is not Java stack trace syntax", v, k, l)
				}
			}
			if (f.task == "") != (k == CoordinatorFailure) {
				t.Errorf("%s %s: task %q; only the coordinator failure is global", v, k, f.task)
			}
		}
	}
}

func newJob(t *testing.T, v Version, k FailureKind) *job {
	t.Helper()
	return jobParams{v: v, cluster: "orders", par: 4}.newJob("orders", 0, graphLinear, RestartLoop, k, t0.UnixMilli())
}

// FuzzJSONString checks the response writer's string escaping against
// encoding/json: whatever a trace or name contains, the body stays JSON.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "tab\there", "quote\"back\\slash", "nl\n\r", "\x00\x1f", "ünï©ødé", "\xff\xfe", "</script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var w jw
		w.open()
		w.kStr("k", s)
		w.close()
		var got map[string]string
		if err := json.Unmarshal(w.b, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %q: %v", s, w.b, err)
		}
		if utf8.ValidString(s) && got["k"] != s {
			t.Fatalf("round trip %q → %q", s, got["k"])
		}
	})
}
