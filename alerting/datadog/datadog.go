// Package datadog sends every classified failure, and every recovery, as a
// DogStatsD event, so that Datadog users see failures in the Event Explorer
// next to the flinkslo metrics and can build event monitors on them. Events
// of one incident share an aggregation key, so Datadog rolls them up.
package datadog

import (
	"context"
	"fmt"
	"strings"

	"github.com/DataDog/datadog-go/v5/statsd"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// EventSender sends a DogStatsD event; *statsd.Client is one. main builds
// one client and shares it with the metrics emitter.
type EventSender interface {
	Event(*statsd.Event) error
}

// Datadog's event limits.
const (
	maxTitle = 100
	maxText  = 4000
)

// Sink sends notifications as DogStatsD events.
type Sink struct{ s EventSender }

// New returns a sink sending through s.
func New(s EventSender) *Sink { return &Sink{s: s} }

// Transient reports that DogStatsD events go over UDP unacknowledged, so
// there is nothing to resume after a restart (at most once).
func (d *Sink) Transient() bool { return true }

// Accepts single occurrences, ungrouped (Datadog aggregates them by key),
// and resolves.
func (d *Sink) Accepts(a incident.Action) bool {
	return a == incident.Occurrence || a == incident.Resolve
}

// Send hands the event to the client; DogStatsD is fire-and-forget, so an
// error here is the client's buffer or socket, worth a retry.
func (d *Sink) Send(_ context.Context, n incident.Notification) (incident.Receipt, error) {
	if err := d.s.Event(Event(n)); err != nil {
		return incident.Receipt{}, fmt.Errorf("send datadog event for %s: %w", n.Key, err)
	}
	return incident.Receipt{}, nil
}

// Describe says what Send would send, for --alerting.dry-run.
func (d *Sink) Describe(n incident.Notification) []incident.Field {
	e := Event(n)
	return []incident.Field{
		{Key: "title", Value: e.Title},
		{Key: "alert_type", Value: string(e.AlertType)},
		{Key: "aggregation_key", Value: e.AggregationKey},
		{Key: "tags", Value: strings.Join(e.Tags, ",")},
	}
}

// Event renders n as a DogStatsD event.
func Event(n incident.Notification) *statsd.Event {
	e := &statsd.Event{
		Title:          trunc(n.Title(), maxTitle),
		Text:           trunc(text(n), maxText),
		AggregationKey: n.Key.String(),
		Priority:       statsd.Low,
		SourceTypeName: "flinkslo",
		AlertType:      alertType(n),
		Tags:           Tags(n),
	}
	if !n.FailureTime.IsZero() && n.Action == incident.Occurrence {
		e.Timestamp = n.FailureTime
	}
	if n.Route == fleet.Page {
		e.Priority = statsd.Normal
	}
	return e
}

func alertType(n incident.Notification) statsd.EventAlertType {
	if n.Action == incident.Resolve {
		return statsd.Success
	}
	switch n.Route {
	case fleet.Page:
		return statsd.Error
	case fleet.Monitor:
		return statsd.Warning
	}
	return statsd.Info
}

func text(n incident.Notification) string {
	var b strings.Builder
	b.WriteString(n.What())
	for _, l := range [][2]string{{"Why", n.Reason}, {"What to do", n.Hint}, {"Rule", n.Rule}, {"Exception", n.Exception}} {
		if l[1] != "" && n.Action != incident.Resolve {
			fmt.Fprintf(&b, "\n%s: %s", l[0], l[1])
		}
	}
	if len(n.Health) > 0 {
		fmt.Fprintf(&b, "\nUnhealthy: %s", strings.Join(n.Health, ", "))
	}
	for _, l := range n.Links {
		fmt.Fprintf(&b, "\n%s: %s", l.Text, l.URL)
	}
	if n.Excerpt != "" && n.Action != incident.Resolve {
		b.WriteString("\n\n" + n.Excerpt)
	}
	return b.String()
}

// Tags are the event's tags: route, category, deployment, namespace, team,
// job and the event kind. Empty values are left out.
func Tags(n incident.Notification) []string {
	var out []string
	for _, kv := range [][2]string{
		{"route", string(n.Route)}, {"category", n.Key.Category}, {"deployment", n.Key.Deployment},
		{"namespace", n.Key.Namespace}, {"team", n.Team}, {"job_name", n.Key.Job}, {"event", string(n.Action)},
	} {
		if kv[1] != "" {
			out = append(out, kv[0]+":"+tagValue(kv[1]))
		}
	}
	return out
}

// tagValue keeps a value inside Datadog's tag alphabet: letters, digits,
// _ - : . / — anything else (a comma or pipe would split the wire format)
// becomes _.
func tagValue(v string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		case r == '_' || r == '-' || r == ':' || r == '.' || r == '/':
			return r
		}
		return '_'
	}, v)
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
