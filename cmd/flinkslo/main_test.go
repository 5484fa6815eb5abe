package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/flinkslo/flinkslo/rules"
)

// cli runs flinkslo with args and returns its exit code and output.
func runCLI(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	issueExample, err := os.ReadFile("../../internal/config/testdata/issue-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const slackToken = "  slack: { tokenEnv: SLACK_BOT_TOKEN }\n"
	tests := []struct {
		name     string
		file     string
		env      map[string]string
		code     int
		stdout   []string
		stderr   []string
		noOutput []string
	}{
		{"the issue's example loads, but run refuses it: Slack routes and no alerting.slack", write("issue.yaml", string(issueExample)), nil, 1,
			[]string{"warning: line 15: alerting.page.pagerduty.routingKeyEnv: environment variable PAGERDUTY_ROUTING_KEY is empty or unset"},
			[]string{"line 17: alerting.notify.slack: posts to Slack, but alerting.slack has neither"}, nil},
		{"with a Slack token setting it is valid, with warnings about the secrets this machine lacks", write("ok.yaml", string(issueExample)+slackToken), nil, 0,
			[]string{"OK (1 static targets", "PAGERDUTY_ROUTING_KEY", "SLACK_BOT_TOKEN"}, nil, nil},
		{"secrets present: no warning about them", write("ok2.yaml", string(issueExample)+slackToken), map[string]string{"PAGERDUTY_ROUTING_KEY": "k3y-s3cr3t", "SLACK_BOT_TOKEN": "xoxb-s3cr3t"}, 0,
			[]string{"OK"}, nil, []string{"warning", "PAGERDUTY_ROUTING_KEY", "k3y-s3cr3t", "xoxb-s3cr3t"}},
		{"unknown field names field and line", write("bad.yaml", "targets:\n  - name: a\n    ulr: http://a:1\n"), nil, 1,
			nil, []string{"line 3", `unknown field "ulr"`, `did you mean "url"`}, nil},
		{"nothing to watch", write("empty.yaml", "scrapeInterval: 5s\n"), nil, 1, nil, []string{"nothing to watch"}, nil},
		{"missing file", filepath.Join(dir, "nope.yaml"), nil, 1, nil, []string{"no such file"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tt.env, "check-config", tt.file)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			for _, w := range tt.noOutput {
				if strings.Contains(out+errOut, w) {
					t.Errorf("output contains %q:\n%s%s", w, out, errOut)
				}
			}
		})
	}
}

// flinkslo classify answers each JSON line in order, survives a malformed
// one, and redacts what it prints.
func TestClassifyCommand(t *testing.T) {
	lines := []string{
		`{"exceptionName":"java.lang.NullPointerException","stacktrace":"java.lang.NullPointerException\n\tat org.apache.flink.runtime.scheduler.SchedulerBase.x(SchedulerBase.java:1)"}`,
		`not json`,
		`{"k8sReason":"OOMKilled","exitCode":137,"source":"k8s"}`,
		`{"exceptionName":"org.apache.kafka.common.errors.TopicAuthorizationException","stacktrace":"org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [payments]\n\tat org.apache.kafka.clients.Metadata.x(Metadata.java:1)"}`,
		`{"exceptionName":"java.sql.SQLException","stacktrace":"java.sql.SQLException: Access denied for jdbc:mysql://db:3306/x?user=app&password=hunter2\n\tat com.mysql.cj.jdbc.X.y(X.java:1)"}`,
	}
	code, out, errOut := runCLI(t, strings.Join(lines, "\n")+"\n", nil, "classify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q is not JSON: %v", l, err)
		}
		got = append(got, m)
	}
	if len(got) != len(lines) {
		t.Fatalf("%d results for %d lines:\n%s", len(got), len(lines), out)
	}
	wantRoutes := []string{"page", "", "page", "notify", ""}
	for i, want := range wantRoutes {
		if want == "" {
			continue
		}
		if got[i]["route"] != want || got[i]["category"] == "" || got[i]["hint"] == "" || got[i]["rule"] == "" {
			t.Errorf("line %d: %v, want route %s with category, hint and rule", i+1, got[i], want)
		}
	}
	if got[1]["error"] == nil {
		t.Errorf("malformed line 2 got %v, want an error object", got[1])
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("a password reached the output:\n%s", out)
	}
}

// flinkslo classify takes a /jobs/:jobid/exceptions body as curl prints
// it: each entry, root and concurrent, is one result naming its entry, and
// the user-code result names the frame to fix.
func TestClassifyCommandExceptionsBody(t *testing.T) {
	body, err := os.ReadFile("../../classify/testdata/cli/exceptions-2.x.json")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, string(body), nil, "classify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q is not JSON: %v", l, err)
		}
		got = append(got, m)
	}
	want := []struct{ entry, category, culprit string }{
		{"exceptionHistory.entries[0]", "user_code_exception", "com.acme.orders.Enricher.map(Enricher.java:42)"},
		{"exceptionHistory.entries[0].concurrentExceptions[0]", "tm_heartbeat_timeout", ""},
		{"exceptionHistory.entries[1]", "kafka_topic_authorization", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d:\n%s", len(got), len(want), out)
	}
	for i, w := range want {
		culprit, _ := got[i]["culprit"].(string)
		if got[i]["entry"] != w.entry || got[i]["category"] != w.category || culprit != w.culprit {
			t.Errorf("result %d: %v, want entry %s, category %s, culprit %q", i, got[i], w.entry, w.category, w.culprit)
		}
	}
	if got[0]["culpritOwner"] != "tenant" {
		t.Errorf("culpritOwner = %v, want tenant", got[0]["culpritOwner"])
	}
}

