package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestScrapeTimeoutDefault(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       time.Duration
	}{
		{"nothing set: 5s within 15s", "", DefaultScrapeTimeout},
		{"an interval shorter than 5s bounds it, as in Prometheus", "scrapeInterval: 2s\n", 2 * time.Second},
		{"a longer interval leaves 5s", "scrapeInterval: 1m\n", DefaultScrapeTimeout},
		{"a timeout the user sets is kept", "scrapeInterval: 2s\nscrapeTimeout: 1s\n", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.ScrapeTimeout.D(); got != tt.want {
				t.Errorf("scrapeTimeout = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestDefaultsDocumented keeps defaults.go and the README's configuration
// tables in step: each Default constant is documented, with its value, in
// the row of the key it is the default of.
func TestDefaultsDocumented(t *testing.T) {
	d := func(v time.Duration) string { return "`" + Duration(v).String() + "`" }
	want := map[string]struct{ key, value string }{
		"DefaultScrapeInterval":              {"scrapeInterval", d(DefaultScrapeInterval)},
		"DefaultScrapeTimeout":               {"scrapeTimeout", "min(" + d(DefaultScrapeTimeout) + ", `scrapeInterval`)"},
		"DefaultMaxConcurrentRequests":       {"maxConcurrentRequests", "`128`"},
		"DefaultDetailInterval":              {"detailInterval", d(DefaultDetailInterval)},
		"DefaultDetailMaxVertices":           {"detailMaxVertices", "`16`"},
		"DefaultDetailMaxTaskManagers":       {"detailMaxTaskManagers", "`32`"},
		"DefaultStartupGrace":                {"startupGrace", d(DefaultStartupGrace)},
		"DefaultRestartWindow":               {"restartWindow", d(DefaultRestartWindow)},
		"DefaultRestartThreshold":            {"restartThreshold", "`3`"},
		"DefaultCheckpointWindowMultiplier":  {"checkpointWindowMultiplier", "`3`"},
		"DefaultCheckpointWindowFloor":       {"checkpointWindowFloor", d(DefaultCheckpointWindowFloor)},
		"DefaultKafkaLagUnhealthyAfter":      {"kafkaLagUnhealthyAfter", d(DefaultKafkaLagUnhealthyAfter)},
		"DefaultStuckAfter":                  {"stuckAfter", d(DefaultStuckAfter)},
		"DefaultBackpressureAfter":           {"backpressureAfter", d(DefaultBackpressureAfter)},
		"DefaultCheckpointHeadroomRatio":     {"checkpointHeadroomRatio", "`0.8`"},
		"DefaultCheckpointHeadroomCount":     {"checkpointHeadroomCheckpoints", "`3`"},
		"DefaultKafkaRequestTimeout":         {"requestTimeout", d(DefaultKafkaRequestTimeout)},
		"DefaultKafkaEvaluationWindow":       {"evaluationWindow", d(DefaultKafkaEvaluationWindow)},
		"DefaultKafkaTimeLag":                {"timeLag", "`" + DefaultKafkaTimeLag + "`"},
		"DefaultAWSRoleSessionName":          {"sasl.aws.roleSessionName", "`" + DefaultAWSRoleSessionName + "`"},
		"DefaultGroupWindow":                 {"groupWindow", d(DefaultGroupWindow)},
		"DefaultRepeatInterval":              {"repeatInterval", d(DefaultRepeatInterval)},
		"DefaultResolveAfter":                {"resolveAfter", d(DefaultResolveAfter)},
		"DefaultQueueSize":                   {"queueSize", "`1000`"},
		"DefaultSlackAPIURL":                 {"slack", "`" + DefaultSlackAPIURL + "`"},
		"DefaultPagerDutyURL":                {"pagerduty.eventsURL", "`" + DefaultPagerDutyURL + "`"},
		"DefaultPageSeverity":                {"page", "`" + DefaultPageSeverity + "`"},
		"DefaultAlertmanagerTimeout":         {"alertmanager.timeout", d(DefaultAlertmanagerTimeout)},
		"DefaultAlertmanagerRefreshInterval": {"alertmanager.refreshInterval", d(DefaultAlertmanagerRefreshInterval)},
		"DefaultEscalationCount":             {"escalation.count", "`5`"},
		"DefaultEscalationWindow":            {"escalation.count", d(DefaultEscalationWindow)},
		"DefaultUnknownRoute":                {"unknownRoute", "`" + DefaultUnknownRoute + "`"},
		"DefaultRESTURLTemplate":             {"restURLTemplate", "`" + DefaultRESTURLTemplate + "`"},
		"DefaultTeamKey":                     {"teamKey", "`" + DefaultTeamKey + "`"},
		"DefaultSlackChannelKey":             {"slackChannelKey", "`" + DefaultSlackChannelKey + "`"},
		"DefaultRESTURLKey":                  {"restURLKey", "`" + DefaultRESTURLKey + "`"},
		"DefaultConsumerGroupsKey":           {"consumerGroupsKey", "`" + DefaultConsumerGroupsKey + "`"},
		"DefaultLeaseName":                   {"leaderElection", "`" + DefaultLeaseName + "`"},
		"DefaultLeaseDuration":               {"leaderElection", d(DefaultLeaseDuration)},
		"DefaultRenewDeadline":               {"leaderElection", d(DefaultRenewDeadline)},
		"DefaultRetryPeriod":                 {"leaderElection", d(DefaultRetryPeriod)},
		"DefaultDatadogAddress":              {"address", "`" + DefaultDatadogAddress + "`"},
		"DefaultDatadogNamespace":            {"namespace", "`" + DefaultDatadogNamespace + "`"},
		"DefaultOTLPProtocol":                {"protocol", "`" + DefaultOTLPProtocol + "`"},
		"DefaultOTLPCompression":             {"compression", "`" + DefaultOTLPCompression + "`"},
		"DefaultOTLPInterval":                {"interval", d(DefaultOTLPInterval)},
		"DefaultOTLPTimeout":                 {"timeout", d(DefaultOTLPTimeout)},
		"DefaultOTLPMaxBatchSize":            {"maxBatchSize", "`10000`"},
	}
	// Every constant of defaults.go is in the table above.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "defaults.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, decl := range f.Decls {
		g, ok := decl.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			for _, n := range spec.(*ast.ValueSpec).Names {
				if _, ok := want[n.Name]; !ok {
					t.Errorf("%s is not checked against the README: add it to this test", n.Name)
				}
			}
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{} // key → its table rows (a key may be in several sections)
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)`[^|]*\\|(.*)$").FindAllStringSubmatch(string(readme), -1) {
		for _, k := range strings.Split(m[1], "` / `") {
			rows[k] = append(rows[k], m[2])
		}
	}
	for name, w := range want {
		found := false
		for _, r := range rows[w.key] {
			found = found || strings.Contains(r, w.value)
		}
		if !found {
			t.Errorf("%s: the README row of `%s` does not give the default %s (rows: %q)", name, w.key, w.value, rows[w.key])
		}
	}
}

// TestDetailDefaults: detail reads are on every minute unless turned off
// with 0s; the watermark check is opt-in, the per-deployment overrides
// inherit when unset.
func TestDetailDefaults(t *testing.T) {
	cfg, err := Parse([]byte("targets: [{name: a, url: 'http://a:8081'}, {name: b, url: 'http://b:8081', stuckAfter: 0s}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.DetailInterval.D(); got != DefaultDetailInterval {
		t.Errorf("detailInterval = %s, want %s", got, DefaultDetailInterval)
	}
	if cfg.PerTaskManagerMetrics || cfg.DetailMaxTaskManagers != DefaultDetailMaxTaskManagers {
		t.Errorf("perTaskManagerMetrics %v, detailMaxTaskManagers %d; want off and %d", cfg.PerTaskManagerMetrics, cfg.DetailMaxTaskManagers, DefaultDetailMaxTaskManagers)
	}
	if cfg.Health.WatermarkLagUnhealthyAfter != 0 || cfg.Health.StuckAfter.D() != DefaultStuckAfter {
		t.Errorf("health = %+v, want the watermark check off and stuckAfter %s", cfg.Health, DefaultStuckAfter)
	}
	if cfg.Targets[0].StuckAfter != nil || cfg.Targets[1].StuckAfter == nil || *cfg.Targets[1].StuckAfter != 0 {
		t.Errorf("targets' stuckAfter = %v, %v: want unset (inherit) and 0s (off)", cfg.Targets[0].StuckAfter, cfg.Targets[1].StuckAfter)
	}
	off, err := Parse([]byte("detailInterval: 0s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := off.DetailInterval.D(); got != 0 {
		t.Errorf("detailInterval: 0s gives %s, want 0 (off)", got)
	}
}
