// Package webhook posts incidents to any URL in Alertmanager's webhook
// format (version 4), so that whatever takes Alertmanager's webhooks
// (chat bridges, ticketing, automation) takes flinkslo's. Each
// notification is one payload of one group, the incident's alert (plus
// the alert of an earlier route, resolved, when the incident escalated or
// resolves), with the labels and annotations of the Alertmanager sink.
//
// With an HMAC secret, each body is signed: X-Flinkslo-Signature is
// "sha256=" and the hex HMAC-SHA256 of the body, so that a receiver can
// check that the post is flinkslo's. The secret and the URL (which may
// carry a token) never appear in logs or errors.
//
// Delivery guarantee: at least once. The receiver gets a trigger, a
// reminder after the repeat interval, and a resolve, as Alertmanager's
// send_resolved receivers do; a retry after a timeout may post the same
// payload twice (same groupKey and fingerprint, so a receiver can tell).
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/alerting/alertmanager"
	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// SignatureHeader carries the body's HMAC-SHA256 when a secret is set.
const SignatureHeader = "X-Flinkslo-Signature"

// Receiver is the receiver name in every payload.
const Receiver = "flinkslo"

// Route is one route's webhook.
type Route struct {
	URL config.Secret
	// Secret signs each body; zero: unsigned.
	Secret config.Secret
	// Client posts (TLS, credentials); http.DefaultClient when nil.
	Client *http.Client
}

// Options configures a Sink.
type Options struct {
	Routes map[fleet.Route]Route
	// Render makes the alerts (labels, annotations, generatorURL); its
	// EndsIn is ignored: a firing alert has no end.
	Render alertmanager.Render
	// Timeout bounds each post.
	Timeout time.Duration
	// Now is the clock of the Retry-After dates; time.Now when nil.
	Now func() time.Time
}

// Sink posts webhooks.
type Sink struct {
	o Options
}

// New builds a sink; it does no I/O.
func New(o Options) (*Sink, error) {
	if len(o.Routes) == 0 {
		return nil, errors.New("new webhook sink: no route has a webhook")
	}
	for r, rt := range o.Routes {
		if rt.URL.IsZero() {
			return nil, fmt.Errorf("new webhook sink: route %s has an empty URL", r)
		}
		if rt.Client == nil {
			rt.Client = http.DefaultClient
			o.Routes[r] = rt
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Render.EndsIn = 0
	return &Sink{o: o}, nil
}

// Destination is n's route: each route's URL is a lane of its own.
func (s *Sink) Destination(n incident.Notification) string { return string(n.Route) }

// Pacing allows a few posts at once; receivers that need less say so with 429.
func (s *Sink) Pacing(string) incident.Pacing { return incident.Pacing{InFlight: 2} }

// Accepts triggers, reminders and resolves, as Alertmanager notifies a
// group: when it fires, again after the repeat interval, and resolved.
func (s *Sink) Accepts(a incident.Action) bool {
	return a == incident.Trigger || a == incident.Remind || a == incident.Resolve
}

// Send posts n's payload to its route's URL.
func (s *Sink) Send(ctx context.Context, n incident.Notification) (incident.Receipt, error) {
	rt, ok := s.o.Routes[n.Route]
	if !ok {
		return incident.Receipt{}, incident.Reject(fmt.Errorf("post %s of %s to webhook: route %s has none", n.Action, n.Key, n.Route))
	}
	body, err := json.Marshal(s.Payload(n))
	if err != nil {
		return incident.Receipt{}, incident.Reject(fmt.Errorf("encode webhook of %s: %w", n.Key, err))
	}
	var h http.Header
	if !rt.Secret.IsZero() {
		h = http.Header{SignatureHeader: {Sign(rt.Secret.Reveal(), body)}}
	}
	if s.o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.o.Timeout)
		defer cancel()
	}
	if err := alertmanager.Post(ctx, rt.Client, rt.URL.Reveal(), body, h, s.o.Now); err != nil {
		return incident.Receipt{}, fmt.Errorf("post %s of %s to the %s webhook: %w", n.Action, n.Key, n.Route, err)
	}
	return incident.Receipt{}, nil
}

// Sign is the signature header's value for body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Payload is Alertmanager's webhook message, version 4.
type Payload struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a payload.
type Alert struct {
	Status string `json:"status"`
	alertmanager.Alert
	Fingerprint string `json:"fingerprint"`
}

// groupBy are the group labels: one group per incident, as the shipped
// Alertmanager configuration groups (by job) and the category.
var groupBy = []string{"alertname", "namespace", "deployment", "job_name", "category"}

// Payload is what Send posts for n.
func (s *Sink) Payload(n incident.Notification) Payload {
	p := Payload{
		Version: "4", Status: "resolved", Receiver: Receiver,
		GroupLabels: map[string]string{}, ExternalURL: s.o.Render.ExternalURL,
	}
	for _, a := range s.o.Render.Alerts(n) {
		status := "firing"
		if a.Resolved(n.At) {
			status = "resolved"
		} else {
			p.Status = "firing"
		}
		p.Alerts = append(p.Alerts, Alert{Status: status, Alert: a, Fingerprint: a.Fingerprint()})
	}
	first := p.Alerts[0].Labels
	for _, k := range groupBy {
		if v, ok := first[k]; ok {
			p.GroupLabels[k] = v
		}
	}
	p.CommonLabels = common(p.Alerts, func(a Alert) map[string]string { return a.Labels })
	p.CommonAnnotations = common(p.Alerts, func(a Alert) map[string]string { return a.Annotations })
	p.GroupKey = groupKey(p.GroupLabels)
	return p
}

// groupKey is as Alertmanager makes it: the route's matchers (flinkslo's
// own: none) and the group labels.
func groupKey(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	return "{}:{" + strings.Join(parts, ", ") + "}"
}

// common is what every alert has the same.
func common(alerts []Alert, of func(Alert) map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range of(alerts[0]) {
		out[k] = v
	}
	for _, a := range alerts[1:] {
		m := of(a)
		for k, v := range out {
			if m[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}

// Describe says what Send would post, for --alerting.dry-run: never the
// URL or the secret.
func (s *Sink) Describe(n incident.Notification) []incident.Field {
	p := s.Payload(n)
	_, signed := s.o.Routes[n.Route]
	signed = signed && !s.o.Routes[n.Route].Secret.IsZero()
	return []incident.Field{
		{Key: "status", Value: p.Status},
		{Key: "group_key", Value: p.GroupKey},
		{Key: "alerts", Value: fmt.Sprint(len(p.Alerts))},
		{Key: "signed", Value: fmt.Sprint(signed)},
	}
}
