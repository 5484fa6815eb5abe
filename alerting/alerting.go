// Package alerting routes what the collector sees to the people who must
// act: classified failures and health transitions become incidents
// (namespace/deployment/job/category), and each incident is notified once
// per group window on the sinks of its route — PagerDuty for page, the
// platform Slack channel for monitor (and a copy of pages), the owning
// team's channel for notify, Datadog events, the console — then reminded
// after the repeat interval and resolved once the job has been healthy for
// resolveAfter. Delivery is asynchronous, per sink, bounded and retried, so
// the scrape loop never waits on a receiver; open incidents are persisted so
// that neither a restart nor a leader failover re-pages or forgets them.
package alerting

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Sink delivers notifications to one receiver.
type Sink interface {
	// Accepts says which actions the receiver takes (PagerDuty has no use
	// for grouped repeats, Datadog wants single occurrences).
	Accepts(incident.Action) bool
	// Send delivers n once; the router retries. An *incident.DeliveryError
	// says not to retry, or when to.
	Send(ctx context.Context, n incident.Notification) (incident.Receipt, error)
}

// Leader says whether this replica sends notifications. With two replicas
// per shard only the leader sends; the other keeps its incidents current
// so that it can take over without repeating or dropping any.
type Leader interface{ IsLeader() bool }

// StateStore keeps the open incidents across restarts and failovers. Load
// returns nil and no error when nothing was saved yet.
type StateStore interface {
	Load(ctx context.Context) ([]byte, error)
	Save(ctx context.Context, state []byte) error
}

// Options configures a Router. Config and Sinks are required.
type Options struct {
	// Config supplies alerting, teams and datadog.
	Config *config.Config
	// Sinks by name: pagerduty, slack, datadog, console (see BuildSinks).
	Sinks map[string]Sink
	// Leader is nil when this replica always sends.
	Leader Leader
	// Store is nil to keep incidents in memory only.
	Store      StateStore
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Start is when the exporter started: failures older than Start minus
	// alerting.lookback are not sent. Now() at New when zero.
	Start time.Time
	// HealthWait is how long a job must be unhealthy, with no classified
	// failure to explain it, before that opens an incident (default 30s).
	HealthWait time.Duration
	// Tick is how often grouped repeats, reminders and resolves are
	// checked (default 1s).
	Tick time.Duration
	// Delivery tunes the sink queues; zero fields take defaults.
	Delivery Delivery
}

// Delivery tunes the sink queues.
type Delivery struct {
	RequestTimeout time.Duration // one attempt (default 10s)
	MaxAge         time.Duration // waiting and retrying in all (default 15m)
	InitialBackoff time.Duration // default 1s
	MaxBackoff     time.Duration // default 1m
	Drain          time.Duration // after shutdown (default 5s)
}

func (o *Options) defaults() error {
	if o.Config == nil {
		return errors.New("new alerting router: config is required")
	}
	if len(o.Sinks) == 0 {
		return errors.New("new alerting router: no sinks")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Start.IsZero() {
		o.Start = o.Now()
	}
	if o.HealthWait == 0 {
		o.HealthWait = 30 * time.Second
	}
	if o.Tick == 0 {
		o.Tick = time.Second
	}
	d := &o.Delivery
	d.RequestTimeout = or(d.RequestTimeout, 10*time.Second)
	d.MaxAge = or(d.MaxAge, 15*time.Minute)
	d.InitialBackoff = or(d.InitialBackoff, time.Second)
	d.MaxBackoff = or(d.MaxBackoff, time.Minute)
	d.Drain = or(d.Drain, 5*time.Second)
	return nil
}

func or(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

var _ fleet.Observer = (*Router)(nil)
