package kube

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/flinkslo/flinkslo/collector/shard"
	"github.com/flinkslo/flinkslo/fleet"
)

// recorder is the loop's side of the reports: it drains them from the
// discoverer, keeps every one and counts each fingerprint once, as the
// Loop does.
type recorder struct {
	d       *Discoverer
	mu      sync.Mutex
	reports []fleet.FailureReport
}

func (r *recorder) drain() {
	if r.d != nil {
		r.reports = append(r.reports, r.d.Reports()...)
	}
}

// distinct returns the first report of each fingerprint, in order.
func (r *recorder) distinct() []fleet.FailureReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drain()
	seen := map[string]bool{}
	var out []fleet.FailureReport
	for _, f := range r.reports {
		if !seen[f.Fingerprint] {
			seen[f.Fingerprint] = true
			out = append(out, f)
		}
	}
	return out
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drain()
	return len(r.reports)
}

// harness runs a Discoverer on client-go's fake clients.
type harness struct {
	d   *Discoverer
	dyn *dynamicfake.FakeDynamicClient
	cs  *fake.Clientset
	rec *recorder
}

func start(t *testing.T, opts Options, objs ...runtime.Object) *harness {
	t.Helper()
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		DeploymentGVR: "FlinkDeploymentList",
		SessionJobGVR: "FlinkSessionJobList",
	}, objs...)
	h := &harness{dyn: dyn, cs: fake.NewClientset(), rec: &recorder{}}
	if opts.Config == nil {
		opts.Config = testConfig()
	}
	opts.Dynamic, opts.Client = dyn, h.cs
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.rec.d = d
	h.d = d
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	eventually(t, "discovery synced", func() bool { return d.Ready() == nil })
	return h
}

// eventually waits for informers to deliver a change; it bounds the wait
// so a broken handler fails rather than hangs, and asserts no timing.
// The deadline is generous for a loaded CI machine; it costs nothing when
// the condition holds early.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func keys(ts []fleet.Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Key()
	}
	return out
}

func (h *harness) target(key string) (fleet.Target, bool) {
	for _, t := range h.d.Targets() {
		if t.Key() == key {
			return t, true
		}
	}
	return fleet.Target{}, false
}

func (h *harness) resource(u *unstructured.Unstructured) interface {
	Create(context.Context, *unstructured.Unstructured, metav1.CreateOptions, ...string) (*unstructured.Unstructured, error)
	Update(context.Context, *unstructured.Unstructured, metav1.UpdateOptions, ...string) (*unstructured.Unstructured, error)
	Delete(context.Context, string, metav1.DeleteOptions, ...string) error
} {
	gvr := DeploymentGVR
	if u.GetKind() == KindSessionJob {
		gvr = SessionJobGVR
	}
	return h.dyn.Resource(gvr).Namespace(u.GetNamespace())
}

