package kube

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkslo/flinkslo/fleet"
)

func (h *harness) createPod(t *testing.T, p *corev1.Pod) {
	t.Helper()
	if _, err := h.cs.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) updatePod(t *testing.T, p *corev1.Pod) {
	t.Helper()
	if _, err := h.cs.CoreV1().Pods(p.Namespace).UpdateStatus(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func reportOf(h *harness, reason string) (fleet.FailureReport, bool) {
	for _, r := range h.rec.distinct() {
		if r.Evidence.K8sReason == reason {
			return r, true
		}
	}
	return fleet.FailureReport{}, false
}

func TestPodFailuresReachTheDeployment(t *testing.T) {
	h := start(t, Options{}, fixture(t, "application.yaml"), fixture(t, "session-cluster.yaml"))

	h.createPod(t, tmPod(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodFailed
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("OOMKilled", 137, "containerd://oom")}
	}))
	eventually(t, "OOMKilled reported", func() bool { _, ok := reportOf(h, "OOMKilled"); return ok })
	r, _ := reportOf(h, "OOMKilled")
	if r.Target.Key() != "checkout/orders-enrichment" || r.Target.Team != "checkout" || r.Job != "orders-enrichment" {
		t.Errorf("OOMKilled reported on %s team %q job %q, want checkout/orders-enrichment team checkout job orders-enrichment",
			r.Target.Key(), r.Target.Team, r.Job)
	}

	t.Run("session cluster pod has no job", func(t *testing.T) {
		h.createPod(t, tmPod(func(p *corev1.Pod) {
			p.Name, p.Namespace, p.UID = "shared-session-taskmanager-1-1", "analytics", "pod-uid-2"
			p.Labels["app"] = "shared-session"
			p.Status.Phase = corev1.PodFailed
			p.Status.Reason, p.Status.Message = "Evicted", "The node was low on resource: ephemeral-storage."
		}))
		eventually(t, "eviction reported", func() bool { _, ok := reportOf(h, "Evicted"); return ok })
		r, _ := reportOf(h, "Evicted")
		if r.Target.Key() != "analytics/shared-session" || r.Job != "" {
			t.Errorf("Evicted reported on %s job %q, want analytics/shared-session and no job", r.Target.Key(), r.Job)
		}
	})

	t.Run("scheduling event through its pod", func(t *testing.T) {
		pending := tmPod(func(p *corev1.Pod) {
			p.Name, p.UID = "orders-enrichment-taskmanager-1-4", "pod-uid-3"
			p.Status = corev1.PodStatus{Phase: corev1.PodPending}
		})
		h.createPod(t, pending)
		ev := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: pending.Name + ".1", Namespace: "checkout", UID: "ev-uid"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "checkout", Name: pending.Name, UID: pending.UID},
			Type:           corev1.EventTypeWarning, Reason: "FailedScheduling", Count: 1,
			Message: "0/9 nodes are available: 9 Insufficient memory.",
		}
		eventually(t, "pending pod watched", func() bool { return h.d.Ready() == nil })
		// The event may arrive before its pod is in the cache; the
		// resync delivers it again, here an update stands in for it.
		if _, err := h.cs.CoreV1().Events("checkout").Create(context.Background(), ev, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "FailedScheduling reported", func() bool {
			if _, ok := reportOf(h, "FailedScheduling"); ok {
				return true
			}
			ev.Count++
			_, _ = h.cs.CoreV1().Events("checkout").Update(context.Background(), ev, metav1.UpdateOptions{})
			return false
		})
		r, _ := reportOf(h, "FailedScheduling")
		if r.Target.Key() != "checkout/orders-enrichment" || r.Evidence.K8sMessage != "Pod orders-enrichment-taskmanager-1-4: 0/9 nodes are available: 9 Insufficient memory." {
			t.Errorf("FailedScheduling report = %s %q", r.Target.Key(), r.Evidence.K8sMessage)
		}
	})

	t.Run("status seen again is one failure", func(t *testing.T) {
		p, err := h.cs.CoreV1().Pods("checkout").Get(context.Background(), "orders-enrichment-taskmanager-1-3", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before := h.rec.total()
		distinct := len(h.rec.distinct())
		p.Status.Message = "touched"
		h.updatePod(t, p)
		eventually(t, "update delivered", func() bool { return h.rec.total() > before })
		if n := len(h.rec.distinct()); n != distinct {
			t.Errorf("%d distinct failures after re-delivery, want %d", n, distinct)
		}
	})

	t.Run("pod of an undiscovered deployment", func(t *testing.T) {
		h.createPod(t, tmPod(func(p *corev1.Pod) {
			p.Name, p.UID = "stranger-taskmanager-1-1", "pod-uid-4"
			p.Labels["app"] = "stranger"
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("OOMKilled", 137, "containerd://x")}
		}))
		// A later pod of a known deployment proves the stranger was seen.
		h.createPod(t, tmPod(func(p *corev1.Pod) {
			p.Name, p.UID = "orders-enrichment-taskmanager-1-5", "pod-uid-5"
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError"}}
		}))
		eventually(t, "later pod reported", func() bool { _, ok := reportOf(h, "CreateContainerConfigError"); return ok })
		for _, r := range h.rec.distinct() {
			if r.Target.Deployment == "stranger" {
				t.Errorf("failure of undiscovered deployment reported: %+v", r)
			}
		}
	})
}

func TestPodSignalsOff(t *testing.T) {
	cfg := testConfig()
	off := false
	cfg.PodSignals = &off
	h := start(t, Options{Config: cfg}, fixture(t, "application.yaml"))
	h.createPod(t, tmPod(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodFailed
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("OOMKilled", 137, "containerd://oom")}
	}))
	// No pod informer runs, so nothing can arrive; the list proves it.
	if acts := h.cs.Actions(); len(acts) != 1 || acts[0].GetVerb() != "create" {
		t.Errorf("with podSignals off the clientset saw %v, want only the test's create", acts)
	}
}
