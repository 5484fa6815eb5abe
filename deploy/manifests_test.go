// Package deploy holds the Kubernetes manifests (kustomize) that run
// flinkslo in a cluster; its tests render them as `kubectl apply -k` does
// and check what a platform team relies on.
package deploy

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/kubetest"
	"github.com/flinkslo/flinkslo/lease"
)

// variant is one way a platform team installs flinkslo: a kustomization
// or the Helm chart with a values file.
type variant struct {
	name   string
	shards int
	render func(t *testing.T) []*unstructured.Unstructured
}

// variants are every install the manifests and the chart offer. The Helm
// ones run the real helm, so they skip under -short.
var variants = []variant{
	{"kustomize", 1, kustomized(".")},
	{"kustomize sharded", 3, kustomized("overlays/sharded")},
	{"kustomize eks", 1, kustomized("overlays/eks")},
	{"helm", 1, helmed()},
	{"helm sharded", 3, helmed(chartDir + "/ci/sharded-values.yaml")},
	{"helm options", 1, helmed(chartDir + "/ci/options-values.yaml")},
}

func kustomized(dir string) func(t *testing.T) []*unstructured.Unstructured {
	return func(t *testing.T) []*unstructured.Unstructured {
		t.Helper()
		objs, err := kubetest.Kustomize(dir)
		if err != nil {
			t.Fatal(err)
		}
		return objs
	}
}

func helmed(values ...string) func(t *testing.T) []*unstructured.Unstructured {
	return func(t *testing.T) []*unstructured.Unstructured {
		t.Helper()
		return helmTemplate(t, values...)
	}
}

func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

func convert[T any](t *testing.T, u *unstructured.Unstructured) *T {
	t.Helper()
	v := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, v, true); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
	return v
}

func TestConfigExampleLoads(t *testing.T) {
	cfg, err := config.Load(filepath.Join("base", "config.yaml"))
	if err != nil {
		t.Fatalf("the shipped config example does not load: %v", err)
	}
	if cfg.Kubernetes == nil || !cfg.Kubernetes.LeaderElection.Enabled {
		t.Error("the shipped config does not turn on discovery with leader election")
	}
}

// TestWorkload checks every flinkslo pod template: hardened, probed,
// resourced, configured from the generated ConfigMap, and sharded so that
// the replicas of a shard elect their leader on a Lease that exists and
// that the Role lets them write.
func TestWorkload(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := v.render(t)
			sets := ofKind(objs, "StatefulSet")
			if len(sets) == 0 {
				t.Fatal("no StatefulSet")
			}
			leases := names(ofKind(objs, "Lease"))
			var wantLeases []string
			for i := range v.shards {
				wantLeases = append(wantLeases, lease.LeaseName("flinkslo", i, v.shards))
			}
			if !slices.Equal(leases, wantLeases) {
				t.Errorf("Leases %v, want %v (lease.LeaseName of each shard)", leases, wantLeases)
			}
			for _, r := range ofKind(objs, "Role") {
				role := convert[rbacv1.Role](t, r)
				if got := role.Rules[0].ResourceNames; !slices.Equal(got, wantLeases) {
					t.Errorf("Role %s may write Leases %v, want %v", role.Name, got, wantLeases)
				}
			}
			configMaps := names(ofKind(objs, "ConfigMap"))
			for _, u := range sets {
				s := convert[appsv1.StatefulSet](t, u)
				checkPod(t, s.Name, &s.Spec.Template.Spec, configMaps)
				if got := int(*s.Spec.Replicas); got != v.shards && !(v.shards == 1 && got == 2) {
					t.Errorf("%s has %d replicas, want one per shard (%d) or two for a single shard", s.Name, got, v.shards)
				}
				if got := shardCount(s.Spec.Template.Spec.Containers[0].Args); got != v.shards {
					t.Errorf("%s runs --shard.count=%d, want %d", s.Name, got, v.shards)
				}
			}
		})
	}
}

