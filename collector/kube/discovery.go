// Package kube discovers Flink deployments from the Flink Kubernetes
// Operator's FlinkDeployment and FlinkSessionJob resources, watches their
// JobManager and TaskManager pods for failures the REST API cannot show
// (OOMKilled, image pulls, scheduling, evictions, node loss). Leader
// election lives in package lease.
package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Owner says whether this replica owns a target key (namespace/name);
// shard.Shard is one.
type Owner interface {
	Owns(key string) bool
}

// DefaultResync is how often the informers re-deliver every object. A
// failure report dropped because its target was not scraped yet is sent
// again then.
const DefaultResync = 5 * time.Minute

// Options configure a Discoverer.
type Options struct {
	// Config is the kubernetes section, with defaults applied.
	Config *config.Kubernetes
	// Dynamic reads the operator's resources.
	Dynamic dynamic.Interface
	// Client reads pods and events; needed when Config.PodSignals is on.
	Client kubernetes.Interface
	// Shard limits targets and reports to this replica's part; nil owns all.
	Shard  Owner
	Logger *slog.Logger
	// Resync defaults to DefaultResync.
	Resync time.Duration
}

// Discoverer is the scrape loop's source of targets and of failure reports
// (collector.TargetSource and collector.FailureSource), fed by informers.
type Discoverer struct {
	opts    Options
	log     *slog.Logger
	targets targets

	mu        sync.Mutex
	resources map[string]*resource // by resource key
	opErrors  map[string]*opError  // by resource key
	cached    []fleet.Target
	dirty     bool

	synced atomic.Bool

	rmu     sync.Mutex // guards reports; informers report while the loop drains
	reports []fleet.FailureReport
}

