package alerting

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/flinkslo/flinkslo/fleet"
)

// Results of a notification, the `result` label.
const (
	resultSent    = "sent"
	resultDropped = "dropped"
	resultDryRun  = "dry_run"
)

// Why a notification was dropped, the `reason` label.
const (
	dropQueueFull        = "queue_full"        // the sink's queue was full
	dropRejected         = "rejected"          // the receiver refused it (4xx)
	dropRetriesExhausted = "retries_exhausted" // still failing when its time ran out
	dropExpired          = "expired"           // waited in the queue past its time
	dropShutdown         = "shutdown"          // still queued when flinkslo stopped, with no store to keep it
	dropNoChannel        = "no_channel"        // no Slack channel applies
	// dropResolved: the incident resolved before its trigger reached the
	// receiver, and the sink skips such incidents (PagerDuty); or the
	// trigger never reached it, so a resolve would be its first news.
	dropResolved = "resolved"
)

var dropReasons = []string{dropQueueFull, dropRejected, dropRetriesExhausted, dropExpired, dropShutdown, dropNoChannel, dropResolved}

// Results of a re-post of an open incident (Refresher), the `result`
// label of flinkslo_alerting_refreshes_total.
const (
	refreshSent   = "sent"
	refreshFailed = "failed"
)

// inboxSink names the router's own input queue in the dropped counter.
const inboxSink = "router"

type metrics struct {
	notifications *prometheus.CounterVec
	queueDepth    *prometheus.GaugeVec
	laneDepth     *prometheus.GaugeVec
	dropped       *prometheus.CounterVec
	open          *prometheus.GaugeVec
	active        *prometheus.GaugeVec
	stateErrors   *prometheus.CounterVec
	stateBytes    prometheus.Gauge
	refreshes     *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, sinks, refreshers []string) *metrics {
	f := promauto.With(reg)
	m := &metrics{
		notifications: f.NewCounterVec(prometheus.CounterOpts{
			Name: "flinkslo_notifications_total",
			Help: "Notifications handled per route and sink, by result: sent, dropped (see flinkslo_notifications_dropped_total) or dry_run.",
		}, []string{"route", "sink", "result"}),
		queueDepth: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flinkslo_notification_queue_depth",
			Help: "Notifications waiting in each sink's queue, all destinations together.",
		}, []string{"sink"}),
		laneDepth: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flinkslo_notification_destination_queue_depth",
			Help: "Notifications waiting for one destination of a sink (a Slack channel, a PagerDuty routing key's route), each paced on its own.",
		}, []string{"sink", "destination"}),
		dropped: f.NewCounterVec(prometheus.CounterOpts{
			Name: "flinkslo_notifications_dropped_total",
			Help: "Notifications that were not delivered, per sink and reason (queue_full, rejected, retries_exhausted, expired, shutdown, no_channel, resolved).",
		}, []string{"sink", "reason"}),
		open: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flinkslo_alerting_open_incidents",
			Help: "Incidents open (triggered and not yet resolved) per route, as this replica sees them.",
		}, []string{"route"}),
		active: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flinkslo_alerting_route_active",
			Help: "1 if this replica delivers the route to people: it leads (or leader election is off) and the route has a PagerDuty or Slack sink that really sends; 0 otherwise. Alertmanager inhibits the route's Prometheus symptom alerts while it is 1 (FlinksloRouterDelivering).",
		}, []string{"route"}),
		stateErrors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "flinkslo_alerting_state_errors_total",
			Help: "Failed loads or saves of the alerting state (open incidents and outbox); a save that had to leave undelivered notifications out to fit the store counts too.",
		}, []string{"op"}),
		refreshes: f.NewCounterVec(prometheus.CounterOpts{
			Name: "flinkslo_alerting_refreshes_total",
			Help: "Re-posts of open incidents to sinks whose receiver forgets an incident unless told again (Alertmanager), per sink, by result: sent or failed. A failed one is not retried: the next is due after the refresh interval.",
		}, []string{"sink", "result"}),
		stateBytes: f.NewGauge(prometheus.GaugeOpts{
			Name: "flinkslo_alerting_state_bytes",
			Help: "Size of the alerting state (open incidents and outbox) last encoded for saving; a Lease holds at most 200 KiB.",
		}),
	}
	// Series exist from the start so that rate() and absent() work before
	// the first failure.
	for _, s := range sinks {
		m.queueDepth.WithLabelValues(s)
		for _, r := range dropReasons {
			m.dropped.WithLabelValues(s, r)
		}
		for _, route := range fleet.Routes {
			m.notifications.WithLabelValues(string(route), s, resultSent)
			m.notifications.WithLabelValues(string(route), s, resultDropped)
		}
	}
	for _, s := range refreshers {
		m.refreshes.WithLabelValues(s, refreshSent)
		m.refreshes.WithLabelValues(s, refreshFailed)
	}
	m.dropped.WithLabelValues(inboxSink, dropQueueFull)
	for _, route := range fleet.Routes {
		m.open.WithLabelValues(string(route))
		m.active.WithLabelValues(string(route))
	}
	m.stateErrors.WithLabelValues("load")
	m.stateErrors.WithLabelValues("save")
	return m
}

func (m *metrics) drop(route fleet.Route, sink, reason string) {
	m.notifications.WithLabelValues(string(route), sink, resultDropped).Inc()
	m.dropped.WithLabelValues(sink, reason).Inc()
}
