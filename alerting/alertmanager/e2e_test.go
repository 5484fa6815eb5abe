package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// shippedConfig is the example Alertmanager configuration users start from.
const shippedConfig = "../../deploy/alertmanager/alertmanager.yaml"

// receivers records the notifications a real Alertmanager sends, per
// receiver, in its webhook format.
type receivers struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]webhookMessage
}

type webhookMessage struct {
	Status string `json:"status"`
	Alerts []struct {
		Status string            `json:"status"`
		Labels map[string]string `json:"labels"`
	} `json:"alerts"`
}

func (r *receivers) notifications(name string) []webhookMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhookMessage(nil), r.got[name]...)
}

// alertmanagerRig runs the real Alertmanager with the shipped routing and
// inhibition; each receiver is a webhook to the test, and the timings are
// shortened so that a group is notified within a second.
func alertmanagerRig(t *testing.T) (string, *receivers) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a real Alertmanager; skipped with -short")
	}
	bin, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		if bin, err = exec.LookPath("alertmanager"); err != nil {
			t.Fatalf("Alertmanager is required (make test-deps installs Debian's prometheus-alertmanager): %v", err)
		}
	}
	rec := &receivers{got: map[string][]webhookMessage{}}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m webhookMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		name := strings.TrimPrefix(r.URL.Path, "/")
		rec.got[name] = append(rec.got[name], m)
	}))
	t.Cleanup(rec.srv.Close)

	b, err := os.ReadFile(shippedConfig)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(b, &cfg))
	delete(cfg["global"].(map[string]any), "slack_api_url_file")
	route := cfg["route"].(map[string]any)
	var fast func(r map[string]any)
	fast = func(r map[string]any) {
		delete(r, "group_wait")
		delete(r, "group_interval")
		delete(r, "repeat_interval")
		sub, _ := r["routes"].([]any)
		for _, s := range sub {
			fast(s.(map[string]any))
		}
	}
	fast(route)
	route["group_wait"], route["group_interval"], route["repeat_interval"] = "500ms", "1s", "1h"
	for _, r := range cfg["receivers"].([]any) {
		r := r.(map[string]any)
		name := r["name"].(string)
		for k := range r {
			if k != "name" {
				delete(r, k)
			}
		}
		if name != "null" {
			r["webhook_configs"] = []any{map[string]any{"url": rec.srv.URL + "/" + name, "send_resolved": true}}
		}
	}
	dir := t.TempDir()
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	file := filepath.Join(dir, "alertmanager.yml")
	require.NoError(t, os.WriteFile(file, out, 0o600))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--config.file="+file, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", logs.String())
		}
	})
	url := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 100*time.Millisecond, "alertmanager did not get ready")
	return url, rec
}

// post sends alerts as Prometheus would (its symptom rules) or as an
// operator creates a silence.
func post(t *testing.T, url string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, "POST %s", url)
}

// TestRealAlertmanager: flinkslo's alerts, through the shipped routing and
// inhibition of a real Alertmanager, reach each audience once: a tenant's
// failure its team, a page the platform on-call; a resolve ends it; a
// silence silences it; and the Prometheus symptom alert of a failure
// flinkslo already reported notifies nobody.
func TestRealAlertmanager(t *testing.T) {
	url, rec := alertmanagerRig(t)
	s, err := New(Options{URLs: []string{url}, RefreshInterval: time.Minute, Timeout: 5 * time.Second, Render: Render{EndsIn: 4 * time.Minute}})
	require.NoError(t, err)
	now := time.Now()
	send := func(n incident.Notification) {
		t.Helper()
		n.Lane = s.Fanout()[0]
		_, err := s.Send(context.Background(), n)
		require.NoError(t, err)
	}

	tenant := Notification()
	tenant.At, tenant.FailureTime, tenant.Opened = now, now, now
	send(tenant)
	// Prometheus sees the same job unhealthy: its symptom alert, same
	// route and job, is inhibited by flinkslo's.
	symptom := map[string]string{
		"alertname": "FlinkJobNotRunning", "alert_kind": "symptom", "route": "notify", "severity": "warning",
		"namespace": "checkout", "deployment": "cart", "job_name": "cart totals", "team": "checkout",
	}
	post(t, url+"/api/v2/alerts", []map[string]any{{"labels": symptom, "startsAt": now}})

	page := Notification()
	page.Key = incident.Key{JobRef: fleet.JobRef{Namespace: "payments", Deployment: "fraud", Job: "scorer"}, Category: "checkpoint_storage_access_denied"}
	page.Route, page.Team, page.At, page.FailureTime, page.Opened = fleet.Page, "risk", now, now, now
	send(page)

	// A silence for one job, then its failure.
	post(t, url+"/api/v2/silences", map[string]any{
		"matchers": []map[string]any{{"name": "job_name", "value": "nightly", "isRegex": false, "isEqual": true}},
		"startsAt": now.Add(-time.Minute), "endsAt": now.Add(time.Hour), "createdBy": "test", "comment": "maintenance",
	})
	silenced := Notification()
	silenced.Key.Job, silenced.At, silenced.FailureTime, silenced.Opened = "nightly", now, now, now
	send(silenced)

	require.Eventually(t, func() bool {
		return len(rec.notifications("checkout-slack")) >= 1 && len(rec.notifications("platform-pagerduty")) >= 1
	}, 15*time.Second, 100*time.Millisecond, "the team and the on-call were not notified")
	time.Sleep(3 * time.Second) // group_interval ×3: anything more would have come

	team := rec.notifications("checkout-slack")
	require.Len(t, team, 1, "the team hears of its failure once")
	require.Len(t, team[0].Alerts, 1)
	require.Equal(t, "FlinkJobFailure", team[0].Alerts[0].Labels["alertname"], "the symptom alert is inhibited")
	require.Equal(t, "cart totals", team[0].Alerts[0].Labels["job_name"])
	oncall := rec.notifications("platform-pagerduty")
	require.Len(t, oncall, 1, "the on-call is paged once")
	require.Equal(t, "fraud", oncall[0].Alerts[0].Labels["deployment"])
	require.Empty(t, rec.notifications("platform-slack"), "nothing reaches the platform channel")
	require.Empty(t, rec.notifications("risk-slack"), "a page does not also notify the team")

	// The job recovers: Prometheus resolves its symptom within an
	// evaluation, flinkslo its incident after resolveAfter.
	post(t, url+"/api/v2/alerts", []map[string]any{{"labels": symptom, "startsAt": now, "endsAt": time.Now()}})
	resolve := tenant
	resolve.Action, resolve.At = incident.Resolve, time.Now()
	send(resolve)
	require.Eventually(t, func() bool { return len(rec.notifications("checkout-slack")) >= 2 },
		15*time.Second, 100*time.Millisecond, "the resolve did not reach the team")
	time.Sleep(3 * time.Second)
	team = rec.notifications("checkout-slack")
	require.Len(t, team, 2, "after the resolve the team hears nothing more: %+v", team)
	require.Equal(t, "resolved", team[1].Status)
	require.Equal(t, "FlinkJobFailure", team[1].Alerts[0].Labels["alertname"])
	for _, m := range rec.notifications("checkout-slack") {
		for _, a := range m.Alerts {
			require.NotEqual(t, "nightly", a.Labels["job_name"], fmt.Sprintf("the silenced job was notified: %+v", m))
		}
	}
}
