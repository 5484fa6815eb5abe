package alertmanager

import (
	"maps"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// AlertName is the alertname of every alert flinkslo posts; alert_kind
// "failure" tells them apart from the Prometheus rules' alerts (symptom,
// slo, self) in matchers and inhibit rules.
const (
	AlertName = "FlinkJobFailure"
	AlertKind = "failure"
)

// maxAnnotation bounds an annotation: Alertmanager keeps every alert in
// memory and in its notification log, and a receiver (Slack, an email)
// shows only so much.
const maxAnnotation = 2048

// Alert is one alert of Alertmanager's API v2 (postableAlert) and of its
// webhook payload (without status and fingerprint, which the webhook adds).
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Resolved reports whether the alert has ended at now.
func (a Alert) Resolved(now time.Time) bool { return !a.EndsAt.IsZero() && !a.EndsAt.After(now) }

// Fingerprint is Alertmanager's identity of the alert: a hash of its
// labels, as it shows it (model.LabelSet.Fingerprint).
func (a Alert) Fingerprint() string {
	ls := make(model.LabelSet, len(a.Labels))
	for k, v := range a.Labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.Fingerprint().String()
}

// Render turns notifications into alerts, for the Alertmanager and webhook
// sinks.
type Render struct {
	// Labels are added to each route's alerts (alerting.<route>.alertmanager.labels).
	Labels map[fleet.Route]map[string]string
	// ExternalURL is flinkslo's status page (alerting.externalURL); the
	// generatorURL links to the job's page there. Empty: no link.
	ExternalURL string
	// EndsIn is how long a firing alert lasts unless posted again; zero
	// leaves endsAt unset (a webhook's firing alert has none).
	EndsIn time.Duration
}

// Severity is the severity label of a route, as the shipped Prometheus
// rules set it: a page is critical, the rest warnings.
func Severity(r fleet.Route) string {
	if r == fleet.Page {
		return "critical"
	}
	return "warning"
}

// Alerts are the alerts n posts: the incident's, firing (or ended, for a
// resolve), and, for a resolve or an escalation, the incident's alert on
// each earlier route, ended: its route label differs, so Alertmanager
// holds it as another alert, which would otherwise fire on until endsAt.
func (r Render) Alerts(n incident.Notification) []Alert {
	a := r.alert(n, n.Route)
	ended := n.Action == incident.Resolve
	if ended {
		a.EndsAt = n.At
	} else if r.EndsIn > 0 {
		a.EndsAt = n.At.Add(r.EndsIn)
	}
	out := []Alert{a}
	if ended || n.EscalatedFrom != "" {
		for _, past := range n.PastRoutes {
			if past == n.Route {
				continue
			}
			p := r.alert(n, past)
			p.EndsAt = n.At
			out = append(out, p)
		}
	}
	return out
}

func (r Render) alert(n incident.Notification, route fleet.Route) Alert {
	labels := map[string]string{}
	maps.Copy(labels, r.Labels[route])
	set := func(k, v string) {
		if v != "" {
			labels[k] = v
		}
	}
	set("alertname", AlertName)
	set("alert_kind", AlertKind)
	set("route", string(route))
	set("severity", Severity(route))
	set("category", n.Key.Category)
	set("namespace", n.Key.Namespace)
	set("deployment", n.Key.Deployment)
	set("job_name", n.Key.Job)
	set("team", n.Team)

	ann := map[string]string{}
	note := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			ann[k] = truncate(v, maxAnnotation)
		}
	}
	title := n
	title.Action, title.Route = incident.Trigger, route // a resolve's alert keeps its summary
	note("summary", title.Summary())
	note("description", n.Reason)
	note("what", n.What())
	note("hint", n.Hint)
	note("runbook_url", n.Link(incident.LinkRunbook))
	note("flink_ui_url", n.Link(incident.LinkFlinkUI))
	note("excerpt", n.Excerpt) // redacted by the classifier
	note("root_cause", n.Root)
	note("policy_rule", n.Rule)
	note("job_id", n.JobID)
	if n.EscalatedFrom != "" {
		note("escalated_from", string(n.EscalatedFrom))
	}
	start := n.Opened
	if start.IsZero() {
		start = n.At
	}
	return Alert{Labels: labels, Annotations: ann, StartsAt: start.UTC(), GeneratorURL: r.jobPage(n.Key.JobRef)}
}

// jobPage is the job's page on flinkslo's status page (status/: an empty
// name is "-"), or "".
func (r Render) jobPage(j fleet.JobRef) string {
	if r.ExternalURL == "" {
		return ""
	}
	seg := func(s string) string {
		if s == "" {
			return "-"
		}
		return url.PathEscape(s)
	}
	return strings.TrimSuffix(r.ExternalURL, "/") + "/ui/jobs/" + seg(j.Namespace) + "/" + seg(j.Deployment) + "/" + seg(j.Job)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
