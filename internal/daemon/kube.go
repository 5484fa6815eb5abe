package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kube"
	"github.com/flinkslo/flinkslo/collector/shard"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/lease"
	"github.com/prometheus/client_golang/prometheus"
)

// The discoverer is both of the loop's sources.
var (
	_ collector.TargetSource  = (*kube.Discoverer)(nil)
	_ collector.FailureSource = (*kube.Discoverer)(nil)
)

// The Lease store says how much it holds, so that the router keeps the
// state within it.
var _ interface{ Limit() int } = (*lease.StateStore)(nil)

// kubeParts is what sharding and Kubernetes contribute to the other parts:
// the discovered targets (and their failures) for the scrape loop, the
// shard filter, and the leader election that the router and DogStatsD
// obey. Without a kubernetes section only the shard filter is set.
type kubeParts struct {
	discovery *kube.Discoverer // nil without discovery
	filter    func(fleet.Target) bool
	// owns is the shard's ownership of a key (Target.Key, or a consumer
	// group's); nil: this replica owns everything.
	owns    func(key string) bool
	elector *lease.Elector // nil: always leader
}

// buildKube shards the targets and, when the config has a kubernetes
// section, discovers Flink resources, reads pod failures and elects the
// replica that sends notifications.
func (d *Daemon) buildKube(cfg *config.Config, o Options) (kubeParts, error) {
	var kp kubeParts
	sh, err := shard.New(o.ShardIndex, max(o.ShardCount, 1))
	if err != nil {
		return kp, err
	}
	kc := cfg.Kubernetes
	var client kubernetes.Interface
	var rc *rest.Config
	if kc != nil || o.ShardFromStatefulSet {
		// client-go logs through klog; send it where everything else goes.
		klog.SetSlogLogger(o.Log.With("component", "client-go"))
		if rc, err = kube.RESTConfig(o.Kubeconfig, o.Getenv("KUBECONFIG")); err != nil {
			return kp, fmt.Errorf("kubernetes: %w", err)
		}
		if client, err = kubernetes.NewForConfig(rc); err != nil {
			return kp, fmt.Errorf("kubernetes client: %w", err)
		}
	}
	var owner kube.Owner // nil: this replica owns every target
	leaseName := func(name string) string { return lease.LeaseName(name, sh.Index, sh.Count) }
	if o.ShardFromStatefulSet {
		live, err := d.statefulSetShard(client, o, &kp)
		if err != nil {
			return kp, err
		}
		owner = live
		kp.owns = live.Owns
		kp.filter = func(t fleet.Target) bool { return live.Owns(t.Key()) }
		// The Lease is the ordinal's whatever the count, so that scaling
		// to one replica and back keeps each shard's leader.
		leaseName = func(name string) string { return fmt.Sprintf("%s-%d", name, live.ordinal) }
	} else if sh.Count > 1 {
		owner = sh
		// The Loop splits every source's targets, static ones included;
		// discovery also skips the resources it does not own, so it builds
		// neither their targets nor their failure reports.
		kp.owns = sh.Owns
		kp.filter = func(t fleet.Target) bool { return sh.Owns(t.Key()) }
	}
	d.registerShard(func() shard.Shard {
		if l, ok := owner.(*liveShard); ok {
			if !l.known.Load() {
				return shard.Shard{}
			}
			return l.Load()
		}
		return shard.Shard{Index: sh.Index, Count: sh.Count}
	})
	if kc == nil {
		return kp, nil
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return kp, fmt.Errorf("kubernetes dynamic client: %w", err)
	}
	kp.discovery, err = kube.New(kube.Options{
		Config: kc, Dynamic: dyn, Client: client, Shard: owner, Logger: o.Log.With("component", "kubernetes"),
	})
	if err != nil {
		return kp, err
	}
	d.runners = append(d.runners, kp.discovery.Run)
	d.checks = append(d.checks, kp.discovery.Ready)
	if !kc.LeaderElection.Enabled {
		return kp, nil
	}
	kc.LeaderElection.LeaseName = leaseName(kc.LeaderElection.LeaseName)
	if kp.elector, err = elector(kc.LeaderElection, client, o); err != nil {
		return kp, err
	}
	d.last = append(d.last, kp.elector.Run)
	return kp, nil
}

