package deploy

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkslo/flinkslo/internal/kubetest"
)

// TestServerSideDryRun sends every object of every variant — kustomize and
// Helm, each overlay and values file — to a real kube-apiserver with the
// Prometheus Operator's CRDs installed, as a server-side apply dry run with
// strict field validation: each must be one the API server accepts, its
// ServiceMonitor, PodMonitor and PrometheusRule checked against the
// operator's schemas.
func TestServerSideDryRun(t *testing.T) {
	s := kubetest.Start(t) // skips with -short
	installPrometheusOperatorCRDs(t, s)
	s.CreateNamespaces(t, "flinkslo") // namespaced objects need their namespace, even in a dry run
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := v.render(t)
			kinds := map[string]bool{}
			for _, o := range objs {
				kinds[o.GetKind()] = true
			}
			if !kinds["PrometheusRule"] || !(kinds["ServiceMonitor"] || kinds["PodMonitor"]) {
				t.Errorf("kinds %v: want the PrometheusRule and a ServiceMonitor or PodMonitor", kinds)
			}
			for _, err := range dryRun(t.Context(), s.AdminConfig(), objs) {
				t.Error(err)
			}
		})
	}

	// The dry run is no formality: a misspelt field of the operator's
	// schema is refused.
	t.Run("a misspelt monitor field is refused", func(t *testing.T) {
		sm := ofKind(kustomized(".")(t), "ServiceMonitor")[0].DeepCopy()
		eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
		ep := eps[0].(map[string]any)
		delete(ep, "honorLabels")
		ep["honourLabels"] = true
		if err := unstructured.SetNestedSlice(sm.Object, eps, "spec", "endpoints"); err != nil {
			t.Fatal(err)
		}
		if errs := dryRun(t.Context(), s.AdminConfig(), []*unstructured.Unstructured{sm}); len(errs) == 0 {
			t.Error("ServiceMonitor with spec.endpoints[0].honourLabels accepted, want a strict validation error")
		}
	})
}
