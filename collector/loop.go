package collector

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/health"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Policy decides who must act on each failure and on each unhealthy job
// (*classify.Policy): the one place that does.
type Policy interface {
	Failure(fleet.JobRef, fleet.Evidence) fleet.Decision
	Health(classify.Health) fleet.Verdict
}

// LagSource measures the Kafka lag of consumer groups (*kafka.Collector).
type LagSource interface {
	// SetGroups tells the source which groups the targets need, by cluster.
	SetGroups(map[string][]string)
	// Lag returns the latest view of one group.
	Lag(cluster, group string) (fleet.GroupLag, bool)
	// Clusters says which clusters answered their last poll.
	Clusters() map[string]bool
}

// Config is the scrape's part of the configuration.
type Config struct {
	Interval, Timeout     time.Duration
	MaxConcurrentRequests int
	// DetailInterval is how often each target's running jobs are read in
	// detail (0: never); DetailMaxVertices bounds the vertices per job.
	DetailInterval    time.Duration
	DetailMaxVertices int
	// PerTaskManagerMetrics adds each TaskManager's own memory read to a
	// JobManager's detail read, for at most DetailMaxTaskManagers of them.
	PerTaskManagerMetrics bool
	DetailMaxTaskManagers int
	// StateFile persists the counter baselines; "" keeps them in memory.
	StateFile string
	// HTTP is the client setting of targets that have none of their own.
	HTTP   config.HTTPClient
	Health health.Config
}

// ConfigFrom takes the scrape's settings from a loaded config.
func ConfigFrom(c *config.Config) Config {
	return Config{
		Interval: c.ScrapeInterval.D(), Timeout: c.ScrapeTimeout.D(), MaxConcurrentRequests: c.MaxConcurrentRequests,
		DetailInterval: detailInterval(c), DetailMaxVertices: c.DetailMaxVertices,
		PerTaskManagerMetrics: c.PerTaskManagerMetrics, DetailMaxTaskManagers: c.DetailMaxTaskManagers,
		StateFile: c.StateFile, HTTP: c.HTTP, Health: health.FromConfig(c.Health),
	}
}

// detailInterval is the config's, or the default when the config was not
// loaded from a file (no defaults applied).
func detailInterval(c *config.Config) time.Duration {
	if c.DetailInterval == nil {
		return config.DefaultDetailInterval
	}
	return c.DetailInterval.D()
}

