package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type (
	slackSection = slack.SectionBlock
	slackHeader  = slack.HeaderBlock
)

// TestRenderGolden keeps the Block Kit of each kind of message in
// testdata, where a reviewer sees exactly what Slack receives.
func TestRenderGolden(t *testing.T) {
	page := notifyNotification()
	page.Route, page.SlackChannel, page.Key.Category = fleet.Page, "#flink-platform", "platform_code_exception"
	page.Reason, page.Hint, page.Rule = "NullPointerException thrown in Flink code", "platform on-call: check the Flink version and recent platform changes", "code-owner"
	page.Escalated = true
	page.Excerpt = "java.lang.NullPointerException: ```boom``` <!channel>\n\tat org.apache.flink.runtime.X.y(X.java:1)"
	health := notifyNotification()
	health.Route, health.Source, health.Key.Category = fleet.Page, fleet.SourceHealth, "job_unhealthy"
	health.Reason, health.Hint, health.Rule, health.Exception, health.Excerpt = "job is FAILED and no classified failure explains it", "look at the JobManager log", "health", "", ""
	health.Health = []string{"not_running", "checkpoints_stalled"}
	health.Note = "team checkout has no Slack channel (set teams.checkout.slackChannel); posted to the monitor channel"
	resolved := notifyNotification()
	resolved.Action, resolved.Total, resolved.At = incident.Resolve, 3, t0.Add(90*time.Minute)

	cases := []struct {
		name     string
		n        incident.Notification
		threaded bool
	}{
		{"notify-trigger", notifyNotification(), false},
		{"page-trigger-escaped", page, false},
		{"health-trigger-with-note", health, false},
		{"resolve-in-thread", resolved, true},
		{"resolve-without-thread", resolved, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := render(tc.n, tc.threaded)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(map[string]any{"text": m.text, "broadcast": m.broadcast, "blocks": m.blocks}); err != nil {
				t.Fatal(err)
			}
			got := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			path := filepath.Join("testdata", tc.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if string(want) != string(got)+"\n" {
				t.Errorf("render(%s) differs from %s (run with -update after checking):\ngot:\n%s", tc.name, path, got)
			}
		})
	}
}

func TestEscapingKeepsUserTextInert(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"mention", "<!channel> hi", "&lt;!channel&gt; hi"},
		{"link", "<https://evil|click>", "&lt;https://evil|click&gt;"},
		{"ampersand", "a & b", "a &amp; b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := esc(tc.in); got != tc.want {
				t.Fatalf("esc(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := codeSafe("x ``` y"); got != "x ''' y" {
		t.Fatalf("codeSafe = %q", got)
	}
}

func FuzzTrunc(f *testing.F) {
	f.Add("hello", 3)
	f.Add("héllo wörld", 2)
	f.Add("日本語", 4)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 1 || n > 1<<16 {
			return
		}
		got := trunc(s, n)
		if len(s) <= n && got != s {
			t.Fatalf("trunc(%q, %d) changed a short string to %q", s, n, got)
		}
		if len(got) > n+len("…") {
			t.Fatalf("trunc(%q, %d) = %q, too long", s, n, got)
		}
	})
}
