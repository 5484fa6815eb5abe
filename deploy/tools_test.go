package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/flinkslo/flinkslo/internal/kubetest"
)

// The versions `make test-deps` puts into the cache (Makefile HELM_VERSION,
// PROMETHEUS_OPERATOR_VERSION).
const (
	helmVersion               = "v4.3.2"
	prometheusOperatorVersion = "v0.94.0"
)

func cacheDir() string {
	if d := os.Getenv("FLINKSLO_CACHE_DIR"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "flinkslo")
}

// cached finds a tool `make test-deps` builds or fetches: $env, else name in
// the cache. It skips under -short and fails, saying how to get it, when
// missing: a test of the real tool never passes by not running.
func cached(t *testing.T, env, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("runs %s; skipped with -short", name)
	}
	p := os.Getenv(env)
	if p == "" {
		p = filepath.Join(cacheDir(), name)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found at %s: run `make test-deps` to get it once (%v)", name, p, err)
	}
	return p
}

func helmBinary(t *testing.T) string {
	return cached(t, "FLINKSLO_HELM", "helm-"+helmVersion)
}

const chartDir = "helm/flinkslo"

// runHelm runs the real helm with its own empty config and cache, so the
// user's repositories and plugins play no part.
func runHelm(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(t.Context(), helmBinary(t), args...)
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home, "HELM_CACHE_HOME="+home, "HELM_DATA_HOME="+home)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		return out, fmt.Errorf("helm %v: %w\n%s", args, err, stderr)
	}
	return out, nil
}

// helmTemplate renders the chart as release flinkslo in namespace flinkslo.
func helmTemplate(t *testing.T, values ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", "flinkslo", chartDir, "--namespace", "flinkslo"}
	for _, v := range values {
		args = append(args, "--values", v)
	}
	out, err := runHelm(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := kubetest.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// installPrometheusOperatorCRDs installs the CRDs of the objects flinkslo
// ships, from the Prometheus Operator's release (fetched into the cache by
// scripts/fetch-prometheus-operator-crds.sh), and waits until they serve.
func installPrometheusOperatorCRDs(t *testing.T, s *kubetest.Server) {
	t.Helper()
	dir := cached(t, "FLINKSLO_PROMETHEUS_OPERATOR_CRDS", "prometheus-operator-crds-"+prometheusOperatorVersion)
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in %s (%v): run `make test-deps`", dir, err)
	}
	var crds []*unstructured.Unstructured
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := kubetest.Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		crds = append(crds, objs...)
	}
	s.Apply(t, crds...)
	dc := discovery.NewDiscoveryClientForConfigOrDie(s.AdminConfig())
	want := []string{"podmonitors", "prometheusrules", "servicemonitors"}
	err = wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		list, err := dc.ServerResourcesForGroupVersion("monitoring.coreos.com/v1")
		if err != nil {
			return false, nil // not yet
		}
		var served []string
		for _, r := range list.APIResources {
			served = append(served, r.Name)
		}
		for _, w := range want {
			if !slices.Contains(served, w) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("Prometheus Operator CRDs %v not served: %v", want, err)
	}
}

// dryRun applies every object server-side with dryRun=All and strict field
// validation, as `kubectl apply --server-side --dry-run=server
// --validate=strict` does: the API server validates each object against its
// schema (a CRD's too) and admission, and stores nothing.
func dryRun(ctx context.Context, cfg *rest.Config, objs []*unstructured.Unstructured) []error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return []error{err}
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			errs = append(errs, fmt.Errorf("map %s %s: %w", gvk.Kind, obj.GetName(), err))
			continue
		}
		body, err := json.Marshal(obj.Object)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == "namespace" {
			ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
		}
		_, err = ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{
			FieldManager: "deploy-test", DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict",
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s/%s: %w", gvk.Kind, obj.GetNamespace(), obj.GetName(), err))
		}
	}
	return errs
}
