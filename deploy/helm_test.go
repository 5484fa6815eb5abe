package deploy

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkslo/flinkslo/internal/config"
)

// TestHelmLint runs the real `helm lint --strict` on the chart with its
// defaults and with each values file of ci/.
func TestHelmLint(t *testing.T) {
	for _, values := range append([]string{""}, ciValues(t)...) {
		t.Run(filepath.Base(values), func(t *testing.T) {
			args := []string{"lint", "--strict", chartDir}
			if values != "" {
				args = append(args, "--values", values)
			}
			if out, err := runHelm(t, args...); err != nil {
				t.Errorf("%v\n%s", err, out)
			}
		})
	}
}

func ciValues(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(chartDir, "ci", "*-values.yaml"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no values files in %s/ci (%v)", chartDir, err)
	}
	return m
}

// TestHelmMatchesKustomize renders the chart and the kustomization a
// platform team would otherwise apply, and requires the same objects: the
// same kinds and names, the same specs, rules and data, field for field.
// What may differ: Helm's extra labels (every kustomize label must be
// there), the Namespace (Helm's --create-namespace makes it), the hash
// suffix kustomize gives the config's ConfigMap and the checksum annotation
// that rolls the pods in Helm instead, and the config file's formatting
// (compared as YAML values).
func TestHelmMatchesKustomize(t *testing.T) {
	for _, tt := range []struct{ name, kustomization, values string }{
		{"defaults", ".", ""},
		{"sharded", "overlays/sharded", chartDir + "/ci/sharded-values.yaml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var values []string
			if tt.values != "" {
				values = append(values, tt.values)
			}
			k := comparable(t, kustomized(tt.kustomization)(t), true)
			h := comparable(t, helmTemplate(t, values...), false)
			if d := cmp.Diff(slices.Sorted(maps.Keys(k)), slices.Sorted(maps.Keys(h))); d != "" {
				t.Fatalf("objects differ (-kustomize +helm):\n%s", d)
			}
			for key, ko := range k {
				ho := h[key]
				for l, v := range ko.labels {
					if ho.labels[l] != v {
						t.Errorf("%s: Helm labels %v lack %s=%s", key, ho.labels, l, v)
					}
				}
				if d := cmp.Diff(ko.object, ho.object); d != "" {
					t.Errorf("%s differs (-kustomize +helm):\n%s", key, d)
				}
			}
		})
	}
}

type normalized struct {
	labels map[string]string
	object map[string]any
}

var kustomizeHash = regexp.MustCompile(`^(.+)-[a-z0-9]{10}$`)

// comparable keys objects by kind/name and strips what may differ.
func comparable(t *testing.T, objs []*unstructured.Unstructured, kustomize bool) map[string]normalized {
	t.Helper()
	renames := map[string]string{}
	if kustomize {
		for _, o := range ofKind(objs, "ConfigMap") {
			if m := kustomizeHash.FindStringSubmatch(o.GetName()); m != nil && strings.HasSuffix(m[1], "-config") {
				renames[o.GetName()] = m[1]
			}
		}
	}
	out := map[string]normalized{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			continue
		}
		b, err := json.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for from, to := range renames {
			s = strings.ReplaceAll(s, `"`+from+`"`, `"`+to+`"`)
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(s), &obj); err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{Object: obj}
		labels := u.GetLabels()
		unstructured.RemoveNestedField(obj, "metadata", "labels")
		unstructured.RemoveNestedField(obj, "metadata", "annotations")
		unstructured.RemoveNestedField(obj, "spec", "template", "metadata", "annotations", "checksum/config")
		if a, ok, _ := unstructured.NestedMap(obj, "spec", "template", "metadata", "annotations"); ok && len(a) == 0 {
			unstructured.RemoveNestedField(obj, "spec", "template", "metadata", "annotations")
		}
		if u.GetKind() == "ConfigMap" && strings.HasSuffix(u.GetName(), "-config") {
			text, _, _ := unstructured.NestedString(obj, "data", "config.yaml")
			var cfg any
			if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
				t.Fatalf("%s: config.yaml: %v", u.GetName(), err)
			}
			obj["data"] = map[string]any{"config.yaml": cfg}
		}
		out[u.GetKind()+"/"+u.GetName()] = normalized{labels: labels, object: obj}
	}
	return out
}

