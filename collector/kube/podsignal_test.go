package kube

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)

// tmPod is a TaskManager pod of orders-enrichment as Flink's native
// integration creates it.
func tmPod(mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "orders-enrichment-taskmanager-1-3", Namespace: "checkout", UID: "pod-uid-1",
			Labels:            map[string]string{"app": "orders-enrichment", "component": "taskmanager", "type": "flink-native-kubernetes"},
			CreationTimestamp: metav1.NewTime(t0),
		},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever},
		Status: corev1.PodStatus{
			Phase:             corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "flink-main-container", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}},
		},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func terminated(reason string, exit int32, id string) *corev1.ContainerStateTerminated {
	return &corev1.ContainerStateTerminated{Reason: reason, ExitCode: exit, ContainerID: id, FinishedAt: metav1.NewTime(t0.Add(time.Minute))}
}

func TestPodSignals(t *testing.T) {
	type want struct {
		reason string
		exit   int
	}
	tests := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []want
	}{
		{"running pod", nil, nil},
		{"taskmanager oom killed", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("OOMKilled", 137, "containerd://a")}
		}, []want{{"OOMKilled", 137}}},
		{"jobmanager restarted after exit 1", func(p *corev1.Pod) {
			p.Spec.RestartPolicy = corev1.RestartPolicyAlways
			p.Status.ContainerStatuses[0].RestartCount = 1
			p.Status.ContainerStatuses[0].LastTerminationState = corev1.ContainerState{Terminated: terminated("Error", 1, "containerd://b")}
		}, []want{{"Error", 1}}},
		{"crash loop carries the termination message", func(p *corev1.Pod) {
			p.Spec.RestartPolicy = corev1.RestartPolicyAlways
			cs := &p.Status.ContainerStatuses[0]
			cs.RestartCount = 4
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 1m20s restarting failed container"}}
			term := terminated("Error", 1, "containerd://c")
			term.Message = "Could not load the provided entrypoint class."
			cs.LastTerminationState = corev1.ContainerState{Terminated: term}
		}, []want{{"CrashLoopBackOff", 1}}},
		{"crash loop of oom kills stays oom", func(p *corev1.Pod) {
			p.Spec.RestartPolicy = corev1.RestartPolicyAlways
			cs := &p.Status.ContainerStatuses[0]
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
			cs.LastTerminationState = corev1.ContainerState{Terminated: terminated("OOMKilled", 137, "containerd://d")}
		}, []want{{"OOMKilled", 137}}},
		{"image pull back-off", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "registry.plat.internal/flink/runtime:1.20.9"`}}
		}, []want{{"ImagePullBackOff", 0}}},
		{"err image pull", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull"}}
		}, []want{{"ErrImagePull", 0}}},
		{"missing secret", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: `secret "kafka-creds" not found`}}
		}, []want{{"CreateContainerConfigError", 0}}},
		{"init container fails", func(p *corev1.Pod) {
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "fetch-jar", State: corev1.ContainerState{Terminated: terminated("Error", 2, "containerd://e")}}}
		}, []want{{"Error", 2}}},
		{"evicted for node pressure", func(p *corev1.Pod) {
			p.Status.Phase, p.Status.Reason, p.Status.Message = corev1.PodFailed, "Evicted", "The node was low on resource: memory."
		}, []want{{"Evicted", 0}}},
		{"node shut down", func(p *corev1.Pod) {
			p.Status.Phase, p.Status.Reason = corev1.PodFailed, "Terminated"
			p.Status.Message = "Pod was terminated in response to imminent node shutdown."
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("Error", 143, "containerd://f")}
		}, []want{{"Error", 143}, {"Terminated", 0}}},
		{"node lost", func(p *corev1.Pod) {
			now := metav1.NewTime(t0.Add(time.Hour))
			p.DeletionTimestamp = &now
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint"}}
		}, []want{{"NodeLost", 0}}},
		{"deleted on scale down is no failure", func(p *corev1.Pod) {
			now := metav1.NewTime(t0.Add(time.Hour))
			p.DeletionTimestamp = &now
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("Error", 143, "containerd://g")}
		}, nil},
		{"clean exit is no failure", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("Completed", 0, "containerd://h")}
		}, nil},
		{"drain through the eviction api is planned", func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI"}}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := podSignals(tmPod(tt.mutate))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d signals %+v, want %d %+v", len(got), got, len(tt.want), tt.want)
			}
			for i, s := range got {
				if s.Input.K8sReason != tt.want[i].reason || s.Input.ExitCode != tt.want[i].exit {
					t.Errorf("signal %d = %s exit %d, want %s exit %d", i, s.Input.K8sReason, s.Input.ExitCode, tt.want[i].reason, tt.want[i].exit)
				}
				if s.Input.Source != "k8s" || s.Fingerprint == "" || s.Input.Timestamp.IsZero() {
					t.Errorf("signal %d = %+v, want source k8s with a fingerprint and a time", i, s)
				}
			}
		})
	}
}

func TestCrashLoopMessageNamesTheCause(t *testing.T) {
	p := tmPod(func(p *corev1.Pod) {
		cs := &p.Status.ContainerStatuses[0]
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 2m40s"}}
		term := terminated("Error", 1, "containerd://c")
		term.Message = "ProgramInvocationException: The program's entry point class 'com.acme.Main' was not found"
		cs.LastTerminationState = corev1.ContainerState{Terminated: term}
	})
	got := podSignals(p)[0].Input.K8sMessage
	want := "[flink-main-container] CrashLoop - ProgramInvocationException: The program's entry point class 'com.acme.Main' was not found\nback-off 2m40s"
	if got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

// TestFingerprintsNameOccurrences: the status seen again is the same
// occurrence; the next crash is a new one.
func TestFingerprintsNameOccurrences(t *testing.T) {
	crashed := func(id string, restarts int32) *corev1.Pod {
		return tmPod(func(p *corev1.Pod) {
			p.Spec.RestartPolicy = corev1.RestartPolicyAlways
			cs := &p.Status.ContainerStatuses[0]
			cs.RestartCount = restarts
			cs.LastTerminationState = corev1.ContainerState{Terminated: terminated("OOMKilled", 137, id)}
		})
	}
	first, again, next := podSignals(crashed("containerd://1", 1)), podSignals(crashed("containerd://1", 1)), podSignals(crashed("containerd://2", 2))
	if first[0].Fingerprint != again[0].Fingerprint {
		t.Errorf("same termination seen twice: fingerprints %q and %q differ", first[0].Fingerprint, again[0].Fingerprint)
	}
	if first[0].Fingerprint == next[0].Fingerprint {
		t.Errorf("two terminations share fingerprint %q", first[0].Fingerprint)
	}

	// ErrImagePull and ImagePullBackOff alternate for one problem.
	pull := func(reason string) string {
		return podSignals(tmPod(func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
		}))[0].Fingerprint
	}
	if a, b := pull("ErrImagePull"), pull("ImagePullBackOff"); a != b {
		t.Errorf("image pull fingerprints %q and %q differ, want one occurrence", a, b)
	}
}

func TestEventSignal(t *testing.T) {
	ev := func(mutate func(*corev1.Event)) *corev1.Event {
		e := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: "x.17f", Namespace: "checkout", UID: "ev-1"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "checkout", Name: "orders-enrichment-taskmanager-1-3"},
			Type:           corev1.EventTypeWarning, Reason: "FailedScheduling", Count: 3,
			Message:       "0/9 nodes are available: 3 Insufficient cpu.",
			LastTimestamp: metav1.NewTime(t0),
		}
		if mutate != nil {
			mutate(e)
		}
		return e
	}
	tests := []struct {
		name   string
		ev     *corev1.Event
		wantOK bool
		wantFP string
	}{
		{"failed scheduling", ev(nil), true, "event/ev-1/3"},
		{"series count counts repeats", ev(func(e *corev1.Event) { e.Count = 0; e.Series = &corev1.EventSeries{Count: 7} }), true, "event/ev-1/7"},
		{"failed mount", ev(func(e *corev1.Event) { e.Reason = "FailedMount" }), true, "event/ev-1/3"},
		{"normal event", ev(func(e *corev1.Event) { e.Type = corev1.EventTypeNormal; e.Reason = "Scheduled" }), false, ""},
		{"unrelated warning", ev(func(e *corev1.Event) { e.Reason = "Unhealthy" }), false, ""},
		{"not about a pod", ev(func(e *corev1.Event) { e.InvolvedObject.Kind = "Node" }), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := eventSignal(tt.ev)
			if ok != tt.wantOK || s.Fingerprint != tt.wantFP {
				t.Errorf("eventSignal = %q, %v; want %q, %v", s.Fingerprint, ok, tt.wantFP, tt.wantOK)
			}
			if ok && (s.Input.K8sReason != tt.ev.Reason || !s.Input.Timestamp.Equal(t0)) {
				t.Errorf("input = %+v, want reason %s at %v", s.Input, tt.ev.Reason, t0)
			}
		})
	}
}
