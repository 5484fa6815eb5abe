package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Collector measures the lag of consumer groups on one or more Kafka
// clusters in the background and serves the latest view to Lag and to
// Prometheus. Each cluster is polled independently: a slow or unreachable
// cluster never delays another.
type Collector struct {
	set     *settings
	log     *slog.Logger
	perPart bool
	descs   descs
	pollers []*poller
	byName  map[string]*poller
	seq     atomic.Uint64

	wanted atomic.Pointer[map[string][]string]
	warnMu sync.Mutex
	warned map[string]bool
}

// Option configures a Collector.
type Option func(*options)

type options struct {
	now        func() time.Time
	clientOpts []kgo.Opt
	owner      func(group string) bool
}

// WithClock sets the clock used for evaluation and time lag (time.Now by
// default).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithClientOpts adds franz-go options to every cluster's client, after
// the ones built from the configuration.
func WithClientOpts(opts ...kgo.Opt) Option {
	return func(o *options) { o.clientOpts = append(o.clientOpts, opts...) }
}

// WithGroupOwner divides the groups kafka.groups.allow selects between
// replicas: only those owner reports true for are measured here (wire it
// to the shard's Owns). Groups the targets name (SetGroups) are always
// measured, because the target's own replica needs them, but one the
// patterns select is exported only by the replica that owns it, so every
// consumer-group series comes from exactly one replica.
func WithGroupOwner(owner func(group string) bool) Option {
	return func(o *options) { o.owner = owner }
}

// New builds one Kafka client per configured cluster: the default one
// (kafka.brokers, named config.DefaultCluster) and every kafka.clusters
// entry. Clients connect lazily, on the first poll. SASL secrets are read
// through getenv or their files now, so that a missing secret fails at
// start-up. With no cluster configured the Collector measures nothing.
func New(cfg config.Kafka, getenv func(string) string, logger *slog.Logger, opts ...Option) (*Collector, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	mode, err := parseTimeLag(cfg.TimeLag)
	if err != nil {
		return nil, err
	}
	c := &Collector{log: logger, perPart: cfg.PerPartitionMetrics, descs: newDescs(), byName: map[string]*poller{}, warned: map[string]bool{}}
	set := &settings{
		window:         cfg.EvaluationWindow.D(),
		pollInterval:   cfg.PollInterval.D(),
		requestTimeout: cfg.RequestTimeout.D(),
		timeLag:        mode,
		readsPerPoll:   autoReadsPerPoll,
		partitions:     cfg.PerPartitionMetrics,
		owner:          o.owner,
		now:            o.now,
		seq:            &c.seq,
	}
	c.set = set
	if set.window <= 0 || set.pollInterval <= 0 || set.requestTimeout <= 0 {
		return nil, errors.New("kafka: evaluationWindow, pollInterval and requestTimeout must be positive (load the config with defaults)")
	}
	if set.allow, err = compile(cfg.Groups.Allow); err != nil {
		return nil, fmt.Errorf("kafka groups allow: %w", err)
	}
	if set.deny, err = compile(cfg.Groups.Deny); err != nil {
		return nil, fmt.Errorf("kafka groups deny: %w", err)
	}
	for _, cc := range clusters(cfg) {
		log := logger.With("cluster", cc.name)
		kopts, err := clientOpts(cc, getenv, set.requestTimeout, log)
		if err != nil {
			c.Close()
			return nil, err
		}
		kopts = append(kopts, connOpts(set.pollInterval)...)
		kcl, err := kgo.NewClient(append(kopts, o.clientOpts...)...)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("create kafka client for cluster %s: %w", cc.name, err)
		}
		p := newPoller(cc.name, kcl, set, log)
		c.pollers = append(c.pollers, p)
		c.byName[cc.name] = p
	}
	return c, nil
}

// parseTimeLag maps kafka.timeLag; empty is the default, auto.
func parseTimeLag(s string) (timeLagMode, error) {
	switch s {
	case "", "auto":
		return timeLagAuto, nil
	case "interpolate":
		return timeLagInterpolate, nil
	case "record":
		return timeLagRecord, nil
	}
	return 0, fmt.Errorf("kafka timeLag %q: want auto, interpolate or record", s)
}

func compile(exprs []string) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(exprs))
	for _, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

