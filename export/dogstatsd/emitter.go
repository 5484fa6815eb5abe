// Package dogstatsd sends the snapshot's signals to a Datadog agent over
// DogStatsD: the families of the table in package export that have a
// DogStatsD name (the same per-job health signals as /metrics), as
// gauges, the counters as counts of what happened since the previous
// snapshot, plus what only DogStatsD sends (see own): a service check per
// expected job, the fleet totals and the Kafka groups' lag.
//
// The scrape loop hands each snapshot over without waiting; a goroutine of
// this package renders it. When the agent is absent nothing waits on it:
// DogStatsD is fire-and-forget, and the failed writes are counted.
package dogstatsd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"golang.org/x/time/rate"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// sink is the part of the DogStatsD client the emitter uses.
type sink interface {
	Gauge(name string, value float64, tags []string, rate float64) error
	Count(name string, value int64, tags []string, rate float64) error
	ServiceCheck(sc *statsd.ServiceCheck) error
	Flush() error
	Close() error
}

var (
	_ sink           = (*statsd.Client)(nil)
	_ fleet.Observer = (*Emitter)(nil)
)

// Emitter sends each snapshot it observes to a DogStatsD agent.
type Emitter struct {
	log     *slog.Logger
	now     func() time.Time
	addr    string
	dial    func(addr string) (sink, error)
	scName  string
	retain  time.Duration
	leader  Leader // nil: always sends
	errs    prometheus.Counter
	skipped prometheus.Counter
	// warn limits logging of send errors: a missing agent fails every
	// write, and the counter already says how many.
	warn rate.Sometimes

	// pending is the newest snapshot not yet sent; wake tells Run.
	pending atomic.Pointer[fleet.Snapshot]
	wake    chan struct{}

	fams *families // the table's DogStatsD part

	mu     sync.Mutex // guards client, closed and mem: Run emits, Close flushes
	client sink
	closed bool
	mem    *memory
}

// Option adjusts New.
type Option func(*options)

type options struct {
	leader    Leader
	reg       prometheus.Registerer
	now       func() time.Time
	telemetry bool
	retain    time.Duration
	statsd    []statsd.Option
}

// WithRegisterer registers the emitter's own metrics with reg.
func WithRegisterer(reg prometheus.Registerer) Option { return func(o *options) { o.reg = reg } }

// Leader says whether this replica is the one that sends.
type Leader interface{ IsLeader() bool }

// WithLeader sends only while l leads. Two replicas of a shard see the
// same fleet; were both to send, every count and fleet total summed in
// Datadog would double. A follower keeps its count baselines current
// without sending, so on taking over it sends the counts of one cycle,
// not of its whole life.
func WithLeader(l Leader) Option { return func(o *options) { o.leader = l } }

// WithClock sets the clock used for checkpoint ages (time.Now by default).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithTelemetry turns datadog-go's client telemetry on or off (on by
// default): the agent then graphs the client's own sent and dropped
// payloads, which is how a user finds out DogStatsD is losing data.
func WithTelemetry(on bool) Option { return func(o *options) { o.telemetry = on } }

// WithRetention sets how long the counter baselines of a vanished job are
// kept (one hour by default).
func WithRetention(d time.Duration) Option { return func(o *options) { o.retain = d } }

// WithStatsdOptions passes further options to the datadog-go client.
func WithStatsdOptions(opts ...statsd.Option) Option {
	return func(o *options) { o.statsd = append(o.statsd, opts...) }
}

