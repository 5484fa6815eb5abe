package daemon

import (
	"fmt"
	"os"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/collector/kube"
	"github.com/flinkslo/flinkslo/collector/shard"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/lease"
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
	elector   *lease.Elector // nil: always leader
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
	var owner kube.Owner // nil: this replica owns every target
	if sh.Count > 1 {
		owner = sh
		// The Loop splits every source's targets, static ones included;
		// discovery also skips the resources it does not own, so it builds
		// neither their targets nor their failure reports.
		kp.filter = func(t fleet.Target) bool { return sh.Owns(t.Key()) }
	}
	kc := cfg.Kubernetes
	if kc == nil {
		return kp, nil
	}
	// client-go logs through klog; send it where everything else goes.
	klog.SetSlogLogger(o.Log.With("component", "client-go"))
	rc, err := kube.RESTConfig(o.Kubeconfig, o.Getenv("KUBECONFIG"))
	if err != nil {
		return kp, fmt.Errorf("kubernetes: %w", err)
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return kp, fmt.Errorf("kubernetes dynamic client: %w", err)
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return kp, fmt.Errorf("kubernetes client: %w", err)
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
	if kp.elector, err = elector(kc.LeaderElection, sh, client, o); err != nil {
		return kp, err
	}
	d.last = append(d.last, kp.elector.Run)
	return kp, nil
}

// elector campaigns for this shard's Lease, in leaderElection.namespace,
// else $POD_NAMESPACE, else the pod's own, as $POD_NAME, else the host.
func elector(le config.LeaderElection, sh shard.Shard, client kubernetes.Interface, o Options) (*lease.Elector, error) {
	le.LeaseName = lease.LeaseName(le.LeaseName, sh.Index, sh.Count)
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
