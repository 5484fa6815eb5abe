package kube

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/flinkslo/flinkslo/fleet"
)

// eventReasons are the Warning events on a pod that say why it cannot run
// and that its status does not keep: the scheduler's, the volume
// manager's, the network plugin's and the node lifecycle controller's.
var eventReasons = map[string]bool{
	"FailedScheduling":       true,
	"FailedMount":            true,
	"FailedAttachVolume":     true,
	"FailedCreatePodSandBox": true,
	"NodeNotReady":           true,
}

// eventSignal is the failure an event reports, if it is one. An event
// object aggregates repeats of the same warning in its count, so each
// repeat is one occurrence: a pod that stays unschedulable keeps counting
// and the classifier's escalation can see it.
func eventSignal(ev *corev1.Event) (signal, bool) {
	if ev.Type != corev1.EventTypeWarning || ev.InvolvedObject.Kind != "Pod" || !eventReasons[ev.Reason] {
		return signal{}, false
	}
	count := ev.Count
	if ev.Series != nil && ev.Series.Count > count {
		count = ev.Series.Count
	}
	msg := ev.Message
	if len(msg) > maxMessage {
		msg = msg[:maxMessage]
	}
	return signal{
		Input: fleet.Evidence{
			Source:     fleet.SourceK8s,
			K8sReason:  ev.Reason,
			K8sMessage: msg,
			Timestamp:  eventTime(ev),
		},
		Fingerprint: fmt.Sprintf("event/%s/%d", ev.UID, count),
	}, true
}

// eventTime is when the event last happened, from whichever of the fields
// the reporting component filled (core/v1 and events.k8s.io/v1 writers
// differ).
func eventTime(ev *corev1.Event) time.Time {
	switch {
	case ev.Series != nil && !ev.Series.LastObservedTime.IsZero():
		return ev.Series.LastObservedTime.Time
	case !ev.LastTimestamp.IsZero():
		return ev.LastTimestamp.Time
	case !ev.EventTime.IsZero():
		return ev.EventTime.Time
	case !ev.FirstTimestamp.IsZero():
		return ev.FirstTimestamp.Time
	}
	return ev.CreationTimestamp.Time
}
