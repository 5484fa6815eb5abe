package lease

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/flinkslo/flinkslo/internal/kubetest"
)

// testFailover races two replicas for the shipped Lease as flinkslo's
// service account: one leads, its state survives its exit, and a replica
// that lost the Lease can no longer write.
func TestFailoverOnARealAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kube-apiserver")
	}
	s := kubetest.Start(t)
	s.InstallFlinkCRDs(t)
	s.ApplyKustomization(t, "../deploy")
	sa := s.ServiceAccountConfig(t, "flinkslo", "flinkslo")
	cfg := fastElection
	cfg.Namespace, cfg.LeaseName = "flinkslo", "flinkslo"
	cs := func() kubernetes.Interface { return kubernetes.NewForConfigOrDie(sa) }
	a, b := runReplica(t, cs(), cfg, "flinkslo-0"), runReplica(t, cs(), cfg, "flinkslo-1")
	leader, follower := leaderOf(t, a, b)
	ctx := context.Background()

	open := []byte(`{"incidents":[{"key":"analytics/shared-session//container_oom_killed","route":"page"}]}`)
	if err := leader.e.StateStore().Save(ctx, open); err != nil {
		t.Fatalf("leader Save: %v", err)
	}
	if err := follower.e.StateStore().Save(ctx, []byte(`{}`)); err != nil {
		t.Fatalf("follower Save: %v", err)
	}
	time.Sleep(3 * cfg.RetryPeriod.D()) // renewals by the leader, attempts by the follower
	if leader.e.IsLeader() == follower.e.IsLeader() {
		t.Fatal("both or neither lead after renewals")
	}

	// What the leader knew of the Lease while leading: it claims the Lease.
	leader.e.lock.mu.Lock()
	stale := leader.e.lock.lease.DeepCopy()
	leader.e.lock.mu.Unlock()

	leader.stop() // releases the Lease
	eventually(t, "follower takes over", follower.e.IsLeader)
	if got, err := follower.e.StateStore().Load(ctx); err != nil || string(got) != string(open) {
		t.Fatalf("new leader loads %s, %v; want %s", got, err, open)
	}

	// A former leader that still believes it leads (a long GC pause, a
	// partition) writes from its stale copy: only the API server's
	// resourceVersion check can stop it, and must.
	leader.e.lock.mu.Lock()
	leader.e.lock.lease = stale
	leader.e.lock.mu.Unlock()
	if err := leader.e.lock.saveState(ctx, []byte(`{"stale":true}`)); !errors.Is(err, errNotHolder) {
		t.Fatalf("stale write: err = %v, want refused as not the holder", err)
	}
	if got, _ := follower.e.StateStore().Load(ctx); string(got) != string(open) {
		t.Errorf("state after a stale write = %s, want %s", got, open)
	}
}
