package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// newWithRules builds a classifier from the defaults plus one user file.
func newWithRules(t *testing.T, cfg config.Classify, rules string) (*Classifier, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "user-rules.yaml")
	if err := os.WriteFile(path, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.RulesFiles = append(cfg.RulesFiles, path)
	return New(cfg)
}

func TestRulesFileErrors(t *testing.T) {
	rule := func(body string) string {
		return "rules:\n  - id: team-rule\n" + body
	}
	valid := "    route: notify\n    category: team_error\n    reason: r\n    hint: h\n"
	tests := []struct {
		name  string
		rules string
		want  []string // substrings of the error
	}{
		{"unknown key names key, line and the allowed keys", rule("    when: {mesage: boom}\n" + valid), []string{"user-rules.yaml", "line 3", `unknown key "mesage"`, "message, root"}},
		{"unknown rule key", rule("    when: {message: x}\n    severity: high\n" + valid), []string{"line 4", `unknown key "severity"`, "category"}},
		{"unknown top-level key", "rulez: []\n", []string{`unknown key "rulez"`, "terminal, rules"}},
		{"route outside the set", "rules:\n  - id: r1\n    when: {message: x}\n    route: urgent\n    category: c\n    reason: r\n    hint: h\n", []string{"user-rules.yaml:2", `rule "r1"`, `route "urgent"`}},
		{"category not snake_case", "rules:\n  - id: r1\n    when: {message: x}\n    route: page\n    category: Bad-Category\n    reason: r\n    hint: h\n", []string{`category "Bad-Category"`}},
		{"missing category, reason and hint", "rules:\n  - id: r1\n    when: {message: x}\n    route: page\n", []string{"category", "reason: want one line", "hint: want one line"}},
		{"regexp that does not compile", rule("    when: {message: '(unclosed'}\n" + valid), []string{"when: message", "missing closing )"}},
		{"backreferences are not RE2", rule("    when: {message: '(a)\\1'}\n" + valid), []string{"invalid escape"}},
		{"regexp too large", rule("    when: {message: '" + strings.Repeat("[a-z]{1000}", 25) + "'}\n" + valid), []string{"instructions, at most"}},
		{"regexp too long", rule("    when: {message: '" + strings.Repeat("a", 3000) + "'}\n" + valid), []string{"longer than 2048"}},
		{"no condition", rule("    when: {}\n" + valid), []string{"no condition"}},
		{"bad owner", rule("    when: {frame: team}\n" + valid), []string{`frame: "team": want tenant or platform or query`}},
		{"bad source", rule("    when: {source: kafka}\n" + valid), []string{`source: "kafka"`}},
		{"bad class", rule("    when: {class: 'not a class'}\n" + valid), []string{`class "not a class"`}},
		{"bad exit code", rule("    when: {exitCode: [300]}\n" + valid), []string{"300 is not a container exit code"}},
		{"nested too deep", rule("    when: {not: {not: {not: {not: {not: {message: x}}}}}}\n" + valid), []string{"nested deeper"}},
		{"duplicate id in one file", rule("    when: {message: x}\n"+valid) + "  - id: team-rule\n    when: {message: y}\n" + valid, []string{`rule "team-rule" already defined`}},
		{"disabling nothing", "rules:\n  - id: no-such-default\n    disabled: true\n", []string{"disables no default rule"}},
		{"bad vetoes", rule("    when: {message: x}\n    vetoes: [later]\n" + valid), []string{`vetoes "later"`}},
		{"not YAML", "rules: [\n", []string{"user-rules.yaml"}},
		{"bad indentation names its own line", rule("    when: {message: x}\n"+valid) + "  - id: r2\n    when: {message: y}\n   route: page\n", []string{"user-rules.yaml", "line 10: invalid YAML", "indentation"}},
		{"health rule with a failure category", rule("    when: {reason: not_running}\n" + valid), []string{`category "team_error"`, "job_unhealthy"}},
		{"unknown health reason", rule("    when: {reason: not_runing}\n    route: notify\n    category: job_unhealthy\n    reason: r\n    hint: h\n"), []string{`reason: "not_runing"`, "not_running"}},
		{"unknown job state", rule("    when: {reason: not_running, state: [STOPPED]}\n    route: notify\n    category: job_unhealthy\n    reason: r\n    hint: h\n"), []string{`"STOPPED" is not a Flink job state`}},
		{"escalateAfter on a failure rule", rule("    when: {message: x}\n    escalateAfter: 10m\n" + valid), []string{"escalateAfter: only health rules"}},
		{"escalateAfter on a page rule", rule("    when: {reason: job_missing}\n    escalateAfter: 10m\n    route: page\n    category: job_unhealthy\n    reason: r\n    hint: h\n"), []string{"only a monitor route escalates"}},
		{"escalatedHint of two lines", rule("    when: {message: x}\n    escalatedHint: \"a\\nb\"\n" + valid), []string{"escalatedHint: want one line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newWithRules(t, config.Classify{}, tt.rules)
			if err == nil {
				t.Fatal("error: got nil")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q: want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestRulesFileMissing(t *testing.T) {
	_, err := New(config.Classify{RulesFiles: []string{filepath.Join(t.TempDir(), "nope.yaml")}})
	if err == nil || !strings.Contains(err.Error(), "read rules file") || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("error: got %v, want it to name the action and the file", err)
	}
}

// A failure the defaults route to the platform, which a team's own rule
// knows better about.
var teamFailure = fleet.Evidence{Stacktrace: "org.apache.flink.util.FlinkRuntimeException: ledger reconciliation drifted by 17 entries\n" +
	"\tat org.apache.flink.streaming.runtime.tasks.StreamTask.invoke(StreamTask.java:831)\n"}

func TestUserRulesComeFirst(t *testing.T) {
	base, err := New(config.Classify{})
	if err != nil {
		t.Fatal(err)
	}
	if r := base.Classify(teamFailure); r.Route != fleet.Page || r.Rule != "unknown" {
		t.Fatalf("defaults: got %s by %s, want page by unknown", r.Route, r.Rule)
	}
	c, err := newWithRules(t, config.Classify{}, `
rules:
  - id: ledger-drift
    when: {message: 'reconciliation drifted by (?P<n>\d+) entries'}
    route: notify
    category: ledger_drift
    reason: the ledger drifted by ${n} entries
    hint: Re-run the reconciliation job for the day.
`)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Classify(teamFailure)
	if r.Route != fleet.Notify || r.Category != "ledger_drift" || r.Rule != "ledger-drift" {
		t.Errorf("got %s/%s by %s, want notify/ledger_drift by ledger-drift", r.Route, r.Category, r.Rule)
	}
	if r.Reason != "the ledger drifted by 17 entries" {
		t.Errorf("reason: got %q, want the captured count filled in", r.Reason)
	}
	if ids := c.Rules(); ids[0] != "ledger-drift" || len(ids) != len(base.Rules())+1 {
		t.Errorf("rule order: got %v first of %d, want ledger-drift first of %d", ids[0], len(ids), len(base.Rules())+1)
	}
}

func TestUserRuleOverridesDefaultByID(t *testing.T) {
	heap := fleet.Evidence{Stacktrace: "java.lang.OutOfMemoryError: Java heap space\n\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n"}
	c, err := newWithRules(t, config.Classify{}, `
rules:
  - id: oom-heap   # our tenants cannot size their own heap: the platform acts
    when: {class: OutOfMemoryError, message: 'java heap space'}
    route: page
    category: heap_oom
    reason: a job ran out of heap, and heap sizing is ours
    hint: Platform - raise the TaskManager heap.
`)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Classify(heap); r.Route != fleet.Page || r.Rule != "oom-heap" {
		t.Errorf("got %s by %s, want page by the overriding oom-heap", r.Route, r.Rule)
	}
	ids := c.Rules()
	base, _ := New(config.Classify{})
	if idx(ids, "oom-heap") != idx(base.Rules(), "oom-heap") {
		t.Errorf("oom-heap moved from %d to %d; an override keeps its place", idx(base.Rules(), "oom-heap"), idx(ids, "oom-heap"))
	}
}

func TestUserRuleDisablesDefault(t *testing.T) {
	c, err := newWithRules(t, config.Classify{}, "rules:\n  - id: enricher-user\n    disabled: true\n")
	if err != nil {
		t.Fatal(err)
	}
	in := fleet.Evidence{FailureLabels: map[string]string{"type": "USER"}, Stacktrace: teamFailure.Stacktrace}
	if r := c.Classify(in); r.Rule == "enricher-user" || r.Route != fleet.Page {
		t.Errorf("got %s by %s, want the USER label ignored (unknown, page)", r.Route, r.Rule)
	}
}

func TestUserTerminalMarkers(t *testing.T) {
	c, err := newWithRules(t, config.Classify{}, "terminal:\n  - message: 'job gave up after \\d+ attempts'\n")
	if err != nil {
		t.Fatal(err)
	}
	in := fleet.Evidence{Stacktrace: "com.acme.Wrapper: job gave up after 3 attempts\nCaused by: java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id tm-1 timed out.\n"}
	if r := c.Classify(in); r.Route != fleet.Page || !r.Escalated || r.RuleRoute != fleet.Monitor {
		t.Errorf("got %s (escalated %v, rule route %s), want page escalated from monitor", r.Route, r.Escalated, r.RuleRoute)
	}
}

func TestDefaultRulesReadable(t *testing.T) {
	f, err := parseRuleFile("default_rules.yaml", DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(DefaultRules()[:4000]), "CONDITIONS") {
		t.Error("the default rules file must open with its format documentation")
	}
	for _, r := range f.Rules {
		if r.line == 0 {
			t.Errorf("rule %s: no line number", r.ID)
		}
	}
}

func idx(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
