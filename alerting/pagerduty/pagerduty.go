// Package pagerduty sends page-route incidents to PagerDuty's Events API v2
// with go-pagerduty: a trigger per incident with a stable dedup_key, and a
// resolve with the same routing key once the job has recovered. It does
// not retry (the router's queue does), but it tells the router which
// failures are worth retrying.
//
// Delivery guarantee: exactly one PagerDuty alert per incident. Events are
// sent at least once (a timeout or a crash sends again), and PagerDuty
// folds a repeated trigger or resolve of a dedup_key into the alert it
// already has. A trigger still undelivered when its incident resolves is
// not sent at all (SkipResolved), and neither is its resolve.
package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Route is one route's PagerDuty service.
type Route struct {
	RoutingKey config.Secret
	// Severity is critical, error, warning or info.
	Severity string
}

// Options configures a Sink.
type Options struct {
	// EventsURL is the full enqueue URL (default Events API v2 endpoint;
	// EU accounts and tests override it).
	EventsURL string
	// Routes maps each route that pages to its service.
	Routes map[fleet.Route]Route
	// Transport is the HTTP transport; http.DefaultTransport when nil.
	// Timeouts come from the context of each Send.
	Transport http.RoundTripper
}

// Sink sends notifications to PagerDuty.
type Sink struct {
	client *pd.Client
	routes map[fleet.Route]Route
	// dest names each route's routing key for the router's queues: the
	// first route (page, monitor, notify) that uses the key.
	dest map[fleet.Route]string
}

