package kube

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// FuzzTargetOf: any object the API server could hand the informer (the
// CRDs preserve unknown fields in places, and older operators wrote other
// types) becomes a target or none, never a panic, and a target always has
// its resource's key and a URL to scrape.
func FuzzTargetOf(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, file := range files {
		b, _ := os.ReadFile(file)
		j, err := yaml.YAMLToJSON(b)
		if err == nil {
			f.Add(j)
		}
	}
	cfg := testConfig()
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		if json.Unmarshal(data, &obj) != nil {
			return
		}
		u := &unstructured.Unstructured{Object: obj}
		session := parseResource(u, KindDeployment, cfg)
		for _, kind := range []string{KindDeployment, KindSessionJob} {
			r := parseResource(u, kind, cfg)
			tg, ok := targets{cfg: cfg}.of(r, session)
			if !ok {
				continue
			}
			if tg.Key() != u.GetNamespace()+"/"+u.GetName() || tg.URL == "" {
				t.Errorf("%s target key %q url %q from %s/%s", kind, tg.Key(), tg.URL, u.GetNamespace(), u.GetName())
			}
			for _, g := range tg.ConsumerGroups {
				if g == "" || strings.Contains(g, ",") || g != strings.TrimSpace(g) {
					t.Errorf("consumer group %q not split and trimmed", g)
				}
			}
		}
	})
}

// FuzzPodSignals: any pod status yields well-formed signals whose
// fingerprints are distinct, so no two failures of a pod merge.
func FuzzPodSignals(f *testing.F) {
	for _, p := range []*corev1.Pod{
		tmPod(nil),
		tmPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.Reason = "Evicted"
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("OOMKilled", 137, "containerd://a")}
		}),
		tmPod(func(p *corev1.Pod) {
			cs := &p.Status.ContainerStatuses[0]
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
			cs.LastTerminationState = corev1.ContainerState{Terminated: terminated("Error", 1, "")}
		}),
	} {
		b, _ := json.Marshal(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p corev1.Pod
		if json.Unmarshal(data, &p) != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range podSignals(&p) {
			if s.Input.K8sReason == "" || s.Fingerprint == "" || len(s.Input.K8sMessage) > maxMessage {
				t.Errorf("malformed signal %+v", s)
			}
			if seen[s.Fingerprint] {
				t.Errorf("fingerprint %q used twice", s.Fingerprint)
			}
			seen[s.Fingerprint] = true
		}
	})
}
