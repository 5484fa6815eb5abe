package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCheckConfigAgreesWithRun: for each configuration, check-config exits
// 0 exactly when `flinkslo run`, given the same environment, starts. Where
// the environment lacks a secret or file the configuration names, run
// refuses and check-config only warns, naming it: it may be there where
// run runs.
func TestCheckConfigAgreesWithRun(t *testing.T) {
	secrets := map[string]string{"PAGERDUTY_ROUTING_KEY": "pd-s3cr3t", "SLACK_BOT_TOKEN": "xoxb-s3cr3t", "FLINK_PASSWORD": "fl-s3cr3t"}
	tests := []struct {
		file string
		env  map[string]string
		// valid: check-config exits 0. run starts when valid and
		// envComplete; it refuses otherwise.
		valid       bool
		envComplete bool
		stdout      []string // substrings of check-config's stdout
		stderr      []string // substrings of check-config's stderr
	}{
		{"minimal.yaml", secrets, true, true, nil, nil},
		{"minimal.yaml", nil, true, false, []string{"PAGERDUTY_ROUTING_KEY is empty or unset", "SLACK_BOT_TOKEN is empty or unset", "2 warnings"}, nil},
		{"no-slack-connection.yaml", secrets, false, true, nil, []string{"line 7: alerting.monitor.slack: posts to Slack, but alerting.slack has neither", "line 8: alerting.notify.slack"}},
		{"short-interval.yaml", nil, true, true, nil, nil},
		{"undefined-team.yaml", nil, false, true, nil, []string{`line 3: targets[0].team: team "chekout" is not defined in teams (did you mean "checkout"?)`}},
		{"duplicate-url.yaml", nil, true, true, []string{"line 4: targets[1].url: same JobManager as targets[0] (line 3)"}, nil},
		{"broker-port.yaml", nil, false, true, nil, []string{`line 5: kafka.brokers[0]: "127.0.0.1:kafka": want host:port`}},
		{"label-selector.yaml", nil, false, true, nil, []string{"line 3: kubernetes.labelSelector"}},
		{"datadog-port.yaml", nil, false, true, nil, []string{"line 5: datadog.address"}},
		{"bad-rules-file.yaml", nil, false, true, nil, []string{"rules-bad.yaml:3", `route "urgent"`}},
		{"missing-rules-file.yaml", nil, true, false, []string{"line 5: classify.rulesFiles[0]: open /nonexistent/flinkslo/rules.yaml: no such file or directory: flinkslo run refuses to start"}, nil},
		{"kafka-password-file.yaml", nil, true, false, []string{"line 6: kafka.sasl.passwordFile: read secret file: open /nonexistent/kafka-password"}, nil},
		// Read at each scrape: the target is down, run still starts.
		{"target-password.yaml", nil, true, true, []string{"FLINK_PASSWORD is empty or unset: the targets it applies to are reported down"}, nil},
		{"slack-either.yaml", map[string]string{"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x"}, true, true, []string{"SLACK_BOT_TOKEN is empty or unset: the other Slack setting is used"}, nil},
		{"slack-either.yaml", nil, true, false, []string{"SLACK_BOT_TOKEN is empty or unset: flinkslo run refuses", "SLACK_WEBHOOK_URL is empty or unset: flinkslo run refuses"}, nil},
		{"nothing-to-watch.yaml", nil, false, true, nil, []string{"nothing to watch"}},
		{"datadog-events-without-datadog.yaml", nil, true, true, []string{"line 5: alerting.monitor.datadog: no datadog section"}, nil},
		{"pagerduty-severity.yaml", secrets, false, true, nil, []string{`"sev1": want critical, error, warning or info`}},
	}
	for _, tt := range tests {
		name := tt.file
		if !tt.envComplete {
			name += " without its secrets"
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "checkconfig", tt.file)
			code, out, errOut := runCLI(t, "", tt.env, "check-config", path)
			if got := code == 0; got != tt.valid {
				t.Errorf("check-config: exit %d, want valid=%v\nstdout: %s\nstderr: %s", code, tt.valid, out, errOut)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("check-config stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("check-config stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(out+errOut, "s3cr3t") {
				t.Errorf("check-config printed a secret:\n%s%s", out, errOut)
			}
			started, log := startRun(t, path, tt.env)
			if want := tt.valid && tt.envComplete; started != want {
				t.Errorf("run started=%v, want %v (check-config valid=%v, environment complete=%v); run's output:\n%s", started, want, tt.valid, tt.envComplete, log)
			}
		})
	}
}

// startRun runs `flinkslo run --config path` with env until it reports it
// has started, then stops it; or until it exits on its own, having refused
// to start, with flags added to the command line. It returns whether it
// started and what it wrote to stderr.
func startRun(t *testing.T, path string, env map[string]string, flags ...string) (started bool, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w := &startWatcher{cancel: cancel}
	code := run(ctx, append([]string{"run", "--config", path, "--web.listen-address", "127.0.0.1:0"}, flags...),
		strings.NewReader(""), io.Discard, w, func(k string) string { return env[k] })
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.started && code == 0 {
		t.Fatalf("run neither started nor refused within a minute:\n%s", w.b.String())
	}
	return w.started, w.b.String()
}

// startWatcher is run's stderr: it cancels the run once the start-up line
// is logged.
type startWatcher struct {
	mu      sync.Mutex
	b       strings.Builder
	started bool
	cancel  func()
}

func (w *startWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if !w.started && strings.Contains(w.b.String(), `msg="flinkslo started"`) {
		w.started = true
		w.cancel()
	}
	return len(p), nil
}