// New builds an emitter for cfg (defaults applied). It only fails on an
// address that can never work; an agent host that does not resolve yet is
// retried with each snapshot, so flinkslo starts without its agent.
func New(cfg config.Datadog, logger *slog.Logger, opts ...Option) (*Emitter, error) {
	o := options{now: time.Now, telemetry: true, retain: time.Hour}
	for _, opt := range opts {
		opt(&o)
	}
	if o.reg == nil {
		o.reg = prometheus.NewRegistry()
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := checkAddress(cfg.Address); err != nil {
		return nil, fmt.Errorf("new datadog emitter: %w", err)
	}
	f := promauto.With(o.reg)
	e := &Emitter{
		log:    logger,
		addr:   cfg.Address,
		now:    o.now,
		scName: prefix(cfg.Namespace) + mServiceCheck,
		retain: o.retain,
		leader: o.leader,
		errs: f.NewCounter(prometheus.CounterOpts{
			Name: "flinkslo_datadog_errors_total",
			Help: "Metrics, service checks or payloads that could not be sent to the DogStatsD agent, and failed client set-ups.",
		}),
		skipped: f.NewCounter(prometheus.CounterOpts{
			Name: "flinkslo_datadog_snapshots_skipped_total",
			Help: "Snapshots replaced by a newer one before they were sent to Datadog; their counts are sent with the next.",
		}),
		warn: rate.Sometimes{First: 1, Interval: time.Minute},
		wake: make(chan struct{}, 1),
	}
	e.fams = newFamilies()
	e.mem = newMemory(e.fams)
	copts := clientOptions(cfg, o, e.sendFailed)
	e.dial = func(addr string) (sink, error) { return statsd.New(addr, copts...) }
	if err := e.connect(); err != nil && !retryable(err) {
		return nil, fmt.Errorf("new datadog emitter for %s: %w", cfg.Address, err)
	}
	return e, nil
}

func clientOptions(cfg config.Datadog, o options, onErr func(error)) []statsd.Option {
	var copts []statsd.Option
	if cfg.Namespace != "" {
		copts = append(copts, statsd.WithNamespace(cfg.Namespace))
	}
	if len(cfg.Tags) > 0 {
		copts = append(copts, statsd.WithTags(cfg.Tags))
	}
	if cfg.Aggregation != nil && *cfg.Aggregation { // off unless asked for, as config defaults it
		copts = append(copts, statsd.WithClientSideAggregation())
	} else {
		copts = append(copts, statsd.WithoutClientSideAggregation())
	}
	if !o.telemetry {
		copts = append(copts, statsd.WithoutTelemetry())
	}
	copts = append(copts, statsd.WithErrorHandler(onErr))
	return append(copts, o.statsd...)
}

// checkAddress rejects what no retry can fix; config validation lets a
// named port through, which datadog-go would look up like a host.
func checkAddress(addr string) error {
	if addr == "" {
		return errors.New("no agent address")
	}
	for _, p := range []string{statsd.UnixAddressPrefix, statsd.UnixAddressDatagramPrefix, statsd.UnixAddressStreamPrefix} {
		if path, ok := strings.CutPrefix(addr, p); ok {
			if path == "" {
				return fmt.Errorf("agent address %q: no socket path", addr)
			}
			return nil
		}
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("agent address %q: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("agent address %q: port %q is not a number from 1 to 65535", addr, port)
	}
	return nil
}

// retryable: a host name that does not resolve (yet) — the agent's
// Service may be created after flinkslo starts.
func retryable(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// connect builds the client if there is none yet. Callers hold mu (or
// own e exclusively, in New).
func (e *Emitter) connect() error {
	if e.client != nil {
		return nil
	}
	c, err := e.dial(e.addr)
	if err != nil {
		e.errs.Inc()
		e.warn.Do(func() {
			e.log.Warn("datadog agent address unusable, keeping snapshots for the next try", "err", err)
		})
		return err
	}
	e.client = c
	return nil
}

// sendFailed counts a failed send. datadog-go calls it from its own
// goroutines for writes that failed after the call returned.
func (e *Emitter) sendFailed(err error) {
	e.errs.Inc()
	e.warn.Do(func() { e.log.Warn("datadog send failed, dropping the payload", "err", err) })
}

// Observe hands snap to Run and returns at once. When Run is behind, the
// older snapshot is dropped: gauges want the newest values, and counts are
// differences to the last snapshot sent, so nothing is lost.
func (e *Emitter) Observe(snap *fleet.Snapshot) {
	if snap == nil {
		return
	}
	if old := e.pending.Swap(snap); old != nil {
		e.skipped.Inc()
	}
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run sends each observed snapshot until ctx ends.
func (e *Emitter) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-e.wake:
			e.sendPending()
		}
	}
}

// sendPending sends the newest snapshot; a follower only moves its count
// baselines on. Without a client the snapshot stays pending, so the counts
// it carries go out with a later one.
func (e *Emitter) sendPending() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	if e.leader != nil && !e.leader.IsLeader() {
		if snap := e.pending.Swap(nil); snap != nil {
			e.emit(discard{}, snap)
		}
		return
	}
	if e.connect() != nil {
		return
	}
	if snap := e.pending.Swap(nil); snap != nil {
		e.emit(e.client, snap)
	}
}

// discard is where a follower's metrics go.
type discard struct{}

func (discard) Gauge(string, float64, []string, float64) error { return nil }
func (discard) Count(string, int64, []string, float64) error   { return nil }
func (discard) ServiceCheck(*statsd.ServiceCheck) error        { return nil }
func (discard) Flush() error                                   { return nil }
func (discard) Close() error                                   { return nil }

// Close flushes what the client holds and closes it; later snapshots are
// ignored.
func (e *Emitter) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	if e.client == nil {
		return nil
	}
	// datadog-go's Close flushes the aggregator and the buffers first.
	if err := e.client.Close(); err != nil {
		return fmt.Errorf("close datadog client: %w", err)
	}
	return nil
}
