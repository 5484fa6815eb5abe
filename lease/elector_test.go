package lease

import (
	"github.com/stretchr/testify/require"

	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/flinkslo/flinkslo/internal/config"
)

// fastElection keeps tests short; the ratios are the defaults'.
var fastElection = config.LeaderElection{
	Enabled: true, LeaseName: "flinkslo", Namespace: "flinkslo",
	LeaseDuration: config.Duration(1500 * time.Millisecond),
	RenewDeadline: config.Duration(1000 * time.Millisecond),
	RetryPeriod:   config.Duration(200 * time.Millisecond),
}

// replica is one running Elector.
type replica struct {
	e      *Elector
	cancel context.CancelFunc
	done   chan error
}

func runReplica(t *testing.T, cs kubernetes.Interface, cfg config.LeaderElection, id string) *replica {
	t.Helper()
	e, err := NewElector(cs, cfg, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{e: e, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- e.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

// stop ends the replica's campaign and waits for it (releasing the Lease).
func (r *replica) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel = nil
}

// leaderOf waits until exactly one replica leads and returns it.
func leaderOf(t *testing.T, rs ...*replica) (leader, other *replica) {
	t.Helper()
	eventually(t, "one leader", func() bool {
		n := 0
		for _, r := range rs {
			if r.e.IsLeader() {
				n++
				leader = r
			}
		}
		return n == 1
	})
	for _, r := range rs {
		if r != leader {
			other = r
		}
	}
	return leader, other
}

func TestFailoverKeepsState(t *testing.T) {
	cs := fake.NewClientset(&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "flinkslo", Namespace: "flinkslo"}})
	// The fake clientset does not check resourceVersions, so two replicas
	// starting at once could both win; the real API server test
	// (e2e_test.go) races them. Here the second starts once the first leads.
	a := runReplica(t, cs, fastElection, "flinkslo-0")
	eventually(t, "first replica leads", a.e.IsLeader)
	b := runReplica(t, cs, fastElection, "flinkslo-1")
	leader, follower := leaderOf(t, a, b)
	ctx := context.Background()

	open := []byte(`{"incidents":[{"key":"checkout/orders-enrichment/container_oom_killed","route":"page"}]}`)
	if err := leader.e.StateStore().Save(ctx, open); err != nil {
		t.Fatalf("leader Save: %v", err)
	}
	// A follower's view must never replace the leader's.
	if err := follower.e.StateStore().Save(ctx, []byte(`{"incidents":[]}`)); err != nil {
		t.Fatalf("follower Save: %v", err)
	}
	if got, _ := follower.e.StateStore().Load(ctx); string(got) != string(open) {
		t.Fatalf("state after follower Save = %s, want the leader's %s", got, open)
	}

	// The leader stops; the follower takes over with the state.
	leader.stop()
	eventually(t, "follower leads", follower.e.IsLeader)
	got, err := follower.e.StateStore().Load(ctx)
	if err != nil || string(got) != string(open) {
		t.Fatalf("new leader loads %s, %v; want %s", got, err, open)
	}
	// Renewals keep the state on the Lease.
	resolved := []byte(`{"incidents":[]}`)
	if err := follower.e.StateStore().Save(ctx, resolved); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * fastElection.RetryPeriod.D()) // several renewals
	if got, _ := follower.e.StateStore().Load(ctx); string(got) != string(resolved) {
		t.Errorf("state after renewals = %s, want %s", got, resolved)
	}
}

func TestLoadWithoutStateIsEmpty(t *testing.T) {
	cs := fake.NewClientset()
	r := runReplica(t, cs, fastElection, "solo") // creates the Lease
	eventually(t, "leader", r.e.IsLeader)
	got, err := r.e.StateStore().Load(context.Background())
	if err != nil || got != nil {
		t.Errorf("Load = %q, %v; want nothing", got, err)
	}
}

func TestSaveRejectsOversizedState(t *testing.T) {
	cs := fake.NewClientset()
	r := runReplica(t, cs, fastElection, "solo")
	eventually(t, "leader", r.e.IsLeader)
	err := r.e.StateStore().Save(context.Background(), make([]byte, MaxState+1))
	if err == nil {
		t.Error("Save of an oversized state succeeded, want an error")
	}
}

func TestNewElectorValidates(t *testing.T) {
	cs := fake.NewClientset()
	bad := fastElection
	bad.RenewDeadline = bad.LeaseDuration
	tests := []struct {
		name string
		cfg  config.LeaderElection
		id   string
	}{
		{"no identity", fastElection, ""},
		{"no namespace", config.LeaderElection{LeaseName: "x", LeaseDuration: 3, RenewDeadline: 2, RetryPeriod: 1}, "a"},
		{"renew deadline not below lease duration", bad, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewElector(cs, tt.cfg, tt.id, nil); err == nil {
				t.Error("NewElector succeeded, want an error")
			}
		})
	}
}

func TestLeaseName(t *testing.T) {
	if got := LeaseName("flinkslo", 0, 1); got != "flinkslo" {
		t.Errorf("single shard lease = %q, want flinkslo", got)
	}
	if got := LeaseName("flinkslo", 2, 3); got != "flinkslo-2" {
		t.Errorf("shard 2 of 3 lease = %q, want flinkslo-2", got)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 30*time.Second, 5*time.Millisecond, "timed out waiting for %s", what)
}
