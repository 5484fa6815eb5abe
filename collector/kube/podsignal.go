package kube

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/flinkslo/flinkslo/fleet"
)

// waitingReasons are the container waiting reasons that mean the container
// cannot start; the classifier decides whose fault each is.
var waitingReasons = map[string]bool{
	"CrashLoopBackOff":           true,
	"ImagePullBackOff":           true,
	"ErrImagePull":               true,
	"InvalidImageName":           true,
	"CreateContainerConfigError": true,
	"CreateContainerError":       true,
	"RunContainerError":          true,
}

// disruptionReasons map a DisruptionTarget condition's reason to the
// reason flinkslo reports; the others (a drain through the Eviction API is
// planned) are not failures.
var disruptionReasons = map[string]string{
	"DeletionByTaintManager": "NodeLost", // the node became unreachable or not ready
	"DeletionByPodGC":        "NodeLost", // the node is gone
	"PreemptionByScheduler":  "Preempted",
	"TerminationByKubelet":   "Terminated", // node shutdown or node-pressure eviction
}

const maxMessage = 4096

// podSignals finds the failures in a pod's status. Every signal's
// fingerprint names one occurrence: a container termination by the
// container instance that ended, a waiting reason by restart, the pod's
// own end once, so the status seen again on every update and resync is
// counted once.
func podSignals(p *corev1.Pod) []signal {
	var out []signal
	for _, cs := range p.Status.InitContainerStatuses {
		out = append(out, containerSignals(p, cs)...)
	}
	for _, cs := range p.Status.ContainerStatuses {
		out = append(out, containerSignals(p, cs)...)
	}
	if s, ok := podEnd(p); ok {
		out = append(out, s)
	}
	return out
}

func containerSignals(p *corev1.Pod, cs corev1.ContainerStatus) []signal {
	var out []signal
	waiting := cs.State.Waiting
	terminationReported := false
	if term := terminationOf(p, cs); term != nil {
		s := k8sSignal(p, term.Reason, terminationMessage(p, cs.Name, term), int(term.ExitCode), term.FinishedAt.Time)
		if waiting != nil && waiting.Reason == "CrashLoopBackOff" && term.Reason != "OOMKilled" {
			// The back-off says little; the termination message says why
			// it crashed, in the form the operator reports it.
			s.Input.K8sReason = waiting.Reason
			s.Input.K8sMessage = crashLoopMessage(cs.Name, waiting, term)
		}
		// The termination behind a back-off is its report.
		terminationReported = true
		if s.Input.K8sReason == "" {
			s.Input.K8sReason = "Error"
		}
		s.Fingerprint = fmt.Sprintf("pod/%s/%s/terminated/%s", p.UID, cs.Name, instanceOf(term))
		out = append(out, s)
	}
	if waiting != nil && waitingReasons[waiting.Reason] && !(waiting.Reason == "CrashLoopBackOff" && terminationReported) {
		msg := fmt.Sprintf("Container %s in pod %s waiting: reason %s", cs.Name, p.Name, waiting.Reason)
		if waiting.Message != "" {
			msg += ": " + waiting.Message
		}
		s := k8sSignal(p, waiting.Reason, msg, 0, podTime(p))
		// ErrImagePull and ImagePullBackOff alternate for one problem.
		class := waiting.Reason
		if class == "ErrImagePull" || class == "ImagePullBackOff" {
			class = "ImagePull"
		}
		s.Fingerprint = fmt.Sprintf("pod/%s/%s/waiting/%s/%d", p.UID, cs.Name, class, cs.RestartCount)
		out = append(out, s)
	}
	return out
}

// terminationOf is the container's failed termination worth reporting:
// the last one before a restart, or the current one when the container
// will not restart (TaskManager pods never restart: Flink replaces them).
// A container stopped because its pod is being deleted (scale down,
// upgrade) ended on request unless it was OOM-killed.
func terminationOf(p *corev1.Pod, cs corev1.ContainerStatus) *corev1.ContainerStateTerminated {
	term := cs.LastTerminationState.Terminated
	if t := cs.State.Terminated; t != nil && (p.Spec.RestartPolicy == corev1.RestartPolicyNever || p.Status.Phase == corev1.PodFailed) {
		term = t
	}
	if term == nil || (term.ExitCode == 0 && term.Reason != "OOMKilled") {
		return nil
	}
	if p.DeletionTimestamp != nil && term.Reason != "OOMKilled" {
		return nil
	}
	return term
}

// instanceOf names the container instance that terminated.
func instanceOf(t *corev1.ContainerStateTerminated) string {
	if t.ContainerID != "" {
		return t.ContainerID
	}
	return fmt.Sprintf("%d", t.FinishedAt.Unix())
}

func terminationMessage(p *corev1.Pod, container string, t *corev1.ContainerStateTerminated) string {
	msg := fmt.Sprintf("Container %s in pod %s terminated: reason %s, exit code %d", container, p.Name, t.Reason, t.ExitCode)
	if t.Message != "" {
		msg += ": " + t.Message
	}
	return msg
}

// crashLoopMessage follows the operator's DeploymentFailedException text
// ("[container] CrashLoop - <termination message>") so that a crash loop
// reads the same whether the operator or a pod reported it.
func crashLoopMessage(container string, w *corev1.ContainerStateWaiting, t *corev1.ContainerStateTerminated) string {
	if t.Message != "" {
		return fmt.Sprintf("[%s] CrashLoop - %s\n%s", container, t.Message, w.Message)
	}
	return fmt.Sprintf("[%s] %s (last exit code %d, reason %s)", container, w.Message, t.ExitCode, t.Reason)
}

// podEnd is the pod's own failure: evicted, lost with its node, shut down
// with it, preempted. A pod ends once, so it has one fingerprint whichever
// way it is seen first.
func podEnd(p *corev1.Pod) (signal, bool) {
	reason, msg := "", ""
	if r := p.Status.Reason; r != "" && (p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodUnknown || r == "Evicted" || r == "NodeLost") {
		reason, msg = r, p.Status.Message
	} else {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue && disruptionReasons[c.Reason] != "" {
				reason, msg = disruptionReasons[c.Reason], c.Reason+": "+c.Message
			}
		}
	}
	if reason == "" {
		return signal{}, false
	}
	s := k8sSignal(p, reason, fmt.Sprintf("Pod %s: %s", p.Name, msg), 0, podTime(p))
	s.Fingerprint = fmt.Sprintf("pod/%s/end", p.UID)
	return s, true
}

func k8sSignal(p *corev1.Pod, reason, msg string, exit int, at time.Time) signal {
	if len(msg) > maxMessage {
		msg = msg[:maxMessage]
	}
	return signal{Input: fleet.Evidence{Source: fleet.SourceK8s, K8sReason: reason, K8sMessage: msg, ExitCode: exit, Timestamp: at}}
}

// podTime is when the pod last changed condition: the best time a waiting
// reason or an eviction has, so a restarted flinkslo does not date old
// failures now.
func podTime(p *corev1.Pod) time.Time {
	t := p.CreationTimestamp.Time
	for _, c := range p.Status.Conditions {
		if c.LastTransitionTime.After(t) {
			t = c.LastTransitionTime.Time
		}
	}
	return t
}
