package deploy

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestCredentialsRequired: every environment variable the shipped config
// reads a secret from (…Env keys) is set in every flinkslo container from a
// Secret reference that is required. flinkslo refuses to start on an unset
// secret, so an optional reference to a missing Secret crash-loops the pod;
// a required one keeps it waiting (CreateContainerConfigError, with an
// event naming the missing Secret or key) until the Secret is created.
func TestCredentialsRequired(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := v.render(t)
			wanted := configEnvs(t, objs)
			if len(wanted) == 0 {
				t.Fatal("the config reads no secret from the environment; the test would prove nothing")
			}
			for _, u := range ofKind(objs, "StatefulSet") {
				s := convert[appsv1.StatefulSet](t, u)
				c := s.Spec.Template.Spec.Containers[0]
				for _, name := range wanted {
					i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name })
					if i < 0 {
						t.Errorf("%s: the config reads %s, which the container does not set", s.Name, name)
						continue
					}
					if ref := c.Env[i].ValueFrom; ref == nil || ref.SecretKeyRef == nil {
						t.Errorf("%s: %s does not come from a Secret", s.Name, name)
					}
				}
				for _, e := range c.Env {
					if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil && r.SecretKeyRef.Optional != nil && *r.SecretKeyRef.Optional {
						t.Errorf("%s: %s is an optional secret reference: without the Secret flinkslo starts without it and crash-loops", s.Name, e.Name)
					}
				}
			}
		})
	}
}

// configEnvs returns the environment variables the rendered config names
// for secrets: every `env` key and every key ending in `Env`.
func configEnvs(t *testing.T, objs []*unstructured.Unstructured) []string {
	t.Helper()
	var text string
	for _, cm := range ofKind(objs, "ConfigMap") {
		if s, ok, _ := unstructured.NestedString(cm.Object, "data", "config.yaml"); ok {
			text = s
		}
	}
	var doc any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	var out []string
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			for k, v := range n {
				if s, ok := v.(string); ok && (k == "env" || strings.HasSuffix(k, "Env")) {
					out = append(out, s)
				}
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
		}
	}
	walk(doc)
	slices.Sort(out)
	return slices.Compact(out)
}
