package config

import (
	"os"
	"strings"
	"testing"
)

func TestRunnable(t *testing.T) {
	issue, err := os.ReadFile("testdata/issue-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error; none: runnable
	}{
		{"Slack routes without a Slack connection", string(issue), []string{
			"line 16: alerting.monitor.slack: posts to Slack, but alerting.slack has neither tokenEnv/tokenFile",
			"line 17: alerting.notify.slack: posts to Slack",
		}},
		{"a bot token setting", string(issue) + "  slack: { tokenEnv: SLACK_BOT_TOKEN }\n", nil},
		{"a webhook file setting", string(issue) + "  slack: { webhookURLFile: /run/secrets/slack-webhook }\n", nil},
		{"nothing to watch", "alerting: { notify: { slack: {} } }\n", []string{"nothing to watch", "line 1: alerting.notify.slack"}},
		{"discovery alone is something to watch", "kubernetes: {}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatalf("Load must accept what only run refuses: %v", err)
			}
			err = cfg.Runnable()
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("got %v, want runnable", err)
				}
				return
			}
			if err == nil {
				t.Fatal("runnable, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