func checkPod(t *testing.T, name string, pod *corev1.PodSpec, configMaps []string) {
	t.Helper()
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.SeccompProfile == nil {
		t.Errorf("%s: pod must run as non-root with a seccomp profile", name)
	}
	if pod.ServiceAccountName != "flinkslo" {
		t.Errorf("%s: service account %q, want flinkslo (bound by rbac.yaml)", name, pod.ServiceAccountName)
	}
	c := pod.Containers[0]
	cs := c.SecurityContext
	if cs == nil || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
		cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
		cs.Capabilities == nil || !slices.Equal(cs.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("%s: container must have a read-only root filesystem, no privilege escalation, no capabilities", name)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: container needs cpu and memory requests and a memory limit", name)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 9731 {
		t.Errorf("%s: ports %v, want http on 9731 (the --web.listen-address default)", name, c.Ports)
	}
	for probe, path := range map[*corev1.Probe]string{c.ReadinessProbe: "/readyz", c.LivenessProbe: "/healthz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != path || probe.HTTPGet.Port.String() != "http" {
			t.Errorf("%s: want an HTTP probe on %s of port http", name, path)
		}
	}
	env := map[string]bool{}
	for _, e := range c.Env {
		env[e.Name] = true
	}
	for _, want := range []string{"POD_NAME", "POD_NAMESPACE"} {
		if !env[want] {
			t.Errorf("%s: no %s in the environment (leader election identity and namespace)", name, want)
		}
	}
	checkConfigMount(t, name, pod, c, configMaps)
}

func checkConfigMount(t *testing.T, name string, pod *corev1.PodSpec, c corev1.Container, configMaps []string) {
	t.Helper()
	configFile := ""
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			configFile = v
		}
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		for _, vol := range pod.Volumes {
			if vol.Name == m.Name && vol.ConfigMap != nil && filepath.Dir(configFile) == m.MountPath {
				mounted = slices.Contains(configMaps, vol.ConfigMap.Name)
			}
		}
	}
	if !mounted {
		t.Errorf("%s: --config=%s is not in a mounted ConfigMap of %v", name, configFile, configMaps)
	}
}

func shardCount(args []string) int {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--shard.count="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 1
}

func names(objs []*unstructured.Unstructured) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.GetName()
	}
	slices.Sort(out)
	return out
}

// TestMonitorScrapesEveryReplica: the ServiceMonitor selects the Service,
// whose named port exists, and the Service selects every pod; or the
// PodMonitor selects every pod and its port. Either keeps flinkslo's labels.
func TestMonitorScrapesEveryReplica(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := v.render(t)
			svc := convert[corev1.Service](t, ofKind(objs, "Service")[0])
			monitors := append(ofKind(objs, "ServiceMonitor"), ofKind(objs, "PodMonitor")...)
			if len(monitors) != 1 {
				t.Fatalf("%d ServiceMonitors and PodMonitors, want one", len(monitors))
			}
			m := monitors[0]
			sel, _, _ := unstructured.NestedStringMap(m.Object, "spec", "selector", "matchLabels")
			field := "endpoints"
			if m.GetKind() == "PodMonitor" {
				field = "podMetricsEndpoints"
			} else if !labels.SelectorFromSet(sel).Matches(labels.Set(svc.Labels)) {
				t.Errorf("ServiceMonitor selector %v does not match Service labels %v", sel, svc.Labels)
			}
			eps, _, _ := unstructured.NestedSlice(m.Object, "spec", field)
			if len(eps) == 0 {
				t.Fatalf("%s has no %s", m.GetKind(), field)
			}
			for _, ep := range eps {
				ep := ep.(map[string]any)
				if ep["honorLabels"] != true {
					t.Errorf("%s endpoint %v: honorLabels not true, so Prometheus would rename flinkslo's namespace label exported_namespace", m.GetKind(), ep["port"])
				}
				port := fmt.Sprint(ep["port"])
				if m.GetKind() == "ServiceMonitor" && !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == port }) {
					t.Errorf("ServiceMonitor scrapes port %q, which the Service lacks", port)
				}
				for _, u := range ofKind(objs, "StatefulSet") {
					s := convert[appsv1.StatefulSet](t, u)
					if m.GetKind() == "PodMonitor" && !slices.ContainsFunc(s.Spec.Template.Spec.Containers[0].Ports, func(p corev1.ContainerPort) bool { return p.Name == port }) {
						t.Errorf("PodMonitor scrapes port %q, which the pods of %s lack", port, s.Name)
					}
				}
			}
			for _, u := range ofKind(objs, "StatefulSet") {
				s := convert[appsv1.StatefulSet](t, u)
				if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(s.Spec.Template.Labels)) {
					t.Errorf("Service does not select the pods of %s", s.Name)
				}
				if !labels.SelectorFromSet(sel).Matches(labels.Set(s.Spec.Template.Labels)) && m.GetKind() == "PodMonitor" {
					t.Errorf("PodMonitor does not select the pods of %s", s.Name)
				}
			}
		})
	}
}

