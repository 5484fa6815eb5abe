package pagerduty

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/pdfake"
)

const (
	pageKey    = "PAGEKEY0PAGEKEY0PAGEKEY0PAGEKEY0"
	monitorKey = "MONKEY00MONKEY00MONKEY00MONKEY00"
)

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func newSink(t *testing.T, s *pdfake.Server) *Sink {
	t.Helper()
	sink, err := New(Options{EventsURL: s.URL(), Routes: map[fleet.Route]Route{fleet.Page: {RoutingKey: config.NewSecret(pageKey), Severity: "critical"}, fleet.Monitor: {RoutingKey: config.NewSecret(monitorKey), Severity: "warning"}}})
	require.NoError(t, err)
	return sink
}

func pageNotification() incident.Notification {
	return incident.Notification{
		Key:    incident.Key{JobRef: fleet.JobRef{Namespace: "orders", Deployment: "orders-enrichment", Job: "orders-enrichment"}, Category: "platform_code_exception"},
		Action: incident.Trigger, Route: fleet.Page, Team: "checkout", JobID: "a1b2",
		Source: fleet.SourceFlinkREST, Exception: "java.lang.NullPointerException", Excerpt: "java.lang.NullPointerException\n\tat org.apache.flink.X",
		FailureTime: t0, At: t0.Add(time.Second), Opened: t0, Count: 1, Total: 1,
		Links:    []incident.Link{{Text: "Runbook", URL: "https://runbooks.example.com/platform_code_exception"}},
		Decision: fleet.Decision{Reason: "NullPointerException in Flink code", Hint: "page the platform on-call", Rule: "code-owner"},
	}
}

func TestTriggerPayload(t *testing.T) {
	s := pdfake.New()
	defer s.Close()
	_, err := newSink(t, s).Send(context.Background(), pageNotification())
	require.NoError(t, err)

	got := s.Events()
	want := []pdfake.Event{{
		RoutingKey: pageKey, Action: "trigger",
		DedupKey: "flinkslo/orders/orders-enrichment/orders-enrichment/platform_code_exception",
		Client:   "flinkslo",
		Payload: &pdfake.Payload{
			Summary:   "PAGE: orders/orders-enrichment platform_code_exception: NullPointerException in Flink code",
			Source:    "orders/orders-enrichment",
			Severity:  "critical",
			Timestamp: "2025-03-01T10:00:00Z",
			Component: "orders-enrichment",
			Group:     "checkout",
			Class:     "platform_code_exception",
			Details: map[string]any{
				"route": "page", "category": "platform_code_exception", "namespace": "orders",
				"deployment": "orders-enrichment", "job": "orders-enrichment", "job_id": "a1b2", "team": "checkout",
				"what": "job failed", "reason": "NullPointerException in Flink code", "hint": "page the platform on-call",
				"rule": "code-owner", "exception": "java.lang.NullPointerException",
				"excerpt":     "java.lang.NullPointerException\n\tat org.apache.flink.X",
				"occurrences": float64(1), "source": "flink_rest", "opened": "2025-03-01T10:00:00Z",
			},
		},
		Links: []pdfake.Link{{Href: "https://runbooks.example.com/platform_code_exception", Text: "Runbook"}},
	}}
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(pdfake.Event{}, "Received")); d != "" {
		t.Fatalf("events (-want +got):\n%s", d)
	}
	require.Equal(t, []string{want[0].DedupKey}, s.Open())
}

func TestResolveReachesEveryKeyTheIncidentUsed(t *testing.T) {
	s := pdfake.New()
	defer s.Close()
	sink := newSink(t, s)
	ctx := context.Background()

	// A monitor incident that escalated to a page was triggered on both
	// services; the resolve must close both alerts.
	n := pageNotification()
	n.Route = fleet.Monitor
	_, err := sink.Send(ctx, n)
	require.NoError(t, err)
	n.Route, n.EscalatedFrom = fleet.Page, fleet.Monitor
	_, err = sink.Send(ctx, n)
	require.NoError(t, err)
	require.Len(t, s.Open(), 2)

	n.Action, n.EscalatedFrom, n.PastRoutes = incident.Resolve, "", []fleet.Route{fleet.Monitor}
	_, err = sink.Send(ctx, n)
	require.NoError(t, err)
	require.Empty(t, s.Open())

	ev := s.Events()
	require.Len(t, ev, 4)
	for _, e := range ev[2:] {
		require.Equal(t, "resolve", e.Action)
		require.Nil(t, e.Payload, "a resolve carries no payload")
		require.Equal(t, ev[0].DedupKey, e.DedupKey)
	}
	require.ElementsMatch(t, []string{pageKey, monitorKey}, []string{ev[2].RoutingKey, ev[3].RoutingKey})
}