// elector campaigns for this shard's Lease, in leaderElection.namespace,
// else $POD_NAMESPACE, else the pod's own, as $POD_NAME, else the host.
func elector(le config.LeaderElection, client kubernetes.Interface, o Options) (*lease.Elector, error) {
	if le.Namespace == "" {
		le.Namespace = o.Getenv("POD_NAMESPACE")
	}
	if le.Namespace == "" {
		ns, err := lease.InClusterNamespace()
		if err != nil {
			return nil, fmt.Errorf("kubernetes.leaderElection.namespace is unset, $POD_NAMESPACE is empty, and %w", err)
		}
		le.Namespace = ns
	}
	id := o.Getenv("POD_NAME")
	if id == "" {
		var err error
		if id, err = os.Hostname(); err != nil {
			return nil, fmt.Errorf("leader election identity: set $POD_NAME: %w", err)
		}
	}
	return lease.NewElector(client, le, id, o.Log.With("component", "leader-election"))
}

// liveShard is the shard of a StatefulSet pod: unknown, and owning
// nothing, until the StatefulSet is read; then its ordinal of the
// replicas, as they change.
type liveShard struct {
	shard.Live
	ordinal int
	known   atomic.Bool
}

func (l *liveShard) Owns(key string) bool { return l.known.Load() && l.Live.Owns(key) }

// statefulSetShard follows this pod's StatefulSet: the daemon is not ready,
// and scrapes nothing, until it knows its shard, and a change of the
// replica count re-shards the targets at once.
func (d *Daemon) statefulSetShard(client kubernetes.Interface, o Options, kp *kubeParts) (*liveShard, error) {
	pod, ns := o.Getenv("POD_NAME"), o.Getenv("POD_NAMESPACE")
	if pod == "" || ns == "" {
		return nil, errors.New("--shard.from-statefulset needs $POD_NAME and $POD_NAMESPACE (the downward API's metadata.name and metadata.namespace)")
	}
	sts, err := kube.NewStatefulSetShard(client, ns, pod, o.Log.With("component", "sharding"))
	if err != nil {
		return nil, fmt.Errorf("--shard.from-statefulset: %w", err)
	}
	live := &liveShard{ordinal: sts.Ordinal()}
	// kp is buildKube's own: the discoverer is set in it before Start.
	d.runners = append(d.runners, func(ctx context.Context) error {
		return sts.Run(ctx, func(sh shard.Shard) {
			if !live.Set(sh) && live.known.Load() {
				return
			}
			live.known.Store(true)
			if kp.discovery != nil {
				kp.discovery.Reshard()
			}
			o.Log.Info("shard from statefulset", "statefulset", sts.StatefulSet(), "shard", sh.String())
		})
	})
	d.checks = append(d.checks, func() error {
		if !live.known.Load() {
			return fmt.Errorf("shard not known yet: statefulset %s not read", sts.StatefulSet())
		}
		return nil
	})
	return live, nil
}

// registerShard exports which shard this replica scrapes, so that a
// fleet-wide query can check that every shard is there:
// count(flinkslo_shard_index) == max(flinkslo_shards).
func (d *Daemon) registerShard(current func() shard.Shard) {
	d.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flinkslo_shard_index",
			Help: "This replica's shard, 0-based (--shard.index, or its StatefulSet ordinal).",
		}, func() float64 { return float64(current().Index) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flinkslo_shards",
			Help: "Shards the targets are split into: --shard.count, or the StatefulSet's replicas (0 until read).",
		}, func() float64 { return float64(max(current().Count, 0)) }),
	)
}
