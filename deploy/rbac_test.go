package deploy

import (
	"os"
	"slices"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/flinkslo/flinkslo/internal/kubetest"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// access is one request flinkslo's service account could make.
type access struct {
	verb, group, resource, namespace, name string
}

// needed is everything flinkslo does: its informers list and watch the
// operator's resources, pods and events in every namespace; its elector
// reads and renews its own Leases. Nothing else may be allowed.
func needed(a access, leases []string) bool {
	discovered := map[[2]string]bool{
		{"flink.apache.org", "flinkdeployments"}: true, {"flink.apache.org", "flinksessionjobs"}: true,
		{"", "pods"}: true, {"", "events"}: true,
	}
	switch {
	case discovered[[2]string{a.group, a.resource}]:
		return (a.verb == "list" || a.verb == "watch") && a.name == ""
	case a.group == "coordination.k8s.io" && a.resource == "leases":
		return (a.verb == "get" || a.verb == "update") && a.namespace == "flinkslo" && slices.Contains(leases, a.name)
	}
	return false
}

// probes are the requests checked: the needed ones and their neighbours
// (other verbs, subresources, other Leases, secrets, the workloads).
func probes(leases []string) []access {
	verbs := []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
	var out []access
	for _, r := range []struct{ group, resource string }{
		{"flink.apache.org", "flinkdeployments"}, {"flink.apache.org", "flinksessionjobs"},
		{"", "pods"}, {"", "events"}, {"", "secrets"}, {"", "configmaps"}, {"", "services"},
		{"", "serviceaccounts"}, {"apps", "statefulsets"}, {"rbac.authorization.k8s.io", "roles"},
		{"coordination.k8s.io", "leases"},
	} {
		for _, v := range verbs {
			for _, ns := range []string{"", "team-a", "flinkslo"} {
				out = append(out, access{v, r.group, r.resource, ns, ""})
			}
		}
	}
	for _, sub := range []string{"flinkdeployments/status", "pods/exec", "pods/log", "pods/eviction", "serviceaccounts/token"} {
		group, res := "", sub
		if sub == "flinkdeployments/status" {
			group = "flink.apache.org"
		}
		for _, v := range []string{"get", "create", "update", "patch"} {
			out = append(out, access{v, group, res, "team-a", ""})
		}
	}
	for _, name := range append([]string{"someone-else", "kube-scheduler"}, leases...) {
		for _, v := range verbs {
			for _, ns := range []string{"flinkslo", "kube-system"} {
				out = append(out, access{v, "coordination.k8s.io", "leases", ns, name})
			}
		}
	}
	return out
}

// TestRBACIsMinimal applies the shipped manifests to a real API server and
// asks it, for flinkslo's service account, about every request flinkslo
// makes and their neighbours: allowed exactly when flinkslo needs it.
func TestRBACIsMinimal(t *testing.T) {
	s := kubetest.Start(t)
	s.InstallFlinkCRDs(t)
	installPrometheusOperatorCRDs(t, s)
	s.CreateNamespaces(t, "flinkslo") // the chart leaves it to `helm install --create-namespace`
	admin := kubernetes.NewForConfigOrDie(s.AdminConfig())
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := v.render(t)
			s.Apply(t, objs...) // strict: a misspelt field fails here
			leases := names(ofKind(objs, "Lease"))
			allowed := 0
			for _, a := range probes(leases) {
				sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
					User:   "system:serviceaccount:flinkslo:flinkslo",
					Groups: []string{"system:serviceaccounts", "system:serviceaccounts:flinkslo", "system:authenticated"},
					ResourceAttributes: &authorizationv1.ResourceAttributes{
						Verb: a.verb, Group: a.group, Resource: resourceOf(a.resource), Subresource: subresourceOf(a.resource),
						Namespace: a.namespace, Name: a.name,
					},
				}}
				got, err := admin.AuthorizationV1().SubjectAccessReviews().Create(t.Context(), sar, metav1.CreateOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if want := needed(a, leases); got.Status.Allowed != want {
					t.Errorf("%s %s/%s in %q named %q: allowed %v, want %v", a.verb, a.group, a.resource, a.namespace, a.name, got.Status.Allowed, want)
				}
				if got.Status.Allowed {
					allowed++
				}
			}
			// list+watch of 4 resources in 3 namespace scopes, get+update
			// of each Lease: the probes cover all that flinkslo needs.
			if want := 4*2*3 + 2*len(leases); allowed != want {
				t.Errorf("%d probed requests allowed, want %d", allowed, want)
			}
		})
	}
}

func resourceOf(r string) string {
	for i := range r {
		if r[i] == '/' {
			return r[:i]
		}
	}
	return r
}

func subresourceOf(r string) string {
	for i := range r {
		if r[i] == '/' {
			return r[i+1:]
		}
	}
	return ""
}
