package alertmanager

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// Notification is a tenant failure on the notify route, as the router
// makes it.
func Notification() incident.Notification {
	return incident.Notification{
		Key:    incident.Key{JobRef: fleet.JobRef{Namespace: "checkout", Deployment: "cart", Job: "cart totals"}, Category: "user_code_exception"},
		Action: incident.Trigger, Route: fleet.Notify, Team: "checkout", JobID: "a1b2",
		Source: fleet.SourceFlinkREST, Exception: "java.lang.IllegalStateException",
		Excerpt:     "java.lang.IllegalStateException: bad config password=<redacted>\n\tat com.example.Cart.open",
		FailureTime: t0, At: t0.Add(time.Second), Opened: t0, Count: 1, Total: 1,
		Links: []incident.Link{
			{Text: incident.LinkFlinkUI, URL: "https://flink.example.com/checkout/cart/#/job/a1b2/overview"},
			{Text: incident.LinkRunbook, URL: "https://runbooks.example.com/user_code_exception"},
		},
		Decision: fleet.Decision{Reason: "IllegalStateException in the job's own code", Hint: "the owning team fixes the job", Rule: "user-code"},
	}
}

func testRender() Render {
	return Render{
		ExternalURL: "https://flinkslo.example.com/",
		Labels:      map[fleet.Route]map[string]string{fleet.Notify: {"cluster": "eu-1"}},
		EndsIn:      4 * time.Minute,
	}
}

