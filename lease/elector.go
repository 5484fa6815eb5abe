package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"

	"github.com/flinkslo/flinkslo/internal/config"
)

// Elector elects one leader among the replicas of a shard on a
// coordination.k8s.io Lease. Every replica scrapes and serves /metrics;
// only the leader sends notifications.
type Elector struct {
	lock   *leaseLock
	cfg    config.LeaderElection
	log    *slog.Logger
	leader atomic.Bool
}

// NewElector campaigns for the Lease cfg.Namespace/cfg.LeaseName (see
// LeaseName for shards) as identity, which must be unique among replicas
// (the pod name).
func NewElector(client kubernetes.Interface, cfg config.LeaderElection, identity string, log *slog.Logger) (*Elector, error) {
	switch {
	case client == nil:
		return nil, errors.New("leader election needs a kubernetes client")
	case cfg.LeaseName == "" || cfg.Namespace == "":
		return nil, fmt.Errorf("leader election needs a lease name and namespace, have %q in %q", cfg.LeaseName, cfg.Namespace)
	case identity == "":
		return nil, errors.New("leader election needs an identity")
	case !(cfg.LeaseDuration > cfg.RenewDeadline && cfg.RenewDeadline > cfg.RetryPeriod && cfg.RetryPeriod > 0):
		return nil, errors.New("leader election wants leaseDuration > renewDeadline > retryPeriod > 0")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lock := &leaseLock{client: client.CoordinationV1(), namespace: cfg.Namespace, name: cfg.LeaseName, identity: identity}
	return &Elector{lock: lock, cfg: cfg, log: log}, nil
}

// IsLeader reports whether this replica holds the Lease now.
func (e *Elector) IsLeader() bool { return e.leader.Load() }

// Lease names the Lease campaigned for, as namespace/name.
func (e *Elector) Lease() string { return e.lock.Describe() }

// StateStore keeps the leader's state on the same Lease.
func (e *Elector) StateStore() *StateStore { return &StateStore{lock: e.lock, elector: e} }

// Run campaigns until ctx ends, campaigning again after losing the Lease.
// On the way out it releases the Lease, so the other replica takes over
// at once rather than after the lease duration.
func (e *Elector) Run(ctx context.Context) error {
	for {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            e.lock,
			LeaseDuration:   e.cfg.LeaseDuration.D(),
			RenewDeadline:   e.cfg.RenewDeadline.D(),
			RetryPeriod:     e.cfg.RetryPeriod.D(),
			ReleaseOnCancel: true,
			Name:            e.lock.Describe(),
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(context.Context) {
					e.leader.Store(true)
					e.log.Info("became leader: sending notifications", "lease", e.lock.Describe(), "identity", e.lock.identity)
				},
				OnStoppedLeading: func() {
					if e.leader.Swap(false) {
						e.log.Warn("lost leadership: notifications stop until re-elected", "lease", e.lock.Describe())
					}
				},
				OnNewLeader: func(id string) {
					if id != e.lock.identity {
						e.log.Info("another replica leads", "lease", e.lock.Describe(), "leader", id)
					}
				},
			},
		})
		if err != nil {
			return fmt.Errorf("configure leader election: %w", err)
		}
		le.Run(ctx)
		e.leader.Store(false)
		t := time.NewTimer(e.cfg.RetryPeriod.D())
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// LeaseName is the Lease of a shard: the configured name when there is one
// shard, name-<index> otherwise, so that each shard elects its own leader.
func LeaseName(name string, index, count int) string {
	if count <= 1 {
		return name
	}
	return fmt.Sprintf("%s-%d", name, index)
}

// serviceAccountNamespace is where Kubernetes mounts the pod's namespace.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// InClusterNamespace is the namespace of the pod flinkslo runs in, the
// default home of its Lease.
func InClusterNamespace() (string, error) {
	b, err := os.ReadFile(serviceAccountNamespace)
	if err != nil {
		return "", fmt.Errorf("read pod namespace: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
