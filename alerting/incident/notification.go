package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// Action is what a notification says about its incident. Only these strings
// become label values.
type Action string

const (
	// Trigger opens an incident, or re-routes an open one to a more urgent
	// route (EscalatedFrom says from which).
	Trigger Action = "trigger"
	// Repeat reports further occurrences grouped over the group window.
	Repeat Action = "repeat"
	// Remind re-sends a still-open incident after the repeat interval.
	Remind Action = "remind"
	// Resolve closes an incident: the job has been healthy long enough.
	Resolve Action = "resolve"
	// Occurrence is one classified failure, ungrouped, for sinks that keep
	// every event (Datadog).
	Occurrence Action = "occurrence"
	// Refresh is no news: it tells a receiver that forgets an open
	// incident unless told again (Alertmanager) that it is still open. The
	// router makes it only for sinks that ask for it (alerting.Refresher),
	// outside the outbox, so it is not among Actions.
	Refresh Action = "refresh"
)

// Actions lists every action of a notification in a stable order.
var Actions = []Action{Trigger, Repeat, Remind, Resolve, Occurrence}

func (a Action) String() string { return string(a) }

// Notification is one message about one incident. It carries everything any
// sink renders, already decided by the router: route, destination channel,
// links. Excerpt and Message were redacted before they reached the router.
type Notification struct {
	Key    Key
	Action Action
	Route  fleet.Route
	// EscalatedFrom is set on a Trigger that moves an open incident to a
	// more urgent route (a repeating monitor cause that now pages).
	EscalatedFrom fleet.Route
	// PastRoutes are the other routes the incident was sent on before, so
	// that a Resolve reaches every receiver that got a Trigger.
	PastRoutes []fleet.Route
	Team       string
	JobID      string

	// Decision is the policy's decision about the latest failure (or the
	// health verdict) of the incident, carried as it was made: route,
	// category, reason, hint, rule, escalation, root cause. Route above is
	// the incident's, which only ever moves up.
	fleet.Decision
	// The evidence, for the message.
	Source      fleet.Source
	Exception   string
	Excerpt     string
	TaskName    string
	FailureTime time.Time

	// Health lists the job's unhealthy reasons when the notification was
	// made; empty when healthy or unknown.
	Health []string

	// Count is the occurrences this notification reports: 1 for a Trigger
	// or Occurrence, the grouped repeats for a Repeat. Total counts all
	// occurrences since the incident opened; Window is the span Count covers.
	Count  int
	Total  int
	Window time.Duration

	// Opened is when the incident opened; At when this notification was made.
	Opened time.Time
	At     time.Time

	Links []Link

	// SlackChannel is where Slack posts it; empty: no channel applies.
	// Note explains a fallback ("team x has no Slack channel").
	SlackChannel string
	Note         string
	// Destinations name every receiver the notification goes to
	// ("pagerduty", "slack #team-alerts", "datadog"), for the console and
	// dry-run lines and the status page.
	Destinations []string
	// Threads are the Slack thread timestamps known for the incident, by
	// channel, from earlier deliveries (possibly by another replica).
	Threads map[string]string

	// ID identifies the notification across retries, restarts and
	// failovers (it is its number in the router's outbox). A sink whose
	// receiver cannot deduplicate marks what it sends with it, so that a
	// repeat can be recognised.
	ID string
	// Lane is the destination this attempt goes to (see
	// alerting.Destinations), set by the router on every attempt: a sink
	// that fans out to several receivers (an Alertmanager cluster) sends
	// to this one.
	Lane string
	// Unconfirmed is set when an earlier attempt to deliver the
	// notification may have reached the receiver without its saying so (a
	// timeout or reset, see DeliveryError.Unconfirmed, or flinkslo stopped
	// while it was in flight): the time by which that attempt had ended.
	// A sink that cannot make a repeat harmless looks for the earlier
	// delivery before sending again. Zero when every attempt was answered.
	Unconfirmed time.Time
}

// Link is a URL with a label.
type Link struct {
	Text string
	URL  string
}

// Title is one line naming the route, the deployment and the category, for
// PagerDuty summaries, Datadog titles and Slack fallbacks.
func (n Notification) Title() string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(string(n.Route)))
	if n.Action == Resolve {
		b.WriteString(" resolved")
	}
	fmt.Fprintf(&b, ": %s %s", n.Key.Target(), n.Key.Category)
	if n.Key.Job != "" && n.Key.Job != n.Key.Deployment {
		fmt.Fprintf(&b, " (job %s)", n.Key.Job)
	}
	return b.String()
}

// Summary is Title with the reason, for a single-line rendering.
func (n Notification) Summary() string {
	if n.Reason == "" || n.Action == Resolve {
		return n.Title()
	}
	return n.Title() + ": " + n.Reason
}

// What says in words what this notification is about, without the
// classification details.
func (n Notification) What() string {
	switch n.Action {
	case Repeat:
		return fmt.Sprintf("%d more %s in the last %s (%d since opened)", n.Count, plural(n.Count, "occurrence"), Human(n.Window), n.Total)
	case Remind:
		return fmt.Sprintf("still open after %s (%d %s)", Human(n.At.Sub(n.Opened)), n.Total, plural(n.Total, "occurrence"))
	case Refresh:
		return fmt.Sprintf("still open after %s", Human(n.At.Sub(n.Opened)))
	case Resolve:
		return fmt.Sprintf("healthy again; open for %s (%d %s)", Human(n.At.Sub(n.Opened)), n.Total, plural(n.Total, "occurrence"))
	}
	if n.EscalatedFrom != "" {
		return fmt.Sprintf("escalated from %s to %s", n.EscalatedFrom, n.Route)
	}
	if n.Source == fleet.SourceHealth {
		return "job unhealthy: " + strings.Join(n.Health, ", ")
	}
	return "job failed"
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// Human renders a duration the way people say it: 5m, 1h30m, 45s.
func Human(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "0s"
	}
	s := d.String()
	if d%time.Minute == 0 {
		s = strings.TrimSuffix(s, "0s")
	}
	if d%time.Hour == 0 {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
