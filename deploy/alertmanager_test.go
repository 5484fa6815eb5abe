package deploy

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const alertmanagerConfig = "alertmanager/alertmanager.yaml"

func amtool(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs amtool; skipped with -short")
	}
	p, err := exec.LookPath("amtool")
	if err != nil {
		t.Fatalf("amtool is required (make test-deps installs Debian's prometheus-alertmanager): %v", err)
	}
	return p
}

// TestAlertmanagerConfigValid: the real Alertmanager accepts the file.
func TestAlertmanagerConfigValid(t *testing.T) {
	out, err := exec.CommandContext(t.Context(), amtool(t), "check-config", alertmanagerConfig).CombinedOutput()
	if err != nil {
		t.Fatalf("amtool check-config %s: %v\n%s", alertmanagerConfig, err, out)
	}
}

// TestAlertmanagerRoutes asks the real amtool where alerts with flinkslo's
// labels go: by route as flinkslo's router sends, notify by team with a
// default, and the router's own inhibition source to nobody.
func TestAlertmanagerRoutes(t *testing.T) {
	bin := amtool(t)
	tests := []struct {
		name   string
		labels []string
		want   string
	}{
		{"page symptom", []string{"alertname=FlinkJobCheckpointsStalled", "route=page", "severity=critical", "alert_kind=symptom", "team=checkout"}, "platform-pagerduty"},
		{"burn-rate page", []string{"alertname=FlinkFleetErrorBudgetBurn", "route=page", "severity=critical", "alert_kind=slo", "tier=fast"}, "platform-pagerduty"},
		{"router's classified incident", []string{"alertname=FlinkJobFailure", "route=page", "alert_kind=failure", "category=platform_code_exception"}, "platform-pagerduty"},
		{"flinkslo's notify alert, team checkout", []string{"alertname=FlinkJobFailure", "alert_kind=failure", "route=notify", "severity=warning", "team=checkout", "category=user_code_exception"}, "checkout-slack"},
		{"flinkslo's monitor alert", []string{"alertname=FlinkJobFailure", "alert_kind=failure", "route=monitor", "severity=warning", "team=risk"}, "platform-slack"},
		{"monitor", []string{"alertname=FlinkJobRestartStorm", "route=monitor", "severity=warning", "alert_kind=symptom", "team=risk"}, "platform-slack"},
		{"notify, team checkout", []string{"alertname=FlinkJobNotRunning", "route=notify", "severity=warning", "team=checkout"}, "checkout-slack"},
		{"notify, team risk", []string{"alertname=FlinkJobKafkaLagGrowing", "route=notify", "severity=warning", "team=risk"}, "risk-slack"},
		{"notify, a team without a receiver", []string{"alertname=FlinkJobNotRunning", "route=notify", "severity=warning", "team=payments"}, "platform-slack"},
		{"notify without a team", []string{"alertname=FlinkDeploymentError", "route=notify", "severity=warning"}, "platform-slack"},
		{"router delivering: inhibition only", []string{"alertname=FlinksloRouterDelivering", "route=page", "severity=none", "alert_kind=self"}, "null"},
		{"flinkslo's own health", []string{"alertname=FlinksloExporterDown", "route=page", "severity=critical", "alert_kind=self"}, "platform-pagerduty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"config", "routes", "test", "--config.file=" + alertmanagerConfig}, tt.labels...)
			out, err := exec.CommandContext(t.Context(), bin, args...).Output()
			if err != nil {
				t.Fatalf("amtool %v: %v", args, err)
			}
			if got := strings.TrimSpace(string(out)); got != tt.want {
				t.Errorf("%v goes to %q, want %q", tt.labels, got, tt.want)
			}
		})
	}
}

// TestAlertmanagerInhibitsSymptomsTheRouterDelivers: while flinkslo's
// router delivers a route (FlinksloRouterDelivering{route}), the Prometheus
// symptom alerts of that route are inhibited, so a user running both paths
// hears each failure once; and the runbook's inhibitions are all there.
func TestAlertmanagerInhibitsSymptomsTheRouterDelivers(t *testing.T) {
	var cfg struct {
		Route struct {
			GroupBy []string `yaml:"group_by"`
		} `yaml:"route"`
		InhibitRules []struct {
			Source []string `yaml:"source_matchers"`
			Target []string `yaml:"target_matchers"`
			Equal  []string `yaml:"equal"`
		} `yaml:"inhibit_rules"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, alertmanagerConfig)), &cfg); err != nil {
		t.Fatal(err)
	}
	if want := []string{"alertname", "namespace", "deployment", "job_name"}; !slices.Equal(cfg.Route.GroupBy, want) {
		t.Errorf("group_by %v, want %v", cfg.Route.GroupBy, want)
	}
	type rule struct{ source, target, equal string }
	var got []rule
	for _, r := range cfg.InhibitRules {
		got = append(got, rule{strings.Join(r.Source, ","), strings.Join(r.Target, ","), strings.Join(r.Equal, ",")})
	}
	for _, want := range []rule{
		{`alertname="FlinksloRouterDelivering"`, `alert_kind="symptom"`, "route"},
		{`alertname="FlinkJobFailure",alert_kind="failure"`, `alert_kind="symptom"`, "route,namespace,deployment,job_name"},
		{`alertname="FlinkJobManagerUnreachable"`, `alertname=~"FlinkJob.+|FlinkDeploymentError"`, "namespace,deployment"},
		{`alertname=~"FlinkJobNotRunning|FlinkJobMissing"`, `alertname=~"FlinkJobCheckpointsStalled|FlinkJobKafka.+|FlinkJobTasksNotRunning"`, "namespace,deployment,job_name"},
		{`alertname=~"Flink(Fleet|Team)ErrorBudgetBurn",tier="fast"`, `tier=~"medium|slow"`, "alertname,slo,team"},
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no inhibit rule %+v in %s; have %+v", want, alertmanagerConfig, got)
		}
	}
	if !strings.Contains(readFile(t, "../rules/runbook.md"), "deploy/alertmanager/alertmanager.yaml") {
		t.Error("rules/runbook.md does not point at deploy/alertmanager/alertmanager.yaml")
	}
}
