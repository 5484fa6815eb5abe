// Package alerting routes what the collector sees to the people who must
// act: classified failures and health transitions become incidents
// (namespace/deployment/job/category), and each incident is notified once
// per group window on the sinks of its route — PagerDuty for page, the
// platform Slack channel for monitor (and a copy of pages), the owning
// team's channel for notify, Datadog events, the console — then reminded
// after the repeat interval and resolved once the job has been healthy for
// resolveAfter.
//
// Every notification a sink must deliver is written to an outbox, saved
// with the open incidents, before any sink attempts it, and leaves it only
// once the sink acknowledged it (or it was dropped, and counted): a crash,
// a restart or a leader failover retries what was not delivered, in order
// per incident, and never sends again what was. Delivery is asynchronous,
// bounded and retried, with a queue and pacing per destination (Slack
// channel, PagerDuty routing key), so that neither the scrape loop nor an
// idle channel ever waits behind a busy one.
package alerting

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
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

// Destinations is implemented by a sink that reaches several receivers
// (Slack channels, PagerDuty routing keys, webhook URLs). Each destination
// gets its own queue, pacing and retries, so that a busy or failing one
// never delays another. A sink without it is a single destination.
type Destinations interface {
	// Destination names the receiver n goes to: a short name from a set
	// bounded by the configuration, never a secret (it is a label value).
	Destination(n incident.Notification) string
	// Pacing is how deliveries to dest are paced.
	Pacing(dest string) incident.Pacing
}

// Fanout is implemented by a sink that delivers every notification to each
// of several receivers that all must have it (the members of an
// Alertmanager cluster, posted to as Prometheus does). Each receiver is a
// destination with its own lane, pacing and retries, so that one that is
// down holds up no other, and each settles on its own outcome: delivered
// there, or dropped there. Send is called once per destination, with
// Notification.Lane naming it.
type Fanout interface {
	// Fanout names every destination: short names from a set bounded by
	// the configuration, never secrets (they are label values).
	Fanout() []string
	// Pacing is how deliveries to dest are paced.
	Pacing(dest string) incident.Pacing
}

// Refresher is implemented by a sink whose receiver forgets an open
// incident unless told again that it is open (Alertmanager resolves an
// alert whose endsAt passed). While an incident is open on a route of the
// sink, the router re-posts it (action Refresh) to each destination every
// RefreshInterval after the last notification it queued there, outside
// the outbox: a re-post is not retried (the next one is due soon), not
// kept across a restart (a new leader re-posts every open incident at its
// first step), and waits only when nothing else of the incident does, so
// at most one per incident and destination is ever queued.
type Refresher interface{ RefreshInterval() time.Duration }

// Transient is implemented by a sink whose notifications are not worth
// keeping across a restart: the console prints at once, DogStatsD events
// go over UDP unacknowledged. Every other sink's notifications go through
// the outbox.
type Transient interface{ Transient() bool }

// SkipsResolved is implemented by a sink for which a trigger that could
// not be delivered before its incident resolved is better never sent: a
// page for a problem that is over wakes someone for nothing. The trigger
// and the resolve are then dropped (reason resolved). Other sinks get the
// trigger first and the resolve after it.
type SkipsResolved interface{ SkipResolved() bool }

// Leader says whether this replica sends notifications. With two replicas
// per shard only the leader sends; the other keeps its incidents current
// so that it can take over without repeating or dropping any.
type Leader interface{ IsLeader() bool }

// StateStore keeps the open incidents and the outbox across restarts and
// failovers. Load returns nil and no error when nothing was saved yet.
type StateStore interface {
	Load(ctx context.Context) ([]byte, error)
	Save(ctx context.Context, state []byte) error
}

// limitedStore is a StateStore that holds at most Limit bytes (a Lease
// annotation): the router leaves the least urgent undelivered
// notifications out of a state that would not fit.
type limitedStore interface{ Limit() int }

// asideSetter is a StateStore that can keep a state it could not read out
// of the way (a file renamed aside) rather than overwrite it; it returns
// where the state went.
type asideSetter interface {
	SetAside(ctx context.Context) (string, error)
}

// Options configures a Router. Config and Sinks are required.
type Options struct {
	// Config is the alerting section and what the router needs from the
	// rest of the configuration (ConfigFrom).
	Config *Config
	// Sinks by name: pagerduty, slack, datadog, console (see BuildSinks).
	Sinks map[string]Sink
	// Leader is nil when this replica always sends.
	Leader Leader
	// Store keeps the incidents and the outbox; nil keeps them in memory
	// only, and a restart loses what was not delivered.
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
	MaxAge         time.Duration // waiting and retrying in all, restarts included (default 15m)
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
