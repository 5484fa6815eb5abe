package rules

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/flinkslo/flinkslo/fleet"
)

var update = flag.Bool("update", false, "rewrite rules/flinkslo-rules.yaml from the generator")

// shippedRules is the rules file users load; it must be exactly what the
// generator writes with the default options.
const shippedRules = "flinkslo-rules.yaml"

func TestShippedRulesAreGeneratorDefault(t *testing.T) {
	got, err := Generate(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(shippedRules, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(shippedRules)
	if err != nil {
		t.Fatalf("read %s (run go test ./rules -update to create it): %v", shippedRules, err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s is not the generator's default output (go test ./rules -update); diff -file +generated:\n%s", shippedRules, d)
	}
}

func TestGenerateObjectiveSetsThresholds(t *testing.T) {
	tests := []struct {
		name      string
		objective float64
		want      []string
		objRecord string
	}{
		{"default 99.5%", 0.995, []string{"(14.4 * 0.005)", "(6 * 0.005)", "(1 * 0.005)"}, "vector(0.995)"},
		{"99.9%", 0.999, []string{"(14.4 * 0.001)", "(6 * 0.001)", "(1 * 0.001)"}, "vector(0.999)"},
		{"95%", 0.95, []string{"(14.4 * 0.05)", "(6 * 0.05)", "(1 * 0.05)"}, "vector(0.95)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Build(Options{Objective: tt.objective})
			if err != nil {
				t.Fatal(err)
			}
			var burn, objective []string
			for _, g := range f.Groups {
				for _, r := range g.Rules {
					if strings.HasSuffix(r.Alert, "ErrorBudgetBurn") {
						burn = append(burn, r.Expr)
					}
					if r.Record == objectiveRecord {
						objective = append(objective, r.Expr)
					}
				}
			}
			if len(burn) != 6 {
				t.Fatalf("got %d burn alerts, want 6 (3 tiers × fleet and team)", len(burn))
			}
			for i, expr := range burn {
				if want := tt.want[i%3]; strings.Count(expr, want) != 2 {
					t.Errorf("burn alert %d: got %q, want the threshold %s on both windows", i, expr, want)
				}
			}
			if len(objective) != 1 || objective[0] != tt.objRecord {
				t.Errorf("got objective records %q, want [%s]", objective, tt.objRecord)
			}
		})
	}
}

func TestGenerateCheckpointObjectiveAddsItsBurnAlerts(t *testing.T) {
	off, err := Build(Options{})
	if err != nil {
		t.Fatal(err)
	}
	on, err := Build(Options{CheckpointObjective: 0.99})
	if err != nil {
		t.Fatal(err)
	}
	count := func(f File) (n int) {
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				if r.Labels["slo"] == checkpointSLI.slo && r.Alert != "" {
					n++
				}
			}
		}
		return n
	}
	if got := count(off); got != 0 {
		t.Errorf("without a checkpoint objective: got %d checkpoint burn alerts, want 0", got)
	}
	if got := count(on); got != 6 {
		t.Errorf("with a checkpoint objective: got %d checkpoint burn alerts, want 6", got)
	}
}

func TestGenerateForScale(t *testing.T) {
	tests := []struct {
		name  string
		scale float64
		want  map[string]string // alert → for
	}{
		{"default", 1, map[string]string{"FlinkJobNotRunning": "10m", "FlinkJobManagerUnreachable": "5m", "FlinksloTargetScrapeErrors": "15m"}},
		{"tenth", 0.1, map[string]string{"FlinkJobNotRunning": "1m", "FlinkJobManagerUnreachable": "30s", "FlinksloTargetScrapeErrors": "1m30s"}},
		{"e2e", 0.01, map[string]string{"FlinkJobNotRunning": "6s", "FlinkJobManagerUnreachable": "3s", "FlinksloTargetScrapeErrors": "9s"}},
		{"never below a second", 0.0001, map[string]string{"FlinkJobNotRunning": "1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Build(Options{ForScale: tt.scale})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, g := range f.Groups {
				for _, r := range g.Rules {
					// An alert that also escalates has a second, longer rule.
					if _, ok := tt.want[r.Alert]; ok && got[r.Alert] == "" {
						got[r.Alert] = r.For
					}
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("for durations (-want +got):\n%s", d)
			}
		})
	}
}

func TestGenerateIsValidYAMLWithEveryRuleNamed(t *testing.T) {
	b, err := Generate(Options{Objective: 0.999, ForScale: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	var f File
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("generated rules do not parse back: %v", err)
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if (r.Record == "") == (r.Alert == "") {
				t.Errorf("group %s: rule %+v must be either a recording or an alerting rule", g.Name, r)
			}
			// A route comes from a label, or from the series (by (route)).
			routed := r.Labels["route"] != "" || strings.Contains(r.Expr, "by (route)")
			if r.Alert != "" && (!routed || r.Labels["severity"] == "" || r.Labels["alert_kind"] == "" || r.Annotations["runbook_url"] == "") {
				t.Errorf("alert %s lacks route, severity, alert_kind or runbook_url: %+v", r.Alert, r)
			}
		}
	}
}

func TestReasonAlertsCoverEveryReason(t *testing.T) {
	// The exporter's reason vocabulary (a contract, see ExportedMetrics).
	reasons := fleet.Reasons
	got := ReasonAlerts()
	for _, r := range reasons {
		if got[string(r)] == "" {
			t.Errorf("reason %s has no alert", r)
		}
	}
	if len(got) != len(reasons) {
		t.Errorf("got alerts for %d reasons, want %d: %v", len(got), len(reasons), got)
	}
}

// Every runbook_url must land on a section of runbook.md.
func TestRunbookHasASectionPerAlert(t *testing.T) {
	b, err := os.ReadFile("runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	headings := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			headings[strings.ToLower(strings.TrimSpace(h))] = true
		}
	}
	f, err := Build(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			_, anchor, _ := strings.Cut(r.Annotations["runbook_url"], "#")
			if !headings[anchor] {
				t.Errorf("alert %s links to #%s, which runbook.md has no heading for", r.Alert, anchor)
			}
		}
	}
}
