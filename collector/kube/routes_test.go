package kube

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// TestReportsRouteThroughTheClassifier runs what discovery reports through
// the real classifier with the platform's ownership config: each pod
// failure reaches the people who must act.
func TestReportsRouteThroughTheClassifier(t *testing.T) {
	c, err := classify.New(config.Classify{
		PlatformStorage:         []string{"s3://plat-state-"},
		PlatformImageRegistries: []string{"registry.plat.internal/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	waiting := func(reason, msg string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
		}
	}
	crashLoop := func(termMsg string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.RestartPolicy = corev1.RestartPolicyAlways
			cs := &p.Status.ContainerStatuses[0]
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 2m40s restarting failed container"}}
			term := terminated("Error", 1, "containerd://c")
			term.Message = termMsg
			cs.LastTerminationState = corev1.ContainerState{Terminated: term}
		}
	}
	tests := []struct {
		name      string
		pod       func(*corev1.Pod)
		event     *corev1.Event
		wantRoute fleet.Route
	}{
		{name: "oom killed taskmanager pages", wantRoute: fleet.Page, pod: func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("OOMKilled", 137, "containerd://a")}
		}},
		{name: "platform image missing pages", wantRoute: fleet.Page,
			pod: waiting("ImagePullBackOff", `Back-off pulling image "registry.plat.internal/flink/runtime:1.20.9"`)},
		{name: "team image missing notifies", wantRoute: fleet.Notify,
			pod: waiting("ErrImagePull", `rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/orders:v42": not found`)},
		{name: "missing secret notifies", wantRoute: fleet.Notify,
			pod: waiting("CreateContainerConfigError", `secret "kafka-credentials" not found`)},
		{name: "crash loop on the team's entry class notifies", wantRoute: fleet.Notify,
			pod: crashLoop("org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'com.acme.ingest.Main' was not found in the jar file.")},
		{name: "unexplained crash loop pages", wantRoute: fleet.Page, pod: crashLoop("")},
		{name: "eviction under node pressure is monitored", wantRoute: fleet.Monitor, pod: func(p *corev1.Pod) {
			p.Status.Phase, p.Status.Reason, p.Status.Message = corev1.PodFailed, "Evicted", "The node was low on resource: memory."
		}},
		{name: "node lost is monitored", wantRoute: fleet.Monitor, pod: func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint"}}
		}},
		{name: "node shutdown is monitored", wantRoute: fleet.Monitor, pod: func(p *corev1.Pod) {
			p.Status.Phase, p.Status.Reason = corev1.PodFailed, "Terminated"
			p.Status.Message = "Pod was terminated in response to imminent node shutdown."
		}},
		{name: "no capacity yet is monitored", wantRoute: fleet.Monitor, event: &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{UID: "ev"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod"}, Type: corev1.EventTypeWarning, Reason: "FailedScheduling", Count: 1,
			Message: "0/9 nodes are available: 3 Insufficient cpu, 6 node(s) didn't match Pod's node affinity/selector.",
		}},
		{name: "volume that cannot mount pages", wantRoute: fleet.Page, event: &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{UID: "ev"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod"}, Type: corev1.EventTypeWarning, Reason: "FailedMount", Count: 1,
			Message: `MountVolume.SetUp failed for volume "flink-config-volume" : configmap "flink-config-orders" not found`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sigs []signal
			if tt.event != nil {
				s, ok := eventSignal(tt.event)
				if ok {
					sigs = append(sigs, s)
				}
			} else {
				sigs = podSignals(tmPod(tt.pod))
			}
			if len(sigs) == 0 {
				t.Fatal("no failure reported")
			}
			for _, s := range sigs {
				if r := c.Classify(s.Input); r.Route != tt.wantRoute {
					t.Errorf("%s %q routed %s (%s, rule %s), want %s", s.Input.K8sReason, s.Input.K8sMessage, r.Route, r.Category, r.Rule, tt.wantRoute)
				}
			}
		})
	}

	t.Run("operator error for a missing platform image pages", func(t *testing.T) {
		u := fixture(t, "deploy-error.yaml")
		r := parseResource(u, KindDeployment, testConfig())
		s, ok := (&Discoverer{opErrors: map[string]*opError{}}).operatorErrorLocked(r)
		if !ok {
			t.Fatal("no operator error reported")
		}
		if res := c.Classify(s.Input); res.Route != fleet.Page {
			t.Errorf("operator error routed %s (%s, rule %s), want page", res.Route, res.Category, res.Rule)
		}
	})
}
