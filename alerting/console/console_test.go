package console

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// day is a day of an incident's life as the console shows it.
func day() []incident.Notification {
	page := incident.Notification{
		Key:    incident.Key{JobRef: fleet.JobRef{Namespace: "orders", Deployment: "orders-enrichment", Job: "orders-enrichment"}, Category: "platform_code_exception"},
		Action: incident.Trigger, Route: fleet.Page, Team: "orders",
		At: t0, Opened: t0, Count: 1, Total: 1, SlackChannel: "#flink-platform",
		Destinations: []string{"pagerduty", "slack #flink-platform"},
		Links:        []incident.Link{{Text: "Runbook", URL: "https://runbooks.example.com/platform_code_exception"}},
		Decision:     fleet.Decision{Reason: "NullPointerException in Flink code", Hint: "platform on-call: check recent platform changes"},
	}
	repeat := page
	repeat.Action, repeat.Count, repeat.Total, repeat.Window, repeat.At = incident.Repeat, 3, 4, 5*time.Minute, t0.Add(5*time.Minute)
	remind := page
	remind.Action, remind.Total, remind.At = incident.Remind, 9, t0.Add(4*time.Hour)
	resolve := page
	resolve.Action, resolve.Total, resolve.At = incident.Resolve, 9, t0.Add(5*time.Hour)
	notify := incident.Notification{
		Key:    incident.Key{JobRef: fleet.JobRef{Namespace: "checkout", Deployment: "cart", Job: "cart"}, Category: "sql_validation_error"},
		Action: incident.Trigger, Route: fleet.Notify, Team: "checkout", At: t0, Count: 1, Total: 1,
		SlackChannel: "#flink-platform", Note: "team checkout has no Slack channel; posted to the monitor channel",
		Destinations: []string{"slack #flink-platform"},
		Decision:     fleet.Decision{Reason: `Column 'user_id' not found in table "carts"`, Hint: "fix the query"},
	}
	health := incident.Notification{
		Key:    incident.Key{JobRef: fleet.JobRef{Namespace: "risk", Deployment: "scoring", Job: "scoring"}, Category: "job_unhealthy"},
		Action: incident.Trigger, Route: fleet.Monitor, Source: fleet.SourceHealth, Team: "risk", At: t0,
		Health: []string{"checkpoints_stalled"}, Count: 1, Total: 1, Destinations: []string{"slack #flink-platform", "datadog event"},
		Decision: fleet.Decision{Reason: "checkpoints stalled and no classified failure explains it"},
	}
	escalated := health
	escalated.Route, escalated.EscalatedFrom, escalated.Health = fleet.Page, fleet.Monitor, []string{"not_running", "checkpoints_stalled"}
	return []incident.Notification{page, repeat, remind, resolve, notify, health, escalated}
}

func TestLinesGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		asJSON bool
	}{{"human", false}, {"json", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := New(&buf, tc.asJSON)
			for _, n := range day() {
				_, err := s.Send(context.Background(), n)
				require.NoError(t, err)
			}
			golden(t, filepath.Join("testdata", tc.name+".golden"), buf.Bytes())
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			require.Len(t, lines, len(day()), "one line per notification")
			if tc.asJSON {
				for _, l := range lines {
					var m map[string]any
					require.NoError(t, json.Unmarshal([]byte(l), &m), "each line is a JSON object: %s", l)
				}
			}
		})
	}
}

func TestHumanLineShape(t *testing.T) {
	var buf bytes.Buffer
	_, err := New(&buf, false).Send(context.Background(), day()[0])
	require.NoError(t, err)
	require.Equal(t, `PAGE    orders/orders-enrichment job=orders-enrichment category=platform_code_exception reason="NullPointerException in Flink code" hint="platform on-call: check recent platform changes" team=orders to="pagerduty, slack #flink-platform" runbook=https://runbooks.example.com/platform_code_exception`+"\n", buf.String())
}

type fakeReal struct{}

func (fakeReal) Accepts(a incident.Action) bool { return a == incident.Trigger }
func (fakeReal) Describe(n incident.Notification) []incident.Field {
	return []incident.Field{{Key: "dedup_key", Value: n.Key.DedupKey()}}
}

func TestDryRun(t *testing.T) {
	var buf bytes.Buffer
	d := NewDryRun(New(&buf, false), "pagerduty", fakeReal{})
	require.True(t, d.Accepts(incident.Trigger))
	require.False(t, d.Accepts(incident.Repeat), "a dry run takes what the real sink takes")
	_, err := d.Send(context.Background(), day()[0])
	require.NoError(t, err)
	require.Equal(t, "DRY-RUN pagerduty PAGE    orders/orders-enrichment job=orders-enrichment category=platform_code_exception event=trigger dedup_key=flinkslo/orders/orders-enrichment/orders-enrichment/platform_code_exception team=orders hint=\"platform on-call: check recent platform changes\"\n", buf.String())
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a b", `say "hi"`, "k=v", "tab\there", "ünïcode", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		q := quote(v)
		if strings.ContainsAny(q, " \n") && !strings.HasPrefix(q, `"`) {
			t.Fatalf("quote(%q) = %q: a bare value must not split the line", v, q)
		}
	})
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create %s", path)
	if !bytes.Equal(want, got) {
		t.Errorf("output differs from %s (run with -update after checking):\n%s", path, got)
	}
}