// SetGroups replaces the groups the targets need, by cluster name; an
// empty name means the default cluster. The next cycle of each cluster
// measures them, plus any group the allow/deny patterns select.
func (c *Collector) SetGroups(groups map[string][]string) {
	m := make(map[string][]string, len(groups))
	for name, gs := range groups {
		if name == "" {
			name = config.DefaultCluster
		}
		if _, ok := c.byName[name]; !ok {
			c.warnUnknown(name)
			continue
		}
		all := slices.Concat(m[name], gs)
		slices.Sort(all)
		m[name] = slices.Compact(all)
	}
	c.wanted.Store(&m)
}

// warnUnknown logs once per name: SetGroups is called every cycle.
func (c *Collector) warnUnknown(name string) {
	c.warnMu.Lock()
	defer c.warnMu.Unlock()
	if !c.warned[name] {
		c.warned[name] = true
		c.log.Warn("consumer groups name an unconfigured kafka cluster; not measuring them", "cluster", name)
	}
}

func (c *Collector) groupsOf(cluster string) []string {
	if m := c.wanted.Load(); m != nil {
		return (*m)[cluster]
	}
	return nil
}

// Poll runs one cycle on every cluster at once and returns the clusters'
// errors joined. Run calls it every poll interval; tests and tools call
// it directly.
func (c *Collector) Poll(ctx context.Context) error {
	errs := make([]error, len(c.pollers))
	var wg sync.WaitGroup
	for i, p := range c.pollers {
		wg.Go(func() { errs[i] = p.poll(ctx, c.groupsOf(p.name)) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Run polls every cluster every kafka.pollInterval until ctx is done,
// each cluster on its own schedule. It returns nil when ctx ends.
func (c *Collector) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, p := range c.pollers {
		wg.Go(func() { c.runCluster(ctx, p) })
	}
	wg.Wait()
	return nil
}

func (c *Collector) runCluster(ctx context.Context, p *poller) {
	t := time.NewTicker(c.set.pollInterval)
	defer t.Stop()
	wasUp := true
	for {
		err := p.poll(ctx, c.groupsOf(p.name))
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && wasUp:
			p.log.Warn("kafka cluster unreachable; lag series withheld until it answers", "err", err)
		case err != nil:
			p.log.Debug("kafka cluster still unreachable", "err", err)
		case !wasUp:
			p.log.Info("kafka cluster reachable again")
		}
		wasUp = err == nil
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Lag returns the latest view of one group. ok is false when the cluster
// is unknown, has not been polled yet or could not be reached at its last
// poll, or when the group was not measured.
func (c *Collector) Lag(cluster, group string) (fleet.GroupLag, bool) {
	v := c.View(cluster)
	if v == nil || !v.Up {
		return fleet.GroupLag{}, false
	}
	return v.Group(group)
}

// View returns the latest view of one cluster (an empty name means the
// default one), or nil before its first poll or when it is not configured.
func (c *Collector) View(cluster string) *fleet.LagView {
	if cluster == "" {
		cluster = config.DefaultCluster
	}
	p, ok := c.byName[cluster]
	if !ok {
		return nil
	}
	return p.view.Load()
}

// Views returns the latest view of every cluster polled so far, in
// configuration order.
func (c *Collector) Views() []*fleet.LagView {
	out := make([]*fleet.LagView, 0, len(c.pollers))
	for _, p := range c.pollers {
		if v := p.view.Load(); v != nil {
			out = append(out, v)
		}
	}
	return out
}

// PerPartitionMetrics reports kafka.perPartitionMetrics: whether the
// per-partition families are exported (fleet.LagView.Walk's perPartition).
func (c *Collector) PerPartitionMetrics() bool { return c.perPart }

// Clusters reports, for every configured cluster that has been polled,
// whether its last poll could read it (flinkslo_kafka_up).
func (c *Collector) Clusters() map[string]bool {
	out := make(map[string]bool, len(c.pollers))
	for _, v := range c.Views() {
		out[v.Cluster] = v.Up
	}
	return out
}

// Close closes the Kafka clients. Lag and Collect keep serving the last
// views.
func (c *Collector) Close() {
	for _, p := range c.pollers {
		p.kcl.Close()
	}
}