func TestVersionAndUsage(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if code, out, _ := runCLI(t, "", nil, args...); code != 0 || !strings.HasPrefix(out, "flinkslo, version ") || !strings.Contains(out, "revision") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	if code, _, errOut := runCLI(t, "", nil, "nonsense"); code != 2 || !strings.Contains(errOut, "nonsense") {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", nil, "run"); code != 2 || !strings.Contains(errOut, "--config") {
		t.Errorf("run without --config: exit %d, %q", code, errOut)
	}
	for _, ratio := range []string{"0", "1.5", "-0.2"} {
		if code, _, errOut := runCLI(t, "", nil, "run", "--config", "/nope.yaml", "--auto-gomemlimit.ratio="+ratio); code != 1 || !strings.Contains(errOut, "--auto-gomemlimit.ratio "+ratio+" is not in (0, 1]") {
			t.Errorf("run --auto-gomemlimit.ratio %s: exit %d, %q", ratio, code, errOut)
		}
	}
	if code, out, _ := runCLI(t, "", nil, "rules", "--objective", "99.9"); code != 0 || !strings.Contains(out, "FlinkFleetErrorBudgetBurn") {
		t.Errorf("rules: exit %d", code)
	}
	if code, _, errOut := runCLI(t, "", nil, "rules", "--objective", "90"); code != 1 || !strings.Contains(errOut, "could never fire") {
		t.Errorf("rules with an objective the fast burn cannot reach: exit %d, %q", code, errOut)
	}
}

// TestHelpRunsNothing: --help (or -h) on any command prints its help and
// exits 0, whatever else is on the line: nothing starts, reads stdin or
// fails on a flag it would have checked.
func TestHelpRunsNothing(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"run", "--help"}, {"run", "--config", "/nope.yaml", "--shard.count", "0", "--help"},
		{"check-config", "--help"}, {"classify", "--help"}, {"rules", "-h"}, {"version", "--help"}, {"help", "run"},
	} {
		code, out, errOut := runCLI(t, "java.lang.NullPointerException\n", nil, args...)
		if code != 0 || strings.Count(out, "usage: flinkslo") != 1 || errOut != "" || strings.Contains(out, `"route":`) {
			t.Errorf("%v: exit %d, %d usages, stderr %q, stdout:\n%s", args, code, strings.Count(out, "usage: flinkslo"), errOut, out)
		}
	}
}

// TestBadFlagValues: a flag value flinkslo cannot use is an error naming
// it, with exit code 2, never a panic.
func TestBadFlagValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--web.telemetry-path", "metrics", "version"}, "--web.telemetry-path"},
		{[]string{"--web.telemetry-path", "/healthz", "version"}, "--web.telemetry-path"},
		{[]string{"--log.level", "loud", "version"}, "log.level"},
		{[]string{"run", "--config", "x", "--shard.count", "zero"}, "shard.count"},
	} {
		code, _, errOut := runCLI(t, "", nil, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 naming %s", tc.args, code, errOut, tc.want)
		}
	}
}

// TestRulesFollowTheUsersPolicy: a rules file that routes a health reason
// differently changes the Prometheus symptom alert the same way, so the two
// alert paths keep agreeing.
func TestRulesFollowTheUsersPolicy(t *testing.T) {
	dir := t.TempDir()
	ruleFile := filepath.Join(dir, "rules.yaml")
	writeFile(t, ruleFile, `rules:
  - id: health-kafka-lagging
    when: {reason: kafka_lagging}
    route: monitor
    category: job_unhealthy
    reason: lag is the platform's business here
    hint: Platform - add brokers.
`)
	cfg := filepath.Join(dir, "flinkslo.yaml")
	writeFile(t, cfg, "classify:\n  rulesFiles: ["+ruleFile+"]\n")
	code, out, errOut := runCLI(t, "", nil, "rules", "--config", cfg)
	if code != 0 {
		t.Fatalf("rules --config: exit %d, %s", code, errOut)
	}
	var f rules.File
	if err := yaml.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert == "FlinkJobKafkaLagGrowing" {
				routes = append(routes, r.Labels["route"]+" "+r.Labels["policy_rule"]+" "+r.Annotations["hint"])
			}
		}
	}
	if want := []string{"monitor health-kafka-lagging Platform - add brokers."}; !slices.Equal(routes, want) {
		t.Errorf("FlinkJobKafkaLagGrowing: got %q, want %q", routes, want)
	}
}

// TestRunSetsGOGC: run sets the collector's GOGC from --runtime.gogc
// (75 unless told), and leaves it alone when the GOGC environment
// variable is set, as Prometheus does; a value below 1 is refused.
func TestRunSetsGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	path := filepath.Join(t.TempDir(), "flinkslo.yaml")
	if err := os.WriteFile(path, []byte("targets:\n  - name: a\n    namespace: n\n    url: http://127.0.0.1:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gogc := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	tests := []struct {
		name  string
		env   map[string]string
		flags []string
		want  uint64
	}{
		{"default", nil, nil, 75},
		{"flag", nil, []string{"--runtime.gogc=50"}, 50},
		{"environment wins", map[string]string{"GOGC": "100"}, []string{"--runtime.gogc=50"}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			if started, log := startRun(t, path, tt.env, tt.flags...); !started {
				t.Fatalf("run did not start:\n%s", log)
			}
			if got := gogc(); got != tt.want {
				t.Errorf("GOGC %d, want %d", got, tt.want)
			}
		})
	}
	for _, v := range []string{"0", "-5"} {
		if code, _, errOut := runCLI(t, "", nil, "run", "--config", path, "--runtime.gogc="+v); code != 1 || !strings.Contains(errOut, "--runtime.gogc "+v+" is not a positive percentage") {
			t.Errorf("run --runtime.gogc=%s: exit %d, %q", v, code, errOut)
		}
	}
}