// TestEKSServiceAccount: the eks overlay gives the pods' service account
// an IRSA role, and only that differs from the single-shard deployment.
func TestEKSServiceAccount(t *testing.T) {
	eks, plain := kustomized("overlays/eks")(t), kustomized(".")(t)
	key := func(u *unstructured.Unstructured) string {
		return u.GetKind() + "/" + u.GetNamespace() + "/" + u.GetName()
	}
	want := map[string]*unstructured.Unstructured{}
	for _, u := range plain {
		want[key(u)] = u
	}
	if len(eks) != len(plain) {
		t.Errorf("eks renders %d objects, the single shard %d", len(eks), len(plain))
	}
	var sa *corev1.ServiceAccount
	for _, u := range eks {
		w, ok := want[key(u)]
		switch {
		case !ok:
			t.Errorf("eks renders %s, which the single shard does not", key(u))
		case u.GetKind() == "ServiceAccount":
			sa = convert[corev1.ServiceAccount](t, u)
			u = u.DeepCopy()
			unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
			if !equality.Semantic.DeepEqual(u.Object, w.Object) {
				t.Errorf("the service account differs from the single shard's beyond its annotations")
			}
		case !equality.Semantic.DeepEqual(u.Object, w.Object):
			t.Errorf("%s differs from the single shard's", key(u))
		}
	}
	if sa == nil {
		t.Fatal("no ServiceAccount")
	}
	arn := sa.Annotations["eks.amazonaws.com/role-arn"]
	if !regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:role/[\w+=,.@/-]+$`).MatchString(arn) {
		t.Errorf("service account %s: eks.amazonaws.com/role-arn = %q, want an IAM role ARN", sa.Name, arn)
	}
	for _, u := range ofKind(eks, "StatefulSet") {
		s := convert[appsv1.StatefulSet](t, u)
		if s.Spec.Template.Spec.ServiceAccountName != sa.Name {
			t.Errorf("%s runs as %q, not the annotated %s", s.Name, s.Spec.Template.Spec.ServiceAccountName, sa.Name)
		}
		if fs := s.Spec.Template.Spec.SecurityContext.FSGroup; fs == nil {
			t.Errorf("%s: no fsGroup, so a non-root container cannot read the projected token", s.Name)
		}
	}
}

// TestREADMEDocumentsVariants keeps the README's apply commands real.
func TestREADMEDocumentsVariants(t *testing.T) {
	readme := readFile(t, "README.md")
	for _, m := range regexp.MustCompile("kubectl apply -k ([^\\s`]+)").FindAllStringSubmatch(readme, -1) {
		dir := strings.TrimPrefix(strings.TrimSuffix(m[1], "/"), "deploy")
		dir = strings.TrimPrefix(dir, "/")
		if dir == "" {
			dir = "."
		}
		if _, err := kubetest.Kustomize(dir); err != nil {
			t.Errorf("README says %q, which does not build: %v", m[0], err)
		}
	}
}