// Options configures a Loop. Sources, Store, Config and Policy are
// required.
type Options struct {
	Sources []TargetSource
	Store   *fleet.Store
	Config  Config
	// Filter, when set, keeps only the targets this replica owns (sharding).
	Filter func(fleet.Target) bool
	// Policy is required.
	Policy     Policy
	Lag        LagSource
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Getenv reads secrets named in the config; os.Getenv in main.
	Getenv func(string) string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Loop scrapes every target each scrape interval and publishes a Snapshot.
type Loop struct {
	opts Options
	cfg  Config
	log  *slog.Logger
	now  func() time.Time
	gate gate
	tr   *transports
	// health is replaced whole by SetHealth (a config reload).
	health atomic.Pointer[health.Config]
	state  *stateFile

	mu      sync.Mutex // guards targets and sched
	targets map[string]*targetState
	sched   detailSchedule
	// pending are failure reports waiting for the cycle that scrapes their
	// target (only RunOnce touches them).
	pending []pendingReport
	seq     uint64

	cycleDuration prometheus.Gauge
	cycles        prometheus.Counter
	lastCycle     prometheus.Gauge
	targetCount   prometheus.Gauge
	stateErrors   prometheus.Counter
}

// NewLoop builds a loop; it does no I/O until Run or RunOnce.
func NewLoop(opts Options) (*Loop, error) {
	if opts.Store == nil || opts.Policy == nil || opts.Config.Interval <= 0 || opts.Config.MaxConcurrentRequests <= 0 {
		return nil, fmt.Errorf("new collector loop: store, policy, interval and concurrency are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	cfg := opts.Config
	l := &Loop{
		opts:    opts,
		cfg:     cfg,
		log:     opts.Logger,
		now:     opts.Now,
		gate:    newGate(cfg.MaxConcurrentRequests),
		tr:      newTransports(cfg.Interval, opts.Getenv),
		targets: map[string]*targetState{},
		sched:   newDetailSchedule(cfg.DetailInterval, cfg.Interval),
	}
	if l.cfg.DetailMaxVertices <= 0 {
		l.cfg.DetailMaxVertices = config.DefaultDetailMaxVertices
	}
	if l.cfg.DetailMaxTaskManagers <= 0 {
		l.cfg.DetailMaxTaskManagers = config.DefaultDetailMaxTaskManagers
	}
	l.health.Store(&cfg.Health)
	f := promauto.With(opts.Registerer)
	l.cycleDuration = f.NewGauge(prometheus.GaugeOpts{Name: "flinkslo_scrape_cycle_duration_seconds", Help: "Duration of the last complete scrape cycle over all targets."})
	l.cycles = f.NewCounter(prometheus.CounterOpts{Name: "flinkslo_scrape_cycles_total", Help: "Scrape cycles completed."})
	l.lastCycle = f.NewGauge(prometheus.GaugeOpts{Name: "flinkslo_last_scrape_timestamp_seconds", Help: "When the last scrape cycle finished, in seconds since the epoch."})
	l.targetCount = f.NewGauge(prometheus.GaugeOpts{Name: "flinkslo_targets", Help: "Targets scraped in the last cycle."})
	l.stateErrors = f.NewCounter(prometheus.CounterOpts{Name: "flinkslo_state_file_errors_total", Help: "Failed reads or writes of the counter state file."})
	if cfg.StateFile != "" {
		sf, err := loadStateFile(cfg.StateFile)
		if err != nil {
			// A damaged state file must not stop monitoring: counters then
			// start from Flink's values, as without a state file.
			l.stateErrors.Inc()
			l.log.Warn("state file unreadable, starting counters afresh", "path", cfg.StateFile, "err", err)
			sf = &stateFile{path: cfg.StateFile, Jobs: map[string]health.Counters{}}
		}
		l.state = sf
	}
	return l, nil
}

// SetHealth replaces the signal definitions from the next cycle on.
func (l *Loop) SetHealth(c health.Config) { l.health.Store(&c) }

// Health is the signal definitions in force.
func (l *Loop) Health() health.Config { return *l.health.Load() }

// Run scrapes at once and then every scrape interval until ctx ends.
func (l *Loop) Run(ctx context.Context) error {
	defer l.tr.close()
	t := time.NewTicker(l.cfg.Interval)
	defer t.Stop()
	for {
		l.RunOnce(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce runs one scrape cycle, publishes and returns its snapshot.
func (l *Loop) RunOnce(ctx context.Context) *fleet.Snapshot {
	start := l.now()
	targets := l.currentTargets()
	if l.opts.Lag != nil {
		l.opts.Lag.SetGroups(groupsByCluster(targets))
	}
	// A cycle never outlives the interval: a target still scraping by then
	// is reported down rather than delaying everyone else.
	cctx, cancel := context.WithTimeout(ctx, l.cfg.Interval)
	defer cancel()

	states, due := l.statesFor(targets)
	results := make([]fleet.TargetStatus, len(targets))
	failures := make([][]fleet.Failure, len(targets))
	// Requests in flight are bounded by the gate; targets in progress are
	// bounded too, at twice that, by a pool of workers that each take the
	// next target and make its requests: no goroutine (and no stack to
	// grow) per target or per request.
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(len(targets), 2*l.cfg.MaxConcurrentRequests) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(targets); i = int(next.Add(1) - 1) {
				results[i], failures[i] = l.scrapeTarget(cctx, targets[i], states[i], due[i])
			}
		})
	}
	wg.Wait()

	snap := &fleet.Snapshot{Started: start, Targets: results}
	for _, fs := range failures {
		snap.Failures = append(snap.Failures, fs...)
	}
	snap.Failures = append(snap.Failures, l.drainReports(results)...)
	l.judge(results, states, l.now())
	sort.SliceStable(snap.Failures, func(i, j int) bool { return snap.Failures[i].Time.Before(snap.Failures[j].Time) })
	if l.opts.Lag != nil {
		snap.Kafka = l.kafkaView(targets)
	}
	snap.Finished = l.now()
	l.mu.Lock()
	l.seq++
	snap.Seq = l.seq
	l.mu.Unlock()
	l.saveState()

	l.cycleDuration.Set(snap.Finished.Sub(start).Seconds())
	l.lastCycle.Set(float64(snap.Finished.UnixNano()) / 1e9)
	l.targetCount.Set(float64(len(targets)))
	l.cycles.Inc()
	l.opts.Store.Publish(snap)
	return snap
}

// currentTargets merges every source, applies the shard filter, and sorts
// by key. A key claimed twice keeps its first source's target.
func (l *Loop) currentTargets() []fleet.Target {
	seen := map[string]bool{}
	var out []fleet.Target
	for _, s := range l.opts.Sources {
		for _, t := range s.Targets() {
			k := t.Key()
			if seen[k] || (l.opts.Filter != nil && !l.opts.Filter(t)) {
				continue
			}
			seen[k] = true
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// statesFor returns the per-target state for each target, creating it for
// new ones and forgetting vanished ones, so their series go with them, and
// whether each is read in detail this cycle.
func (l *Loop) statesFor(targets []fleet.Target) ([]*targetState, []bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sched.advance()
	out := make([]*targetState, len(targets))
	due := make([]bool, len(targets))
	keep := make(map[string]*targetState, len(targets))
	for i, t := range targets {
		st := l.targets[t.Key()]
		if st == nil {
			st = &targetState{jobs: map[string]*jobState{}, detailSlot: l.sched.assign()}
		}
		out[i], due[i] = st, l.sched.due(st.detailSlot)
		keep[t.Key()] = st
	}
	l.targets = keep
	return out, due
}

// clientFor returns the REST client of a target, rebuilding it when the
// target's URL or HTTP settings change.
func (l *Loop) clientFor(t fleet.Target, st *targetState) (*flink.Client, error) {
	h := t.HTTP
	if h == nil {
		h = &l.cfg.HTTP
	}
	key := t.URL + "\x00" + fmt.Sprintf("%p", h)
	if st.client != nil && st.clientKey == key {
		return st.client, nil
	}
	hc, err := l.tr.client(h)
	if err != nil {
		return nil, err
	}
	c, err := flink.New(t.URL, flink.Options{HTTP: hc, Header: http.Header{"User-Agent": {"flinkslo"}}, Timeout: l.cfg.Timeout, Gate: l.gate})
	if err != nil {
		return nil, err
	}
	st.client, st.clientKey = c, key
	return c, nil
}