func (h *harness) create(t *testing.T, u *unstructured.Unstructured) {
	t.Helper()
	if _, err := h.resource(u).Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) update(t *testing.T, u *unstructured.Unstructured) {
	t.Helper()
	if _, err := h.resource(u).Update(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestTargetsFollowResources(t *testing.T) {
	h := start(t, Options{}, fixture(t, "application.yaml"))
	if got := keys(h.d.Targets()); !slices.Equal(got, []string{"checkout/orders-enrichment"}) {
		t.Fatalf("targets after sync = %v, want [checkout/orders-enrichment]", got)
	}

	h.create(t, fixture(t, "session-cluster.yaml"))
	h.create(t, fixture(t, "session-job.yaml"))
	want := []string{"analytics/sessions-rollup", "analytics/shared-session", "checkout/orders-enrichment"}
	eventually(t, "three targets", func() bool { return slices.Equal(keys(h.d.Targets()), want) })

	t.Run("suspended", func(t *testing.T) {
		u := fixture(t, "application.yaml")
		_ = unstructured.SetNestedField(u.Object, "suspended", "spec", "job", "state")
		h.update(t, u)
		eventually(t, "suspended target", func() bool { tg, _ := h.target("checkout/orders-enrichment"); return tg.Suspended })
	})

	t.Run("team label changed", func(t *testing.T) {
		u := fixture(t, "application.yaml")
		u.SetLabels(map[string]string{"flinkslo.io/team": "growth"})
		h.update(t, u)
		eventually(t, "new team", func() bool {
			tg, _ := h.target("checkout/orders-enrichment")
			return tg.Team == "growth" && !tg.Suspended
		})
	})

	t.Run("session cluster url follows its annotation", func(t *testing.T) {
		u := fixture(t, "session-cluster.yaml")
		u.SetAnnotations(map[string]string{"flinkslo.io/rest-url": "http://moved.analytics.svc:8081"})
		h.update(t, u)
		eventually(t, "session job on the moved url", func() bool {
			tg, _ := h.target("analytics/sessions-rollup")
			return tg.URL == "http://moved.analytics.svc:8081"
		})
	})

	t.Run("deleted", func(t *testing.T) {
		if err := h.dyn.Resource(DeploymentGVR).Namespace("checkout").Delete(context.Background(), "orders-enrichment", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "target gone", func() bool { _, ok := h.target("checkout/orders-enrichment"); return !ok })
	})
}

func TestOperatorErrorReportedOncePerOccurrence(t *testing.T) {
	h := start(t, Options{}, fixture(t, "deploy-error.yaml"))
	eventually(t, "error reported", func() bool { return len(h.rec.distinct()) == 1 })
	first := h.rec.distinct()[0]
	if first.Evidence.Source != fleet.SourceOperator || first.Evidence.OperatorError == "" || first.Target.Key() != "web/clickstream" {
		t.Fatalf("report = %+v, want the operator error of web/clickstream", first)
	}

	// The operator rewrites its status on every reconcile: same error,
	// same occurrence.
	u := fixture(t, "deploy-error.yaml")
	_ = unstructured.SetNestedField(u.Object, "DEPLOYING", "status", "jobManagerDeploymentStatus")
	before := h.rec.total()
	h.update(t, u)
	eventually(t, "update delivered", func() bool { return h.rec.total() > before })
	if n := len(h.rec.distinct()); n != 1 {
		t.Fatalf("%d distinct reports after an unchanged error, want 1", n)
	}

	// Cleared, then back: a new occurrence.
	unstructured.RemoveNestedField(u.Object, "status", "error")
	h.update(t, u)
	eventually(t, "error cleared", func() bool {
		tg, _ := h.target("web/clickstream")
		return tg.Operator != nil && tg.Operator.Error == ""
	})
	h.update(t, fixture(t, "deploy-error.yaml"))
	eventually(t, "second occurrence", func() bool { return len(h.rec.distinct()) == 2 })
}

func TestShardsSplitTargets(t *testing.T) {
	var objs []runtime.Object
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		u := fixture(t, "application.yaml")
		u.SetName(name)
		u.SetUID("")
		objs = append(objs, u)
	}
	var all []string
	for i := range 2 {
		s, _ := shard.New(i, 2)
		h := start(t, Options{Shard: s}, objs...)
		for _, k := range keys(h.d.Targets()) {
			if !s.Owns(k) {
				t.Errorf("shard %v lists %s, which it does not own", s, k)
			}
			all = append(all, k)
		}
	}
	slices.Sort(all)
	if len(all) != len(objs) || len(slices.Compact(slices.Clone(all))) != len(objs) {
		t.Errorf("shards together list %v, want each of the %d deployments once", all, len(objs))
	}
}

func TestDeploymentKeepsKeySharedWithSessionJob(t *testing.T) {
	dep := fixture(t, "session-cluster.yaml")
	job := fixture(t, "session-job.yaml")
	job.SetName("shared-session") // same name as its session cluster
	h := start(t, Options{}, dep, job)
	ts := h.d.Targets()
	if len(ts) != 1 || ts[0].Operator.Kind != KindDeployment {
		t.Errorf("targets = %+v, want only the FlinkDeployment", ts)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	dyn := dynamicfake.NewSimpleDynamicClient(runtime.NewScheme())
	bad := testConfig()
	bad.LabelSelector = "team in (a"
	tests := []struct {
		name string
		opts Options
	}{
		{"no config", Options{Dynamic: dyn}},
		{"no dynamic client", Options{Config: testConfig()}},
		{"pod signals without a clientset", Options{Config: testConfig(), Dynamic: dyn}},
		{"bad label selector", Options{Config: bad, Dynamic: dyn, Client: fake.NewClientset()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}
