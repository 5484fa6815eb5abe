package kubetest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

//go:embed testdata/crds/*.yml
var crds embed.FS

// Decode splits multi-document YAML (or JSON) into objects.
func Decode(data []byte) ([]*unstructured.Unstructured, error) {
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decode manifest %d: %w", len(out)+1, err)
		}
		if len(obj) == 0 {
			continue // an empty document
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
}

// Apply creates or updates objects by server-side apply as the user of
// cfg, with strict field validation: a misspelt field in a manifest fails
// as it would for `kubectl apply --validate=strict`.
func Apply(ctx context.Context, cfg *rest.Config, objs ...*unstructured.Unstructured) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("discovery client: %w", err)
	}
	groups, err := restmapper.GetAPIGroupResources(dc)
	if err != nil {
		return fmt.Errorf("discover api resources: %w", err)
	}
	mapper := restmapper.NewDiscoveryRESTMapper(groups)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("map %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
		body, err := json.Marshal(obj.Object)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == "namespace" {
			ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
		}
		force := true
		_, err = ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, body,
			metav1.PatchOptions{FieldManager: "kubetest", Force: &force, FieldValidation: "Strict"})
		if err != nil {
			return fmt.Errorf("apply %s %s/%s: %w", gvk.Kind, obj.GetNamespace(), obj.GetName(), err)
		}
	}
	return nil
}

// Apply applies objects as admin, failing the test on an error.
func (s *Server) Apply(t testing.TB, objs ...*unstructured.Unstructured) {
	t.Helper()
	if err := Apply(testContext(t), s.AdminConfig(), objs...); err != nil {
		t.Fatal(err)
	}
}

// InstallFlinkCRDs installs the Flink Kubernetes Operator's FlinkDeployment
// and FlinkSessionJob CRDs (testdata/crds) and waits until they are served.
func (s *Server) InstallFlinkCRDs(t testing.TB) {
	t.Helper()
	files, err := crds.ReadDir("testdata/crds")
	if err != nil {
		t.Fatal(err)
	}
	var objs []*unstructured.Unstructured
	for _, f := range files {
		b, err := crds.ReadFile("testdata/crds/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		o, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		objs = append(objs, o...)
	}
	s.Apply(t, objs...)
	s.waitServed(t, schema.GroupVersion{Group: "flink.apache.org", Version: "v1beta1"}, "flinkdeployments", "flinksessionjobs")
}

// waitServed waits until discovery lists the resources: a CRD is usable
// some moments after it is created.
func (s *Server) waitServed(t testing.TB, gv schema.GroupVersion, resources ...string) {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(s.AdminConfig())
	if err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(testContext(t), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		list, err := dc.ServerResourcesForGroupVersion(gv.String())
		if err != nil {
			return false, nil // not yet
		}
		served := map[string]bool{}
		for _, r := range list.APIResources {
			served[r.Name] = true
		}
		for _, r := range resources {
			if !served[r] {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("%v %v not served: %v", gv, resources, err)
	}
}

// ServiceAccountConfig is a client config for the service account
// namespace/name, with a token from the TokenRequest API: the account has
// exactly the rights its (Cluster)RoleBindings give it.
func (s *Server) ServiceAccountConfig(t testing.TB, namespace, name string) *rest.Config {
	t.Helper()
	cs, err := kubernetes.NewForConfig(s.AdminConfig())
	if err != nil {
		t.Fatal(err)
	}
	expiry := int64(3600)
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(testContext(t), name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("request token of service account %s/%s: %v", namespace, name, err)
	}
	return s.TokenConfig(tr.Status.Token)
}

// ApplyKustomization applies the kustomization in dir as a platform team
// would with `kubectl apply -k`, but for the Prometheus Operator's objects
// (ServiceMonitor, PrometheusRule), whose CRDs the test server does not
// have.
func (s *Server) ApplyKustomization(t testing.TB, dir string) {
	t.Helper()
	objs, err := Kustomize(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Apply(t, WithoutPrometheusOperator(objs)...)
}

// WithoutPrometheusOperator drops the objects of the Prometheus Operator's
// API group, which the test server cannot take without its CRDs.
func WithoutPrometheusOperator(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GroupVersionKind().Group != "monitoring.coreos.com" {
			out = append(out, o)
		}
	}
	return out
}

// CreateNamespaces creates (or keeps) the namespaces.
func (s *Server) CreateNamespaces(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		ns := &unstructured.Unstructured{}
		ns.SetAPIVersion("v1")
		ns.SetKind("Namespace")
		ns.SetName(name)
		s.Apply(t, ns)
	}
}
