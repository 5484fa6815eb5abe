package kube

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/kubetest"
)

// cluster is a real API server with the operator's CRDs and the shipped
// manifests applied; flinkslo runs as the shipped service account, bound
// by the shipped RBAC only, while the test plays the operator and the
// kubelet as admin.
type cluster struct {
	s     *kubetest.Server
	sa    *rest.Config // flinkslo's service account
	dyn   dynamic.Interface
	admin kubernetes.Interface
}

func startCluster(t *testing.T) *cluster {
	s := kubetest.Start(t)
	s.InstallFlinkCRDs(t)
	s.ApplyKustomization(t, "../../deploy")
	s.CreateNamespaces(t, "checkout", "analytics", "web")
	return &cluster{
		s:     s,
		sa:    s.ServiceAccountConfig(t, "flinkslo", "flinkslo"),
		dyn:   dynamic.NewForConfigOrDie(s.AdminConfig()),
		admin: kubernetes.NewForConfigOrDie(s.AdminConfig()),
	}
}

// discoverer runs a Discoverer as flinkslo's service account.
func (c *cluster) discoverer(t *testing.T, opts Options) (*Discoverer, *recorder) {
	t.Helper()
	rec := &recorder{}
	if opts.Config == nil {
		opts.Config = testConfig()
	}
	opts.Dynamic = dynamic.NewForConfigOrDie(c.sa)
	opts.Client = kubernetes.NewForConfigOrDie(c.sa)
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	rec.d = d
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	eventually(t, "discovery synced as flinkslo", func() bool { return d.Ready() == nil })
	return d, rec
}

// create plays the user (the resource) and the operator (its status).
func (c *cluster) create(t *testing.T, u *unstructured.Unstructured) {
	t.Helper()
	ri := c.dyn.Resource(gvrOf(u)).Namespace(u.GetNamespace())
	status, hasStatus := u.Object["status"]
	u = u.DeepCopy()
	u.SetUID("")
	delete(u.Object, "status")
	created, err := ri.Create(t.Context(), u, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s %s: %v", u.GetKind(), u.GetName(), err)
	}
	if hasStatus && status != nil {
		created.Object["status"] = status
		if _, err := ri.UpdateStatus(t.Context(), created, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("update status of %s: %v", u.GetName(), err)
		}
	}
}

// patch merge-patches a resource, or its status as the operator does.
func (c *cluster) patch(t *testing.T, u *unstructured.Unstructured, body string, status bool) {
	t.Helper()
	var sub []string
	if status {
		sub = []string{"status"}
	}
	_, err := c.dyn.Resource(gvrOf(u)).Namespace(u.GetNamespace()).Patch(t.Context(), u.GetName(), types.MergePatchType, []byte(body), metav1.PatchOptions{}, sub...)
	if err != nil {
		t.Fatalf("patch %s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

func gvrOf(u *unstructured.Unstructured) schema.GroupVersionResource {
	if u.GetKind() == KindSessionJob {
		return SessionJobGVR
	}
	return DeploymentGVR
}

func TestEndToEnd(t *testing.T) {
	c := startCluster(t)
	t.Run("discovery follows the operator's resources", func(t *testing.T) { testDiscovery(t, c) })
	t.Run("label selector", func(t *testing.T) { testLabelSelector(t, c) })
	t.Run("pod signals", func(t *testing.T) { testPodSignals(t, c) })
}

func testDiscovery(t *testing.T, c *cluster) {
	app, errored := fixture(t, "application.yaml"), fixture(t, "deploy-error.yaml")
	session, job := fixture(t, "session-cluster.yaml"), fixture(t, "session-job.yaml")
	c.create(t, app)
	d, rec := c.discoverer(t, Options{})
	for _, u := range []*unstructured.Unstructured{errored, session, job} {
		c.create(t, u)
	}
	want := []string{"analytics/sessions-rollup", "analytics/shared-session", "checkout/orders-enrichment", "web/clickstream"}
	eventually(t, "four targets", func() bool { return slices.Equal(keys(d.Targets()), want) })

	eventually(t, "operator error reported", func() bool { _, ok := reportFor(rec, "web/clickstream"); return ok })
	if r, _ := reportFor(rec, "web/clickstream"); r.Evidence.OperatorError == "" {
		t.Errorf("operator error report %+v carries no status.error", r)
	}

	c.patch(t, app, `{"spec":{"job":{"state":"suspended"}}}`, false)
	c.patch(t, app, `{"status":{"lifecycleState":"SUSPENDED","jobManagerDeploymentStatus":"MISSING"}}`, true)
	eventually(t, "suspended with the operator's view", func() bool {
		tg, _ := targetOf(d, "checkout/orders-enrichment")
		return tg.Suspended && tg.Operator.LifecycleState == "SUSPENDED" && tg.Operator.JobManagerDeploymentStatus == "MISSING"
	})

	c.patch(t, app, `{"metadata":{"labels":{"flinkslo.io/team":"growth"}}}`, false)
	eventually(t, "team changed", func() bool {
		tg, _ := targetOf(d, "checkout/orders-enrichment")
		return tg.Team == "growth"
	})

	if err := c.dyn.Resource(SessionJobGVR).Namespace("analytics").Delete(t.Context(), "sessions-rollup", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "session job gone", func() bool { _, ok := targetOf(d, "analytics/sessions-rollup"); return !ok })
}

func testLabelSelector(t *testing.T, c *cluster) {
	cfg := testConfig()
	cfg.LabelSelector = "flinkslo.io/watch=true"
	cfg.Namespaces = []string{"checkout", "web"}
	d, _ := c.discoverer(t, Options{Config: cfg})
	if got := keys(d.Targets()); len(got) != 0 {
		t.Fatalf("targets without the label: %v", got)
	}
	c.patch(t, fixture(t, "deploy-error.yaml"), `{"metadata":{"labels":{"flinkslo.io/watch":"true"}}}`, false)
	eventually(t, "labelled deployment discovered", func() bool { return slices.Equal(keys(d.Targets()), []string{"web/clickstream"}) })
	c.patch(t, fixture(t, "deploy-error.yaml"), `{"metadata":{"labels":{"flinkslo.io/watch":null}}}`, false)
	eventually(t, "unlabelled deployment dropped", func() bool { return len(d.Targets()) == 0 })
}

func targetOf(d *Discoverer, key string) (fleet.Target, bool) {
	for _, tg := range d.Targets() {
		if tg.Key() == key {
			return tg, true
		}
	}
	return fleet.Target{}, false
}

// reportFor is the first distinct report about a target.
func reportFor(rec *recorder, key string) (fleet.FailureReport, bool) {
	for _, r := range rec.distinct() {
		if r.Target.Key() == key {
			return r, true
		}
	}
	return fleet.FailureReport{}, false
}
