package kube

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkslo/flinkslo/fleet"
)

// testPodSignals plays the kubelet: a TaskManager pod is OOM-killed and
// another cannot be scheduled; flinkslo, watching as its service account,
// reports both against the deployment.
func testPodSignals(t *testing.T, c *cluster) {
	_, rec := c.discoverer(t, Options{})
	pods := c.admin.CoreV1().Pods("analytics")
	newPod := func(name string) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "shared-session", "component": "taskmanager", "type": "flink-native-kubernetes"}},
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{
				{Name: "flink-main-container", Image: "registry.plat.internal/flink/runtime:1.20.1-p2"},
			}},
		}
		created, err := pods.Create(t.Context(), p, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return created
	}

	oom := newPod("shared-session-taskmanager-1-1")
	oom.Status = corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{
		Name: "flink-main-container", Image: "registry.plat.internal/flink/runtime:1.20.1-p2",
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			Reason: "OOMKilled", ExitCode: 137, ContainerID: "containerd://0a1b2c", FinishedAt: metav1.Now(),
		}},
	}}}
	if _, err := pods.UpdateStatus(t.Context(), oom, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("play the kubelet: %v", err)
	}
	eventually(t, "OOMKilled reported", func() bool { _, ok := reportOf(&harness{rec: rec}, "OOMKilled"); return ok })
	r, _ := reportOf(&harness{rec: rec}, "OOMKilled")
	if r.Target.Key() != "analytics/shared-session" || r.Evidence.Source != fleet.SourceK8s || r.Evidence.ExitCode != 137 {
		t.Errorf("OOMKilled report = %s source %s exit %d", r.Target.Key(), r.Evidence.Source, r.Evidence.ExitCode)
	}

	pending := newPod("shared-session-taskmanager-1-2")
	now := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: pending.Name + ".18a0", Namespace: "analytics"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "analytics", Name: pending.Name, UID: pending.UID, APIVersion: "v1"},
		Reason:         "FailedScheduling", Type: corev1.EventTypeWarning, Count: 1,
		Message:        "0/9 nodes are available: 9 Insufficient cpu.",
		Source:         corev1.EventSource{Component: "default-scheduler"},
		FirstTimestamp: now, LastTimestamp: now,
	}
	if _, err := c.admin.CoreV1().Events("analytics").Create(t.Context(), ev, metav1.CreateOptions{}); err != nil {
		t.Fatalf("play the scheduler: %v", err)
	}
	eventually(t, "FailedScheduling reported", func() bool { _, ok := reportOf(&harness{rec: rec}, "FailedScheduling"); return ok })
}
