package webhook

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"flag"
	"fmt"
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

	"github.com/flinkslo/flinkslo/alerting/alertmanager"
	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

const secret = "hmac-test-secret-0123456789"

func notification() incident.Notification {
	return incident.Notification{
		Key:    incident.Key{JobRef: fleet.JobRef{Namespace: "checkout", Deployment: "cart", Job: "cart"}, Category: "user_code_exception"},
		Action: incident.Trigger, Route: fleet.Notify, Team: "checkout", JobID: "a1b2",
		Excerpt: "java.lang.IllegalStateException: token=<redacted>", FailureTime: t0, At: t0.Add(time.Second), Opened: t0, Count: 1, Total: 1,
		Links:    []incident.Link{{Text: incident.LinkRunbook, URL: "https://runbooks.example.com/user_code_exception"}},
		Decision: fleet.Decision{Reason: "IllegalStateException in the job's own code", Hint: "the owning team fixes the job"},
	}
}

func newSink(t *testing.T, url string, signed bool) *Sink {
	t.Helper()
	rt := Route{URL: config.NewSecret(url)}
	if signed {
		rt.Secret = config.NewSecret(secret)
	}
	s, err := New(Options{
		Routes:  map[fleet.Route]Route{fleet.Notify: rt, fleet.Page: rt},
		Render:  alertmanager.Render{ExternalURL: "https://flinkslo.example.com", EndsIn: time.Hour},
		Timeout: time.Second,
	})
	require.NoError(t, err)
	return s
}

// TestPayloadGolden: the version 4 payloads, kept in testdata where a
// reviewer sees exactly what a receiver gets.
func TestPayloadGolden(t *testing.T) {
	s := newSink(t, "http://receiver.invalid/hook", false)
	trigger := notification()
	remind := trigger
	remind.Action, remind.At, remind.Total = incident.Remind, t0.Add(4*time.Hour), 3
	resolve := trigger
	resolve.Action, resolve.At = incident.Resolve, t0.Add(20*time.Minute)
	escalated := trigger
	escalated.Route, escalated.EscalatedFrom, escalated.PastRoutes = fleet.Page, fleet.Notify, []fleet.Route{fleet.Notify}
	for _, tc := range []struct {
		name string
		n    incident.Notification
	}{
		{"trigger", trigger},
		{"remind", remind},
		{"resolve", resolve},
		{"escalated", escalated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.MarshalIndent(s.Payload(tc.n), "", "  ")
			require.NoError(t, err)
			path := filepath.Join("testdata", tc.name+".golden.json")
			got = append(got, '\n')
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			require.Equal(t, string(want), string(got), "%s differs (run with -update after checking)", path)
		})
	}
}

// TestPayloadIsAlertmanagers: the payload decodes into Alertmanager's own
// webhook message shape (field names and types of
// github.com/prometheus/alertmanager/notify/webhook.Message, version 4).
func TestPayloadIsAlertmanagers(t *testing.T) {
	var m struct {
		Version           string            `json:"version"`
		GroupKey          string            `json:"groupKey"`
		TruncatedAlerts   uint64            `json:"truncatedAlerts"`
		Status            string            `json:"status"`
		Receiver          string            `json:"receiver"`
		GroupLabels       map[string]string `json:"groupLabels"`
		CommonLabels      map[string]string `json:"commonLabels"`
		CommonAnnotations map[string]string `json:"commonAnnotations"`
		ExternalURL       string            `json:"externalURL"`
		Alerts            []struct {
			Status       string            `json:"status"`
			Labels       map[string]string `json:"labels"`
			Annotations  map[string]string `json:"annotations"`
			StartsAt     time.Time         `json:"startsAt"`
			EndsAt       time.Time         `json:"endsAt"`
			GeneratorURL string            `json:"generatorURL"`
			Fingerprint  string            `json:"fingerprint"`
		} `json:"alerts"`
	}
	s := newSink(t, "http://receiver.invalid/hook", false)
	b, err := json.Marshal(s.Payload(notification()))
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&m))
	require.Equal(t, "4", m.Version)
	require.Equal(t, "firing", m.Status)
	require.Len(t, m.Alerts, 1)
	require.True(t, m.Alerts[0].EndsAt.IsZero(), "a firing alert has no end, as Alertmanager sends it")
	require.Len(t, m.Alerts[0].Fingerprint, 16)
	require.Equal(t, "FlinkJobFailure", m.CommonLabels["alertname"])
	require.Equal(t, "https://flinkslo.example.com/ui/jobs/checkout/cart/cart", m.Alerts[0].GeneratorURL)
}

type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []posted
}

type posted struct {
	body []byte
	sig  string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, posted{b, req.Header.Get(SignatureHeader)})
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) posts() []posted {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]posted(nil), r.got...)
}

// TestSignature: with a secret, the receiver can check each body with the
// secret it shares; without one there is no header.
func TestSignature(t *testing.T) {
	rcv := newReceiver(t)
	_, err := newSink(t, rcv.srv.URL, true).Send(context.Background(), notification())
	require.NoError(t, err)
	_, err = newSink(t, rcv.srv.URL, false).Send(context.Background(), notification())
	require.NoError(t, err)
	got := rcv.posts()
	require.Len(t, got, 2)
	require.True(t, strings.HasPrefix(got[0].sig, "sha256="))
	require.True(t, hmac.Equal([]byte(Sign(secret, got[0].body)), []byte(got[0].sig)), "the signature is HMAC-SHA256 of the body")
	require.False(t, hmac.Equal([]byte(Sign("another secret", got[0].body)), []byte(got[0].sig)))
	require.NotContains(t, string(got[0].body), secret)
	require.Empty(t, got[1].sig)
	// A known vector, so that receivers in other languages can check theirs.
	require.Equal(t, "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", Sign("key", []byte("The quick brown fox jumps over the lazy dog")))
}

// TestSecretsStayOut: neither the URL (it may carry a token) nor the HMAC
// secret is in an error or a dry-run line.
func TestSecretsStayOut(t *testing.T) {
	rcv := newReceiver(t)
	url := rcv.srv.URL + "/hooks/T0KEN-in-the-path"
	rcv.srv.Close()
	s := newSink(t, url, true)
	_, err := s.Send(context.Background(), notification())
	require.Error(t, err)
	require.False(t, incident.IsRejected(err))
	require.NotContains(t, err.Error(), "T0KEN")
	line := fmt.Sprint(s.Describe(notification()))
	require.NotContains(t, line, "T0KEN")
	require.NotContains(t, line, secret)
	require.Contains(t, line, "{signed true}")
}

// TestAnswers: a receiver's refusal is not retried; its overload is.
func TestAnswers(t *testing.T) {
	status := http.StatusTooManyRequests
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(status)
	}))
	defer srv.Close()
	s := newSink(t, srv.URL, false)
	_, err := s.Send(context.Background(), notification())
	require.Equal(t, 3*time.Second, incident.RetryAfterOf(err))
	require.False(t, incident.IsRejected(err))
	status = http.StatusUnauthorized
	_, err = s.Send(context.Background(), notification())
	require.True(t, incident.IsRejected(err))

	n := notification()
	n.Route = fleet.Monitor
	_, err = s.Send(context.Background(), n)
	require.True(t, incident.IsRejected(err), "no webhook for the monitor route")
	require.False(t, s.Accepts(incident.Repeat))
	require.False(t, s.Accepts(incident.Refresh))
}
