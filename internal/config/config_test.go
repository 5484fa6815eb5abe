package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadIssueExampleUnchanged(t *testing.T) {
	cfg, err := Load("testdata/issue-example.yaml")
	if err != nil {
		t.Fatalf("the foundation issue's example must load unchanged: %v", err)
	}
	if got := cfg.ScrapeInterval.D(); got != 5*time.Second {
		t.Errorf("scrapeInterval = %s, want 5s", got)
	}
	tg := cfg.Targets[0]
	if tg.Name != "orders-enrichment" || tg.Namespace != "checkout" || tg.Team != "checkout" || tg.URL != "http://127.0.0.1:18081" {
		t.Errorf("target = %+v", tg)
	}
	if got := tg.Kafka.ConsumerGroups; len(got) != 1 || got[0] != "orders-enrichment" {
		t.Errorf("consumer groups = %v", got)
	}
	if cfg.Teams["checkout"].SlackChannel != "#checkout-alerts" {
		t.Errorf("teams = %+v", cfg.Teams)
	}
	if pd := cfg.Alerting.Page.PagerDuty; pd == nil || pd.RoutingKeyEnv != "PAGERDUTY_ROUTING_KEY" || pd.Severity != DefaultPageSeverity {
		t.Errorf("page route = %+v", pd)
	}
	if s := cfg.Alerting.Notify.Slack; s == nil || s.Channel != "" {
		t.Errorf("notify route = %+v, want slack to the team's own channel", s)
	}
	if cfg.ScrapeTimeout.D() != DefaultScrapeTimeout || cfg.Classify.Escalation.Count != DefaultEscalationCount {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func TestLoadFullConfig(t *testing.T) {
	cfg, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Kubernetes == nil || cfg.Kubernetes.TeamKey != DefaultTeamKey || *cfg.Kubernetes.PodSignals {
		t.Errorf("kubernetes = %+v", cfg.Kubernetes)
	}
	if cfg.Datadog == nil || cfg.Datadog.Namespace != DefaultDatadogNamespace || *cfg.Datadog.Aggregation || !*cfg.Datadog.Events {
		t.Errorf("datadog = %+v", cfg.Datadog)
	}
	if a := cfg.Kafka.Clusters[0].SASL.AWS; a == nil || a.RoleARN == "" || a.RoleSessionName != DefaultAWSRoleSessionName {
		t.Errorf("kafka.clusters[0].sasl.aws = %+v, want roleARN and the default roleSessionName", a)
	}
	if cfg.Kafka.PollInterval.D() != 15*time.Second {
		t.Errorf("kafka.pollInterval = %s, want scrapeInterval", cfg.Kafka.PollInterval)
	}
	if !cfg.PerTaskManagerMetrics || cfg.DetailMaxTaskManagers != 48 {
		t.Errorf("perTaskManagerMetrics %v, detailMaxTaskManagers %d; want true and 48", cfg.PerTaskManagerMetrics, cfg.DetailMaxTaskManagers)
	}
}

func TestBadConfigsNameFieldAndLine(t *testing.T) {
	tests := []struct {
		file string
		want []string // substrings of the error
		not  []string // keys the user did not write, which it must not blame
	}{
		{"unknown-field.yaml", []string{"line 4", `unknown field "urll"`, `did you mean "url"`}, nil},
		{"bad-duration.yaml", []string{"line 1", "scrapeInterval", `invalid duration "fast"`}, nil},
		{"duplicate-target.yaml", []string{"line 4", "targets[1].name", "already defined by targets[0]"}, nil},
		{"secret-in-url.yaml", []string{"line 3", "targets[0].url", "credentials in the URL"}, nil},
		{"pagerduty-no-key.yaml", []string{"line 3", "alerting.page.pagerduty", "routingKeyEnv or routingKeyFile"}, nil},
		{"groups-without-brokers.yaml", []string{"line 4", "targets[0].kafka", "kafka.brokers"}, nil},
		{"bad-regex.yaml", []string{"line 3", "kafka.groups.allow[0]", "missing closing )"}, nil},
		{"bad-time-lag.yaml", []string{"line 3", "kafka.timeLag", `"exact": want auto, interpolate or record`}, nil},
		{"timeout-over-interval.yaml", []string{"line 2", "scrapeTimeout", "longer than scrapeInterval"}, nil},
		{"bad-channel.yaml", []string{"line 2", "teams.checkout.slackChannel"}, nil},
		{"bad-unknown-route.yaml", []string{"line 1", "classify.unknownRoute", `"pager"`}, nil},
		{"aws-role-arn.yaml", []string{"line 6", "kafka.sasl.aws.roleARN", "arn:aws:iam::<account>:role/<name>"}, nil},
		{"aws-region.yaml", []string{"line 5", "kafka.sasl.aws.region", `"Ireland"`}, nil},
		{"aws-without-msk-iam.yaml", []string{"line 9", "kafka.clusters[0].sasl.aws", "needs mechanism AWS_MSK_IAM"}, nil},
		{"aws-profile-with-keys.yaml", []string{"line 8", "kafka.sasl.aws.profile", "exclusive"}, nil},
		{"undefined-team.yaml", []string{"line 4: targets[0].team", `team "chekout" is not defined in teams (did you mean "checkout"?)`, "2 targets name it"}, []string{"targets[1]"}},
		{"team-without-teams.yaml", []string{"line 4: targets[0].team", "add teams.checkout with its slackChannel"}, nil},
		{"bad-indent-item.yaml", []string{"line 5: invalid YAML", "indentation"}, nil},
		{"bad-indent-key.yaml", []string{"line 4: invalid YAML", "indentation"}, nil},
		{"tab-indent.yaml", []string{"line 4: invalid YAML", "indented with a tab"}, nil},
		{"unclosed-quote.yaml", []string{"line 3: invalid YAML", "never closed"}, nil},
		{"negative-interval.yaml", []string{"line 1: scrapeInterval: must be positive"}, []string{"scrapeTimeout", "pollInterval"}},
		{"negative-poll.yaml", []string{"line 4: kafka.pollInterval: must be positive"}, []string{"scrapeInterval"}},
		{"bad-broker-port.yaml", []string{"line 4: kafka.brokers[1]", `"kafka-1:ninety"`, "port a number"}, []string{"brokers[0]"}},
		{"bad-label-selector.yaml", []string{"line 3: kubernetes.labelSelector"}, nil},
		{"bad-datadog-port.yaml", []string{"line 2: datadog.address", "port a number"}, nil},
		{"lease-shorter-than-default-deadline.yaml", []string{"line 2: kubernetes.leaderElection", "have leaseDuration 8s, renewDeadline 10s (default), retryPeriod 2s (default)"}, nil},
		{"detail-interval-short.yaml", []string{"line 2: detailInterval", "shorter than scrapeInterval 30s"}, nil},
		{"bad-detail-health.yaml", []string{"line 4: targets[0].stuckAfter: must not be negative", "line 6: health.checkpointHeadroomRatio", "(0, 1]"}, nil},
		{"per-taskmanager-not-bool.yaml", []string{"line 2", "perTaskManagerMetrics", "sometimes"}, nil},
		{"per-taskmanager-without-details.yaml", []string{"line 2: perTaskManagerMetrics", "detailInterval 0s", "line 3: detailMaxTaskManagers: must be at least 1, got -4"}, nil},
		{"bad-lease-name.yaml", []string{"line 4: kubernetes.leaderElection.leaseName", `"Flinkslo_Leader"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "bad", tt.file)
			_, err := Load(path)
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q names %q, which the file does not set", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "config "+path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestRequireTargets(t *testing.T) {
	cfg, err := Parse([]byte("classify: { unknownRoute: monitor }\n"))
	if err != nil {
		t.Fatalf("a config with only a classify section must parse (for flinkslo classify): %v", err)
	}
	if cfg.RequireTargets() == nil {
		t.Error("a config without targets or kubernetes must not be runnable")
	}
	cfg, _ = Parse([]byte("kubernetes: {}\n"))
	if err := cfg.RequireTargets(); err != nil {
		t.Errorf("kubernetes discovery alone is enough: %v", err)
	}
}

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	if err := os.WriteFile(file, []byte("s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KEY": "from-env"}
	getenv := func(k string) string { return env[k] }
	s, err := ReadSecret(getenv, "KEY", "")
	if err != nil || s.Reveal() != "from-env" {
		t.Fatalf("env secret = %q, %v", s.Reveal(), err)
	}
	s, err = ReadSecret(getenv, "", file)
	if err != nil || s.Reveal() != "s3cr3t" {
		t.Fatalf("file secret = %q, %v (trailing newline must be dropped)", s.Reveal(), err)
	}
	for _, shown := range []string{s.String(), s.GoString(), s.LogValue().String()} {
		if strings.Contains(shown, "s3cr3t") {
			t.Errorf("secret printed as %q", shown)
		}
	}
	if _, err := ReadSecret(getenv, "MISSING", ""); err == nil || strings.Contains(err.Error(), "from-env") {
		t.Errorf("unset env: err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/issue-example.yaml", "testdata/full.yaml", "testdata/bad/unknown-field.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("targets: [{name: a, url: 'http://a:1', kafka: {consumerGroups: ['']}}]"))
	f.Add([]byte("scrapeInterval: 1y\nhealth: {restartThreshold: -1}"))
	f.Add([]byte("targets:\n  - name: a\n    url: http://a:1\n  kafka: {}\n\t- x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
		// A syntax error names a line of the file.
		var se *SyntaxError
		if errors.As(err, &se) && se.Line > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("syntax error on line %d of a %d-line file: %v", se.Line, bytes.Count(data, []byte("\n"))+1, err)
		}
		if err == nil {
			_ = cfg.Runnable()
			_ = cfg.Warnings()
		}
	})
}