// New checks the options; Run starts watching.
func New(opts Options) (*Discoverer, error) {
	if opts.Config == nil || opts.Dynamic == nil {
		return nil, errors.New("kubernetes discovery needs its config section and a dynamic client")
	}
	if _, err := labels.Parse(opts.Config.LabelSelector); err != nil {
		return nil, fmt.Errorf("kubernetes.labelSelector %q: %w", opts.Config.LabelSelector, err)
	}
	if podSignalsOn(opts.Config) && opts.Client == nil {
		return nil, errors.New("kubernetes pod signals need a clientset")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Resync <= 0 {
		opts.Resync = DefaultResync
	}
	return &Discoverer{
		opts:      opts,
		log:       opts.Logger,
		targets:   targets{cfg: opts.Config},
		resources: map[string]*resource{},
		opErrors:  map[string]*opError{},
	}, nil
}

func podSignalsOn(c *config.Kubernetes) bool { return c.PodSignals == nil || *c.PodSignals }

// Run watches until ctx ends. The operator's resources sync first, so that
// the pods seen next already have their deployment.
func (d *Discoverer) Run(ctx context.Context) error {
	w := newWatchers(ctx, d)
	defer w.shutdown()
	if err := w.startResources(); err != nil {
		return ignoreCanceled(ctx, err)
	}
	if podSignalsOn(d.opts.Config) {
		if err := w.startPods(); err != nil {
			return ignoreCanceled(ctx, err)
		}
	}
	d.synced.Store(true)
	d.log.Info("kubernetes discovery synced", "targets", len(d.Targets()))
	<-ctx.Done()
	return nil
}

// ignoreCanceled: a sync cut short by shutdown is no error.
func ignoreCanceled(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Ready is nil once the informers have synced, for /readyz: before that
// the target list would be partial.
func (d *Discoverer) Ready() error {
	if !d.synced.Load() {
		return errors.New("kubernetes discovery has not synced yet")
	}
	return nil
}

// Targets returns the discovered targets this replica owns, sorted by key.
// The slice is shared: callers must not modify it.
func (d *Discoverer) Targets() []fleet.Target {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dirty || d.cached == nil {
		d.cached = d.rebuildLocked()
		d.dirty = false
	}
	return d.cached
}

// rebuildLocked builds every target. A FlinkDeployment and a
// FlinkSessionJob of the same name in a namespace would share a key; the
// deployment keeps it.
func (d *Discoverer) rebuildLocked() []fleet.Target {
	out := make([]fleet.Target, 0, len(d.resources))
	byKey := make(map[string]int, len(d.resources))
	for _, r := range d.resources {
		t, ok := d.targetLocked(r)
		if !ok || !d.owns(t.Key()) {
			continue
		}
		if i, dup := byKey[t.Key()]; dup {
			if r.Kind == KindDeployment {
				out[i] = t
			}
			d.log.Warn("flinkdeployment and flinksessionjob share a name, watching the deployment only",
				"namespace", r.Namespace, "deployment", r.Name)
			continue
		}
		byKey[t.Key()] = len(out)
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

func (d *Discoverer) targetLocked(r *resource) (fleet.Target, bool) {
	var session *resource
	if r.Kind == KindSessionJob {
		session = d.resources[KindDeployment+"/"+r.Namespace+"/"+r.Session]
	}
	return d.targets.of(r, session)
}

func (d *Discoverer) owns(key string) bool { return d.opts.Shard == nil || d.opts.Shard.Owns(key) }

// Reshard rebuilds the targets at the next Targets, after the shard
// changed: the resources are all kept, whoever owns them.
func (d *Discoverer) Reshard() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dirty = true
}

// upsert records a resource as added or changed and reports its operator
// error. Work per event is constant: the target list is rebuilt once, when
// next asked for.
func (d *Discoverer) upsert(r *resource) {
	d.mu.Lock()
	old := d.resources[r.key()]
	d.resources[r.key()] = r
	if old == nil || !reflect.DeepEqual(old, r) {
		d.dirty = true
	}
	t, ok := d.targetLocked(r)
	rep, report := d.operatorErrorLocked(r)
	d.mu.Unlock()
	if ok && report {
		d.report(t, t.JobName, rep.Input, rep.Fingerprint)
	}
}

// remove forgets a deleted resource; its target and series go with it.
func (d *Discoverer) remove(kind, namespace, name string) {
	k := kind + "/" + namespace + "/" + name
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.resources[k]; ok {
		delete(d.resources, k)
		delete(d.opErrors, k)
		d.dirty = true
	}
}

// deploymentTarget is the target of the FlinkDeployment namespace/name, for
// a pod's signals; false when it is not discovered or not this shard's.
func (d *Discoverer) deploymentTarget(namespace, name string) (fleet.Target, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.resources[KindDeployment+"/"+namespace+"/"+name]
	if r == nil {
		return fleet.Target{}, false
	}
	t, ok := d.targetLocked(r)
	return t, ok && d.owns(t.Key())
}

// report queues a failure for the scrape loop, which drains the queue
// every cycle (Reports). Reporting a fingerprint again is harmless: the
// loop counts it once. The queue is bounded: past maxReports the oldest
// go, as a loop that stopped draining must not grow it without limit.
func (d *Discoverer) report(t fleet.Target, job string, in fleet.Evidence, fingerprint string) {
	if !d.owns(t.Key()) {
		return
	}
	d.rmu.Lock()
	defer d.rmu.Unlock()
	if len(d.reports) >= maxReports {
		d.reports = d.reports[1:]
	}
	d.reports = append(d.reports, fleet.FailureReport{Target: t, Job: job, Evidence: in, Fingerprint: fingerprint})
}

// maxReports bounds the queue of undrained failure reports.
const maxReports = 10000

// Reports returns and forgets the failures seen since the last call: the
// operator's status errors and the pods' failures, for the scrape loop to
// classify, count and route.
func (d *Discoverer) Reports() []fleet.FailureReport {
	d.rmu.Lock()
	defer d.rmu.Unlock()
	out := d.reports
	d.reports = nil
	return out
}