func TestErrorsSayWhetherToRetry(t *testing.T) {
	cases := []struct {
		name       string
		fault      pdfake.Fault
		rejected   bool
		retryAfter time.Duration
	}{
		{name: "server error is retried", fault: pdfake.Fault{Status: 500}},
		{name: "rate limit honours Retry-After", fault: pdfake.Fault{Status: 429, RetryAfter: "7"}, retryAfter: 7 * time.Second},
		{name: "bad request is not retried", fault: pdfake.Fault{Status: 400}, rejected: true},
		{name: "forbidden is not retried", fault: pdfake.Fault{Status: 403}, rejected: true},
		{name: "closed connection is retried", fault: pdfake.Fault{CloseConn: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := pdfake.New()
			defer s.Close()
			s.Inject(tc.fault)
			_, err := newSink(t, s).Send(context.Background(), pageNotification())
			require.Error(t, err)
			require.Equal(t, tc.rejected, incident.IsRejected(err), "rejected: %v", err)
			require.Equal(t, tc.retryAfter, incident.RetryAfterOf(err))
			require.NotContains(t, err.Error(), pageKey, "the routing key is a secret")
		})
	}
}

func TestHangingEndpointEndsWithTheContext(t *testing.T) {
	s := pdfake.New()
	defer s.Close()
	s.Inject(pdfake.Fault{Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := newSink(t, s).Send(ctx, pageNotification())
	require.Error(t, err)
	require.False(t, incident.IsRejected(err))
}

func TestEventsURLWithoutEnqueuePathIsABase(t *testing.T) {
	s := pdfake.New()
	defer s.Close()
	sink, err := New(Options{EventsURL: strings.TrimSuffix(s.URL(), "/v2/enqueue") + "/", Routes: map[fleet.Route]Route{fleet.Page: {RoutingKey: config.NewSecret(pageKey), Severity: "error"}}})
	require.NoError(t, err)
	_, err = sink.Send(context.Background(), pageNotification())
	require.NoError(t, err)
	require.Len(t, s.Events(), 1)
}

func TestDescribeLeavesOutTheRoutingKey(t *testing.T) {
	s := pdfake.New()
	defer s.Close()
	fields := newSink(t, s).Describe(pageNotification())
	require.Equal(t, []incident.Field{
		{Key: "event_action", Value: "trigger"},
		{Key: "dedup_key", Value: "flinkslo/orders/orders-enrichment/orders-enrichment/platform_code_exception"},
		{Key: "severity", Value: "critical"},
		{Key: "summary", Value: "PAGE: orders/orders-enrichment platform_code_exception: NullPointerException in Flink code"},
	}, fields)
	for _, f := range fields {
		require.NotContains(t, f.Value, pageKey)
	}
	require.Zero(t, s.Requests(), "describing sends nothing")
}

func TestAccepts(t *testing.T) {
	s := &Sink{}
	got := map[incident.Action]bool{}
	for _, a := range incident.Actions {
		got[a] = s.Accepts(a)
	}
	require.Equal(t, map[incident.Action]bool{
		incident.Trigger: true, incident.Remind: true, incident.Resolve: true,
		incident.Repeat: false, incident.Occurrence: false,
	}, got)
}

// Each routing key is a destination of its own, named after its first
// route, never after the key.
func TestDestinationIsTheRoutingKey(t *testing.T) {
	page := Route{RoutingKey: config.NewSecret(pageKey), Severity: "critical"}
	cases := []struct {
		name   string
		routes map[fleet.Route]Route
		want   map[fleet.Route]string
	}{
		{"a key per route", map[fleet.Route]Route{fleet.Page: page, fleet.Monitor: {RoutingKey: config.NewSecret(monitorKey)}},
			map[fleet.Route]string{fleet.Page: "page", fleet.Monitor: "monitor"}},
		{"one key for two routes", map[fleet.Route]Route{fleet.Page: page, fleet.Monitor: page},
			map[fleet.Route]string{fleet.Page: "page", fleet.Monitor: "page"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sink, err := New(Options{Routes: tc.routes})
			require.NoError(t, err)
			for route, want := range tc.want {
				n := pageNotification()
				n.Route = route
				require.Equal(t, want, sink.Destination(n))
			}
			require.True(t, sink.SkipResolved(), "a page that is over is not sent late")
			require.Equal(t, incident.Pacing{PerSecond: 2, Burst: 10, InFlight: 4}, sink.Pacing("page"), "under the Events API's 120 a minute per key")
		})
	}
}

// A trigger whose answer was lost is sent again: PagerDuty folds it into
// the alert it has, so the incident pages once.
func TestARepeatedTriggerIsOneAlert(t *testing.T) {
	s := pdfake.New()
	defer s.Close()
	sink := newSink(t, s)
	s.Inject(pdfake.Fault{Lost: true})
	_, err := sink.Send(context.Background(), pageNotification())
	require.Error(t, err)
	require.False(t, incident.IsRejected(err))
	_, err = sink.Send(context.Background(), pageNotification())
	require.NoError(t, err)
	require.Len(t, s.Events(), 2)
	require.Equal(t, []string{"flinkslo/orders/orders-enrichment/orders-enrichment/platform_code_exception"}, s.Open())
}
