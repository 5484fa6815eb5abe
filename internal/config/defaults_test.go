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
		"DefaultStartupGrace":                {"startupGrace", d(DefaultStartupGrace)},
		"DefaultRestartWindow":               {"restartWindow", d(DefaultRestartWindow)},
		"DefaultRestartThreshold":            {"restartThreshold", "`3`"},
		"DefaultCheckpointWindowMultiplier":  {"checkpointWindowMultiplier", "`3`"},
		"DefaultCheckpointWindowFloor":       {"checkpointWindowFloor", d(DefaultCheckpointWindowFloor)},
		"DefaultKafkaLagUnhealthyAfter":      {"kafkaLagUnhealthyAfter", d(DefaultKafkaLagUnhealthyAfter)},
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
