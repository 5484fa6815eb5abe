// Package alertmanager posts incidents to Alertmanager's API v2 (POST
// /api/v2/alerts), so that Alertmanager routes, groups, silences and
// inhibits them as its users configure. Each incident is one alert
// (alertname FlinkJobFailure, alert_kind failure) labelled with its route,
// category, namespace, deployment, job_name, team and severity, and
// annotated with what the on-call needs (summary, description, hint,
// runbook_url, flink_ui_url, a redacted excerpt); Alert and Render are
// shared with the webhook sink, which sends the same alerts in
// Alertmanager's webhook format.
//
// Delivery guarantee: every Alertmanager of the configuration (the members
// of an HA cluster) gets every alert, as from Prometheus: the sink fans out
// (alerting.Fanout), and each member has its own retries and outcome.
// Alertmanager identifies an alert by its labels, so a repeated post is
// harmless. A firing alert ends four refresh intervals after it was
// posted; the router re-posts open incidents every interval
// (alerting.Refresher), so an alert ends only when its incident resolves
// (endsAt is then the resolve's time) or when flinkslo stops telling: a
// dead flinkslo leaves no alert firing forever.
package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// alertsPath is where API v2 takes alerts, under an Alertmanager's base URL.
const alertsPath = "/api/v2/alerts"

// Options configures a Sink.
type Options struct {
	// URLs are the Alertmanagers' base URLs; every one gets every alert.
	URLs []string
	// Client posts (TLS and credentials, from the shared HTTP settings);
	// http.DefaultClient when nil. Timeout bounds each post.
	Client  *http.Client
	Timeout time.Duration
	// RefreshInterval is how often the router re-posts an open incident;
	// a firing alert ends four intervals after it was posted.
	RefreshInterval time.Duration
	Render          Render
	// Now is the clock of the Retry-After dates; time.Now when nil.
	Now func() time.Time
}

// Sink posts alerts to Alertmanager.
type Sink struct {
	o Options
	// dests names each URL (its host, or host and index when two share
	// one) for the router's lanes and the logs; urls by name.
	dests []string
	urls  map[string]string
}

// New builds a sink; it does no I/O.
func New(o Options) (*Sink, error) {
	if len(o.URLs) == 0 {
		return nil, errors.New("new alertmanager sink: no URL")
	}
	if o.RefreshInterval <= 0 {
		return nil, errors.New("new alertmanager sink: the refresh interval must be positive")
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Render.EndsIn = 4 * o.RefreshInterval
	s := &Sink{o: o, urls: map[string]string{}}
	for i, raw := range o.URLs {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("new alertmanager sink: urls[%d] is not a URL with a host", i)
		}
		name := u.Host
		if _, dup := s.urls[name]; dup {
			name += "#" + strconv.Itoa(i)
		}
		s.dests = append(s.dests, name)
		s.urls[name] = strings.TrimSuffix(raw, "/") + alertsPath
	}
	return s, nil
}

// Fanout names every Alertmanager: each is a lane of its own.
func (s *Sink) Fanout() []string { return slices.Clone(s.dests) }

// Pacing allows a few posts at once: Alertmanager takes alerts as fast as
// Prometheus sends them, and that keeps a wave of incidents moving.
func (s *Sink) Pacing(string) incident.Pacing { return incident.Pacing{InFlight: 4} }

// RefreshInterval is how often an open incident is posted again.
func (s *Sink) RefreshInterval() time.Duration { return s.o.RefreshInterval }

// Accepts every action but a single occurrence (Datadog's): each change to
// the incident updates the alert's annotations (occurrences, reason).
func (s *Sink) Accepts(a incident.Action) bool { return a != incident.Occurrence }

// Send posts n's alerts to the Alertmanager n.Lane names.
func (s *Sink) Send(ctx context.Context, n incident.Notification) (incident.Receipt, error) {
	target, ok := s.urls[n.Lane]
	if !ok {
		return incident.Receipt{}, incident.Reject(fmt.Errorf("post %s of %s to alertmanager: no alertmanager %q", n.Action, n.Key, n.Lane))
	}
	body, err := json.Marshal(s.o.Render.Alerts(n))
	if err != nil {
		return incident.Receipt{}, incident.Reject(fmt.Errorf("encode alert of %s: %w", n.Key, err))
	}
	if err := s.post(ctx, target, body); err != nil {
		return incident.Receipt{}, fmt.Errorf("post %s of %s to alertmanager %s: %w", n.Action, n.Key, n.Lane, err)
	}
	return incident.Receipt{}, nil
}

func (s *Sink) post(ctx context.Context, target string, body []byte) error {
	if s.o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.o.Timeout)
		defer cancel()
	}
	return Post(ctx, s.o.Client, target, body, nil, s.o.Now)
}

// Post sends a JSON body and says what the answer means for the router
// (incident.HTTPAnswer). An error never quotes the URL, which may carry a
// token: a transport error is reported by what went wrong, and is marked
// unconfirmed when the request may have arrived.
func Post(ctx context.Context, c *http.Client, target string, body []byte, header http.Header, now func() time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return incident.Reject(errors.New("invalid URL"))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "flinkslo")
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message names the URL
		}
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
			return incident.Unconfirmed(fmt.Errorf("no answer: %w", err))
		}
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	return incident.HTTPAnswer(resp, now())
}

// Describe says what Send would post, for --alerting.dry-run.
func (s *Sink) Describe(n incident.Notification) []incident.Field {
	var out []incident.Field
	for _, a := range s.o.Render.Alerts(n) {
		state := "firing"
		if n.Action == incident.Resolve || a.Labels["route"] != string(n.Route) {
			state = "resolved"
		}
		out = append(out,
			incident.Field{Key: "alert", Value: state},
			incident.Field{Key: "route", Value: a.Labels["route"]},
			incident.Field{Key: "summary", Value: a.Annotations["summary"]})
	}
	out = append(out, incident.Field{Key: "alertmanagers", Value: strings.Join(s.dests, ",")})
	return out
}