// New builds a sink; it does no I/O.
func New(o Options) (*Sink, error) {
	if o.EventsURL == "" {
		o.EventsURL = config.DefaultPagerDutyURL
	}
	if len(o.Routes) == 0 {
		return nil, errors.New("new pagerduty sink: no route has a routing key")
	}
	for r, rt := range o.Routes {
		if rt.RoutingKey.IsZero() {
			return nil, fmt.Errorf("new pagerduty sink: route %s has an empty routing key", r)
		}
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	// go-pagerduty appends /v2/enqueue to the endpoint it is given.
	base := strings.TrimSuffix(strings.TrimSuffix(o.EventsURL, "/"), "/v2/enqueue")
	c := pd.NewClient("", pd.WithV2EventsAPIEndpoint(base))
	c.HTTPClient = &http.Client{Transport: retryAfterTransport{o.Transport}}
	return &Sink{client: c, routes: o.Routes, dest: destinations(o.Routes)}, nil
}

func destinations(routes map[fleet.Route]Route) map[fleet.Route]string {
	byKey := map[string]string{}
	out := map[fleet.Route]string{}
	for _, r := range []fleet.Route{fleet.Page, fleet.Monitor, fleet.Notify} {
		rt, ok := routes[r]
		if !ok {
			continue
		}
		k := rt.RoutingKey.Reveal()
		if _, seen := byKey[k]; !seen {
			byKey[k] = string(r)
		}
		out[r] = byKey[k]
	}
	return out
}

// Destination is n's routing key, named after the first route using it:
// PagerDuty's rate limit is per routing key.
func (s *Sink) Destination(n incident.Notification) string {
	if d, ok := s.dest[n.Route]; ok {
		return d
	}
	return string(n.Route)
}

// Pacing keeps each routing key under the Events API's 120 events a
// minute, with a burst for a wave of pages.
func (s *Sink) Pacing(string) incident.Pacing {
	return incident.Pacing{PerSecond: 2, Burst: 10, InFlight: 4}
}

// SkipResolved reports that a page that could not be delivered before its
// incident resolved is not sent late; the platform channel has the record
// of it.
func (s *Sink) SkipResolved() bool { return true }

// Accepts what PagerDuty gets: triggers, reminders (a re-trigger reopens an
// alert someone resolved by hand while the job still fails) and resolves.
// Grouped repeats stay out: PagerDuty already counts them on the alert.
func (s *Sink) Accepts(a incident.Action) bool {
	return a == incident.Trigger || a == incident.Remind || a == incident.Resolve
}

// Send posts the event(s) for n. A resolve goes to every routing key the
// incident was triggered with: PagerDuty drops a resolve sent with another.
func (s *Sink) Send(ctx context.Context, n incident.Notification) (incident.Receipt, error) {
	for _, e := range s.events(n) {
		if err := s.post(ctx, e); err != nil {
			return incident.Receipt{}, fmt.Errorf("send %s of %s to pagerduty: %w", e.Action, n.Key, err)
		}
	}
	return incident.Receipt{}, nil
}

func (s *Sink) post(ctx context.Context, e *pd.V2Event) error {
	var after time.Duration
	ctx = context.WithValue(ctx, retryAfterKey{}, &after)
	_, err := s.client.ManageEventWithContext(ctx, e)
	if err == nil {
		return nil
	}
	var apiErr pd.APIError
	if !errors.As(err, &apiErr) {
		return err // network error or timeout: retry
	}
	switch code := apiErr.StatusCode; {
	case code == http.StatusTooManyRequests:
		return incident.RetryAfter(err, after)
	case code == http.StatusRequestTimeout || code >= 500:
		return incident.RetryAfter(err, after)
	default:
		return incident.Reject(err)
	}
}

// events builds the events for n: one per distinct routing key.
func (s *Sink) events(n incident.Notification) []*pd.V2Event {
	routes := []fleet.Route{n.Route}
	if n.Action == incident.Resolve {
		routes = append(routes, n.PastRoutes...)
	}
	seen := map[string]bool{}
	var out []*pd.V2Event
	for _, r := range routes {
		rt, ok := s.routes[r]
		if !ok || seen[rt.RoutingKey.Reveal()] {
			continue
		}
		seen[rt.RoutingKey.Reveal()] = true
		out = append(out, event(n, rt))
	}
	return out
}

// Describe says what Send would post, for --alerting.dry-run. The routing
// key is a secret and is left out.
func (s *Sink) Describe(n incident.Notification) []incident.Field {
	var out []incident.Field
	for _, e := range s.events(n) {
		out = append(out,
			incident.Field{Key: "event_action", Value: e.Action},
			incident.Field{Key: "dedup_key", Value: e.DedupKey})
		if p := e.Payload; p != nil {
			out = append(out,
				incident.Field{Key: "severity", Value: p.Severity},
				incident.Field{Key: "summary", Value: p.Summary})
		}
	}
	return out
}

// event renders one Events v2 event.
func event(n incident.Notification, rt Route) *pd.V2Event {
	e := &pd.V2Event{
		RoutingKey: rt.RoutingKey.Reveal(),
		Action:     "trigger",
		DedupKey:   n.Key.DedupKey(),
		Client:     "flinkslo",
	}
	if n.Action == incident.Resolve {
		e.Action = "resolve"
		return e
	}
	ts := n.FailureTime
	if ts.IsZero() {
		ts = n.At
	}
	e.Payload = &pd.V2Payload{
		Summary:   truncate(n.Summary(), 1024),
		Source:    n.Key.Target(),
		Severity:  rt.Severity,
		Timestamp: ts.UTC().Format(time.RFC3339Nano),
		Component: n.Key.Job,
		Group:     n.Team,
		Class:     n.Key.Category,
		Details:   details(n),
	}
	for _, l := range n.Links {
		e.Links = append(e.Links, map[string]string{"href": l.URL, "text": l.Text})
	}
	return e
}

// details are the custom_details: what the on-call needs to act without
// opening another tool. Empty values are left out.
func details(n incident.Notification) map[string]any {
	d := map[string]any{
		"route":       string(n.Route),
		"category":    n.Key.Category,
		"namespace":   n.Key.Namespace,
		"deployment":  n.Key.Deployment,
		"job":         n.Key.Job,
		"job_id":      n.JobID,
		"team":        n.Team,
		"what":        n.What(),
		"reason":      n.Reason,
		"hint":        n.Hint,
		"rule":        n.Rule,
		"root_cause":  n.Root,
		"message":     n.Message,
		"exception":   n.Exception,
		"task":        n.TaskName,
		"excerpt":     n.Excerpt,
		"occurrences": n.Total,
		"source":      string(n.Source),
	}
	if len(n.Health) > 0 {
		d["unhealthy_reasons"] = strings.Join(n.Health, ", ")
	}
	if n.Culprit != "" {
		d["culprit"], d["culprit_owner"] = n.Culprit, n.CulpritOwner
	}
	if n.Escalated {
		d["escalated"] = true
	}
	if n.EscalatedFrom != "" {
		d["escalated_from"] = string(n.EscalatedFrom)
	}
	if !n.Opened.IsZero() {
		d["opened"] = n.Opened.UTC().Format(time.RFC3339)
	}
	for k, v := range d {
		if v == "" || v == 0 {
			delete(d, k)
		}
	}
	return d
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