// TestHelmConfigLoads: the configuration every values file renders is one
// flinkslo's strict loader accepts, with leader election as the values say.
func TestHelmConfigLoads(t *testing.T) {
	for _, values := range append([]string{""}, ciValues(t)...) {
		t.Run(filepath.Base(values), func(t *testing.T) {
			var vs []string
			if values != "" {
				vs = append(vs, values)
			}
			objs := helmTemplate(t, vs...)
			var text string
			for _, cm := range ofKind(objs, "ConfigMap") {
				if strings.HasSuffix(cm.GetName(), "-config") {
					text, _, _ = unstructured.NestedString(cm.Object, "data", "config.yaml")
				}
			}
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatalf("rendered config does not load: %v\n%s", err, text)
			}
			le := cfg.Kubernetes.LeaderElection
			leases := names(ofKind(objs, "Lease"))
			if !le.Enabled || len(leases) == 0 || !strings.HasPrefix(leases[0], le.LeaseName) {
				t.Errorf("leader election %+v, Leases %v: want it on, on the chart's Leases", le, leases)
			}
		})
	}
}

// TestHelmRejectsBadValues: values that cannot work, or that the chart does
// not know (values.schema.json), fail the install with a message saying
// why, instead of running pods that misbehave or a typo being ignored.
func TestHelmRejectsBadValues(t *testing.T) {
	tests := []struct {
		name string
		set  []string
		want string
	}{
		{"two replicas without a leader", []string{"leaderElection.enabled=false"}, "replicas above 1 need leaderElection.enabled"},
		{"secret and values", []string{"credentials.existingSecret=mine", "credentials.values.slack-bot-token=x"}, "not both"},
		{"a key the env reads is missing", []string{"credentials.values.slack-bot-token=x"}, "credentials.values has no pagerduty-routing-key, which credentials.env reads into PAGERDUTY_ROUTING_KEY"},
		{"unknown monitor kind", []string{"monitor.kind=Probe"}, "at '/monitor/kind': value must be one of 'ServiceMonitor', 'PodMonitor', ''"},
		{"a misspelt value", []string{"replica=3"}, "additional properties 'replica' not allowed"},
		{"no shards", []string{"shards=0"}, "at '/shards': minimum: got 0, want 1"},
		{"more replicas than StatefulSet letters", []string{"replicas=27"}, "at '/replicas': maximum: got 27, want 26"},
		{"sharding on an old cluster", []string{"shards=3", "--kube-version=1.27.0"}, "need Kubernetes 1.28+"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"template", "flinkslo", chartDir}
			for _, s := range tt.set {
				if strings.HasPrefix(s, "--") {
					args = append(args, s)
				} else {
					args = append(args, "--set", s)
				}
			}
			_, err := runHelm(t, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("helm %v: err = %v, want one saying %q", tt.set, err, tt.want)
			}
		})
	}
}

// TestHelmNeverPrintsCredentials: the values of credentials go into the
// Secret and nowhere else: not the notes, not the config, not the pods.
func TestHelmNeverPrintsCredentials(t *testing.T) {
	values := chartDir + "/ci/options-values.yaml"
	out, err := runHelm(t, "install", "flinkslo", chartDir, "--namespace", "flinkslo", "--dry-run=client", "--values", values)
	if err != nil {
		t.Fatal(err)
	}
	_, notes, ok := strings.Cut(string(out), "NOTES:")
	if !ok {
		t.Fatalf("no NOTES in the output of helm install:\n%s", out)
	}
	objs := helmTemplate(t, values)
	var secrets int
	for _, o := range objs {
		b, _ := json.Marshal(o.Object)
		for _, v := range []string{"not-a-real-key", "not-a-real-token"} {
			if o.GetKind() != "Secret" && strings.Contains(string(b), v) {
				t.Errorf("%s %s carries a credential", o.GetKind(), o.GetName())
			}
			if strings.Contains(notes, v) {
				t.Errorf("NOTES print a credential:\n%s", notes)
			}
		}
		if o.GetKind() == "Secret" {
			secrets++
		}
	}
	if secrets != 1 {
		t.Errorf("%d Secrets, want the one made from credentials.values", secrets)
	}
}

// TestImagePinned: kustomize and Helm run the image of the chart's
// appVersion, never a moving tag.
func TestImagePinned(t *testing.T) {
	var chart struct {
		AppVersion string `yaml:"appVersion"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, chartDir+"/Chart.yaml")), &chart); err != nil {
		t.Fatal(err)
	}
	want := "ghcr.io/flinkslo/flinkslo:" + chart.AppVersion
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			for _, u := range ofKind(v.render(t), "StatefulSet") {
				s := convert[appsv1.StatefulSet](t, u)
				if got := s.Spec.Template.Spec.Containers[0].Image; got != want {
					t.Errorf("%s runs %s, want %s (Chart.yaml appVersion)", s.Name, got, want)
				}
			}
		})
	}
}
