package kubetest

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

var flinkDeployments = schema.GroupVersionResource{Group: "flink.apache.org", Version: "v1beta1", Resource: "flinkdeployments"}

// TestServer checks what the end-to-end tests rely on: the operator's CRDs
// with their status subresource and schema, RBAC enforced for service
// accounts, strict validation of applied manifests.
func TestServer(t *testing.T) {
	s := Start(t)
	s.InstallFlinkCRDs(t)
	ctx := t.Context()
	s.Apply(t, mustDecode(t, `
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: nobody, namespace: team-a}
---
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: orders, namespace: team-a}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager: {resource: {cpu: 1, memory: 2048m}}
  taskManager: {resource: {cpu: 1, memory: 2048m}}
  job: {jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar, parallelism: 2, upgradeMode: stateless}
`)...)
	admin := dynamic.NewForConfigOrDie(s.AdminConfig())

	t.Run("status is a subresource", func(t *testing.T) {
		fd := admin.Resource(flinkDeployments).Namespace("team-a")
		obj, err := fd.Get(ctx, "orders", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_ = unstructured.SetNestedField(obj.Object, "ERROR", "status", "jobManagerDeploymentStatus")
		if _, err := fd.UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("update status: %v", err)
		}
		got, _ := fd.Get(ctx, "orders", metav1.GetOptions{})
		if v, _, _ := unstructured.NestedString(got.Object, "status", "jobManagerDeploymentStatus"); v != "ERROR" {
			t.Errorf("status.jobManagerDeploymentStatus = %q, want ERROR", v)
		}
	})

	t.Run("schema rejects a bad enum", func(t *testing.T) {
		bad := mustDecode(t, `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: bad, namespace: team-a}
spec: {job: {state: paused}}
`)
		if err := Apply(ctx, s.AdminConfig(), bad...); err == nil {
			t.Error("spec.job.state=paused accepted, want a validation error")
		}
	})

	t.Run("service account without bindings is denied", func(t *testing.T) {
		cs := kubernetes.NewForConfigOrDie(s.ServiceAccountConfig(t, "team-a", "nobody"))
		_, err := cs.CoreV1().Pods("team-a").List(ctx, metav1.ListOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("list pods as team-a/nobody: err = %v, want forbidden", err)
		}
	})

	t.Run("strict validation rejects unknown fields", func(t *testing.T) {
		bad := mustDecode(t, `
apiVersion: v1
kind: ConfigMap
metadata: {name: typo, namespace: team-a}
dta: {a: b}
`)
		if err := Apply(ctx, s.AdminConfig(), bad...); err == nil {
			t.Error("ConfigMap with unknown field dta accepted, want a strict validation error")
		}
	})
}

func mustDecode(t *testing.T, y string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := Decode([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
