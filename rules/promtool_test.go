package rules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// promtool returns the path of the real promtool. Only -short skips; a
// missing promtool fails the test so that CI cannot pass without it.
func promtool(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs promtool; skipped with -short")
	}
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is required (make test-deps installs Debian's prometheus package): %v", err)
	}
	return p
}

func runPromtool(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), promtool(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func writeRules(t *testing.T, opts Options) string {
	t.Helper()
	b, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPromtoolCheckRules(t *testing.T) {
	tests := []struct {
		name string
		opts *Options // nil: the shipped file
	}{
		{"shipped file", nil},
		{"objective 99.9%", &Options{Objective: 0.999}},
		{"objective 93.1% (lowest with a live fast tier)", &Options{Objective: 0.931}},
		{"with checkpoint SLO alerts", &Options{CheckpointObjective: 0.99}},
		{"for scaled for end-to-end tests", &Options{ForScale: 0.01}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := shippedRules
			if tt.opts != nil {
				path = writeRules(t, *tt.opts)
			}
			runPromtool(t, "check", "rules", "--lint=all", "--lint-fatal", path)
		})
	}
}

// TestPromtoolUnitTests runs rules/tests/*.yaml: every alert fires where it
// should and stays silent where it should (see each file's header).
func TestPromtoolUnitTests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("tests", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no promtool unit tests in rules/tests: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			runPromtool(t, "test", "rules", f)
		})
	}
}

// End-to-end tests against a live Prometheus cannot wait ten minutes for an
// alert: with ForScale 0.1, FlinkJobNotRunning (for: 10m) fires after 1m.
func TestPromtoolForScaleFiresSooner(t *testing.T) {
	rules := writeRules(t, Options{ForScale: 0.1})
	test := `rule_files: [` + rules + `]
evaluation_interval: 10s
tests:
  - interval: 10s
    input_series:
      - series: 'flinkslo_job_unhealthy_reason{deployment="d",namespace="n",team="t",job_name="j",reason="not_running"}'
        values: '1x20'
    alert_rule_test:
      - eval_time: 50s
        alertname: FlinkJobNotRunning
        exp_alerts: []
      - eval_time: 60s
        alertname: FlinkJobNotRunning
        exp_alerts:
          - exp_labels: {deployment: d, namespace: n, team: t, job_name: j, reason: not_running, route: page, severity: critical, alert_kind: symptom, policy_rule: health-not-running}
            exp_annotations:
              summary: Flink job n/d/j is not running
              description: "The job is not running, in a state flinkslo does not expect, and Flink recorded no exception. Reason not_running for 1m or more."
              hint: Platform - look at the job in the Flink UI and the JobManager log.
              runbook_url: https://github.com/flinkslo/flinkslo/blob/main/rules/runbook.md#flinkjobnotrunning
`
	p := filepath.Join(t.TempDir(), "scaled_test.yaml")
	if err := os.WriteFile(p, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, "test", "rules", p)
}

type unitTestFile struct {
	Tests []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []struct {
				ExpLabels map[string]string `yaml:"exp_labels"`
			} `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// Each alert of the shipped file, and each burn tier, must be seen firing
// in some unit test and expected silent in some other case.
func TestUnitTestsCoverEveryAlert(t *testing.T) {
	f, err := Build(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("tests", "*.yaml"))
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var u unitTestFile
		if err := yaml.Unmarshal(b, &u); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, tc := range u.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) == 0 {
					silent[a.Alertname] = true
				}
				for _, e := range a.ExpAlerts {
					fires[a.Alertname] = true
					fires[a.Alertname+"/"+e.ExpLabels["tier"]] = true
				}
			}
		}
	}
	for _, name := range f.AlertNames() {
		if !fires[name] {
			t.Errorf("no unit test expects %s to fire", name)
		}
		if !silent[name] {
			t.Errorf("no unit test expects %s to stay silent", name)
		}
	}
	for _, sc := range burnScopes {
		for _, tier := range burnTiers {
			if !fires[sc.alert+"/"+tier.name] {
				t.Errorf("no unit test expects %s to fire at tier %s", sc.alert, tier.name)
			}
		}
	}
}