// TestAlertsGolden: the alerts posted for each kind of notification, kept
// in testdata where a reviewer sees exactly what Alertmanager receives.
func TestAlertsGolden(t *testing.T) {
	trigger := Notification()
	refresh := trigger
	refresh.Action, refresh.At = incident.Refresh, t0.Add(3*time.Minute)
	resolve := trigger
	resolve.Action, resolve.At = incident.Resolve, t0.Add(20*time.Minute)
	escalated := trigger
	escalated.Key.Category = "tm_heartbeat_timeout"
	escalated.Key.Job = "cart"
	escalated.Route, escalated.EscalatedFrom, escalated.PastRoutes = fleet.Page, fleet.Monitor, []fleet.Route{fleet.Monitor}
	escalated.Links, escalated.Excerpt = nil, ""
	escalated.Decision = fleet.Decision{Reason: "TaskManager heartbeat timeouts keep repeating", Escalated: true}
	escalatedResolve := escalated
	escalatedResolve.Action, escalatedResolve.EscalatedFrom, escalatedResolve.At = incident.Resolve, "", t0.Add(time.Hour)
	for _, tc := range []struct {
		name string
		n    incident.Notification
	}{
		{"notify-trigger", trigger},
		{"notify-refresh", refresh},
		{"notify-resolve", resolve},
		{"page-escalated", escalated},
		{"page-escalated-resolve", escalatedResolve},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.MarshalIndent(testRender().Alerts(tc.n), "", "  ")
			require.NoError(t, err)
			golden(t, filepath.Join("testdata", tc.name+".golden.json"), got)
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	got = append(got, '\n')
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create it")
	if string(want) != string(got) {
		t.Errorf("%s differs (run with -update after checking):\ngot:\n%s", path, got)
	}
}

// TestRenderLabelsContract: the labels Alertmanager routes and inhibits on
// are all there, a route's own labels are added, and an empty namespace
// makes no label (Alertmanager drops empty labels) but a "-" in the link.
func TestRenderLabelsContract(t *testing.T) {
	a := testRender().Alerts(Notification())[0]
	require.Equal(t, map[string]string{
		"alertname": "FlinkJobFailure", "alert_kind": "failure", "route": "notify", "severity": "warning",
		"category": "user_code_exception", "namespace": "checkout", "deployment": "cart", "job_name": "cart totals",
		"team": "checkout", "cluster": "eu-1",
	}, a.Labels)
	require.Equal(t, "https://flinkslo.example.com/ui/jobs/checkout/cart/cart%20totals", a.GeneratorURL)
	require.Equal(t, t0.Add(time.Second+4*time.Minute), a.EndsAt, "a firing alert ends unless posted again")

	n := Notification()
	n.Key.Namespace = ""
	n.Route = fleet.Page
	a = Render{}.Alerts(n)[0]
	require.NotContains(t, a.Labels, "namespace")
	require.Equal(t, "critical", a.Labels["severity"])
	require.Empty(t, a.GeneratorURL, "no status page configured")
	require.True(t, a.EndsAt.IsZero())
	require.Equal(t, "https://x.example/ui/jobs/-/cart/cart%20totals", Render{ExternalURL: "https://x.example"}.jobPage(n.Key.JobRef))
}

// am is an Alertmanager API v2 stand-in: it records the alerts posted and
// answers with status (200 when 0).
type am struct {
	srv    *httptest.Server
	mu     sync.Mutex
	posts  [][]Alert
	status int
	header http.Header
}

func newAM(t *testing.T) *am {
	a := &am{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/prefix/api/v2/alerts" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "not an alerts post: "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var got []Alert
		if err := json.Unmarshal(b, &got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		a.header = r.Header.Clone()
		if a.status != 0 {
			w.Header().Set("Retry-After", "7")
			http.Error(w, "maintenance\nwindow", a.status)
			return
		}
		a.posts = append(a.posts, got)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *am) got() [][]Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([][]Alert(nil), a.posts...)
}

func (a *am) answer(status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.status = status
}

func newSink(t *testing.T, urls ...string) *Sink {
	t.Helper()
	s, err := New(Options{URLs: urls, RefreshInterval: time.Minute, Timeout: time.Second, Render: testRender()})
	require.NoError(t, err)
	return s
}

// TestSendToEachAlertmanager: every URL is a lane of its own, and Send
// posts to the one the router names, under the URL's path prefix.
func TestSendToEachAlertmanager(t *testing.T) {
	a, b := newAM(t), newAM(t)
	s := newSink(t, a.srv.URL+"/prefix", b.srv.URL+"/prefix/")
	require.Len(t, s.Fanout(), 2)
	require.NotEqual(t, s.Fanout()[0], s.Fanout()[1])
	require.Equal(t, time.Minute, s.RefreshInterval())

	n := Notification()
	n.Lane = s.Fanout()[1]
	_, err := s.Send(context.Background(), n)
	require.NoError(t, err)
	require.Empty(t, a.got())
	require.Len(t, b.got(), 1)
	require.Equal(t, "FlinkJobFailure", b.got()[0][0].Labels["alertname"])
	require.Equal(t, "flinkslo", b.header.Get("User-Agent"))

	n.Lane = s.Fanout()[0]
	_, err = s.Send(context.Background(), n)
	require.NoError(t, err)
	require.Len(t, a.got(), 1)

	n.Lane = "elsewhere"
	_, err = s.Send(context.Background(), n)
	require.True(t, incident.IsRejected(err))
}

// TestAnswers: what Alertmanager's answer means for the router; an error
// never names the URL (it may carry credentials).
func TestAnswers(t *testing.T) {
	a := newAM(t)
	s := newSink(t, a.srv.URL+"/prefix")
	n := Notification()
	n.Lane = s.Fanout()[0]

	a.answer(http.StatusServiceUnavailable)
	_, err := s.Send(context.Background(), n)
	require.Error(t, err)
	require.False(t, incident.IsRejected(err))
	require.Equal(t, 7*time.Second, incident.RetryAfterOf(err))
	require.Contains(t, err.Error(), "http 503: maintenance window")

	a.answer(http.StatusBadRequest)
	_, err = s.Send(context.Background(), n)
	require.True(t, incident.IsRejected(err), "a bad alert is refused again if retried")

	a.srv.Close()
	s = newSink(t, strings.Replace(a.srv.URL, "http://", "http://flinkslo:s3cret@", 1)+"/prefix")
	n.Lane = s.Fanout()[0]
	_, err = s.Send(context.Background(), n)
	require.Error(t, err)
	require.False(t, incident.IsRejected(err), "connection refused: retried")
	require.NotContains(t, err.Error(), "s3cret")
	require.NotContains(t, err.Error(), "/prefix")
	require.NotContains(t, n.Lane, "s3cret", "a lane is a label value")
}

// TestTimeoutIsUnconfirmed: a post that gets no answer may have arrived.
func TestTimeoutIsUnconfirmed(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	s, err := New(Options{URLs: []string{srv.URL}, RefreshInterval: time.Minute, Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	n := Notification()
	n.Lane = s.Fanout()[0]
	_, err = s.Send(context.Background(), n)
	require.True(t, incident.IsUnconfirmed(err), "%v", err)
}

func TestNewRefuses(t *testing.T) {
	for _, o := range []Options{
		{RefreshInterval: time.Minute},
		{URLs: []string{"http://am:9093"}},
		{URLs: []string{"am:9093"}, RefreshInterval: time.Minute},
	} {
		_, err := New(o)
		require.Error(t, err, "%+v", o)
	}
	s, err := New(Options{URLs: []string{"http://am:9093", "http://am:9093/other"}, RefreshInterval: time.Minute})
	require.NoError(t, err)
	require.Equal(t, []string{"am:9093", "am:9093#1"}, s.Fanout())
}

func TestDescribe(t *testing.T) {
	s := newSink(t, "http://am-0:9093", "http://am-1:9093")
	n := Notification()
	n.Action = incident.Resolve
	f := s.Describe(n)
	require.Equal(t, incident.Field{Key: "alert", Value: "resolved"}, f[0])
	require.Equal(t, incident.Field{Key: "alertmanagers", Value: "am-0:9093,am-1:9093"}, f[len(f)-1])
}
