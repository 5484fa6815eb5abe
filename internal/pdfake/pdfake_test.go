package pdfake

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/stretchr/testify/require"
)

const key = "0123456789abcdef0123456789abcdef"

func client(s *Server) *pd.Client {
	c := pd.NewClient("", pd.WithV2EventsAPIEndpoint(strings.TrimSuffix(s.URL(), EnqueuePath)))
	c.HTTPClient = &http.Client{Timeout: 2 * time.Second}
	return c
}

func trigger(dedup string) *pd.V2Event {
	return &pd.V2Event{RoutingKey: key, Action: "trigger", DedupKey: dedup,
		Payload: &pd.V2Payload{Summary: "s", Source: "ns/dep", Severity: "critical"}}
}

func TestAlertLifecycle(t *testing.T) {
	s := New()
	defer s.Close()
	c := client(s)
	ctx := context.Background()

	resp, err := c.ManageEventWithContext(ctx, trigger("a"))
	require.NoError(t, err)
	require.Equal(t, "a", resp.DedupKey)
	_, err = c.ManageEventWithContext(ctx, trigger("b"))
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, s.Open())

	_, err = c.ManageEventWithContext(ctx, &pd.V2Event{RoutingKey: key, Action: "resolve", DedupKey: "a"})
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, s.Open())
	require.Len(t, s.Events(), 3)
}

func TestRejectsInvalidEvents(t *testing.T) {
	s := New()
	defer s.Close()
	c := client(s)
	cases := []struct {
		name string
		e    *pd.V2Event
		want string
	}{
		{"short routing key", &pd.V2Event{RoutingKey: "x", Action: "trigger", Payload: trigger("").Payload}, "routing_key"},
		{"trigger without payload", &pd.V2Event{RoutingKey: key, Action: "trigger"}, "payload"},
		{"bad severity", &pd.V2Event{RoutingKey: key, Action: "trigger", Payload: &pd.V2Payload{Summary: "s", Source: "x", Severity: "high"}}, "severity"},
		{"resolve without dedup key", &pd.V2Event{RoutingKey: key, Action: "resolve"}, "dedup_key"},
		{"unknown action", &pd.V2Event{RoutingKey: key, Action: "page"}, "event_action"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ManageEventWithContext(context.Background(), tc.e)
			var apiErr pd.APIError
			require.True(t, errors.As(err, &apiErr), "got %v", err)
			require.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
		})
	}
	require.Empty(t, s.Events())
}

func TestFaults(t *testing.T) {
	s := New()
	defer s.Close()
	c := client(s)
	s.Inject(Fault{Status: 503}, Fault{Status: 429, RetryAfter: "3"}, Fault{CloseConn: true}, Fault{Hang: true})

	_, err := c.ManageEventWithContext(context.Background(), trigger("a"))
	var apiErr pd.APIError
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, 503, apiErr.StatusCode)

	_, err = c.ManageEventWithContext(context.Background(), trigger("a"))
	require.True(t, errors.As(err, &apiErr))
	require.True(t, apiErr.RateLimited())

	_, err = c.ManageEventWithContext(context.Background(), trigger("a"))
	require.Error(t, err, "closed connection")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.ManageEventWithContext(ctx, trigger("a"))
	require.Error(t, err, "hang")

	_, err = c.ManageEventWithContext(context.Background(), trigger("a"))
	require.NoError(t, err)
	require.Len(t, s.Events(), 1, "faulted requests are not recorded")
	require.Equal(t, 5, s.Requests())
}

func TestDownAndLost(t *testing.T) {
	s := New()
	defer s.Close()
	c := client(s)
	s.Down(Fault{Status: 500})
	for range 3 {
		_, err := c.ManageEventWithContext(context.Background(), trigger("a"))
		require.Error(t, err)
	}
	s.Up()
	s.Inject(Fault{Lost: true})
	_, err := c.ManageEventWithContext(context.Background(), trigger("a"))
	require.Error(t, err, "the answer is lost…")
	require.Len(t, s.Events(), 1, "…but the event was accepted")
	require.Equal(t, []string{"a"}, s.Open())
	require.False(t, s.Events()[0].Received.IsZero())
	require.Equal(t, 4, s.Requests())
}
