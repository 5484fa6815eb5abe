package kube

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkslo/flinkslo/fleet"
)

// podChanged reports the failures in a Flink pod's status against its
// deployment.
func (d *Discoverer) podChanged(p *corev1.Pod) {
	t, ok := d.deploymentTarget(p.Namespace, p.Labels[appLabel])
	if !ok {
		return
	}
	for _, s := range podSignals(p) {
		d.report(t, podJob(t), s.Input, s.Fingerprint)
	}
}

// eventSeen reports a Warning event about a Flink pod.
func (d *Discoverer) eventSeen(ev *corev1.Event, p *corev1.Pod) {
	s, ok := eventSignal(ev)
	if !ok {
		return
	}
	t, ok := d.deploymentTarget(p.Namespace, p.Labels[appLabel])
	if !ok {
		return
	}
	s.Input.K8sMessage = "Pod " + p.Name + ": " + s.Input.K8sMessage
	d.report(t, podJob(t), s.Input, s.Fingerprint)
}

// podJob is the job a pod failure hits: the only job of an application
// cluster; none for a session cluster, whose pods serve many jobs.
func podJob(t fleet.Target) string {
	if t.ClusterOnly {
		return ""
	}
	return t.JobName
}

// trimPod keeps what pod signals read, so the informer cache of a large
// fleet holds statuses rather than whole pod specs.
func trimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:              p.Name,
			Namespace:         p.Namespace,
			UID:               p.UID,
			ResourceVersion:   p.ResourceVersion,
			Labels:            p.Labels,
			CreationTimestamp: p.CreationTimestamp,
			DeletionTimestamp: p.DeletionTimestamp,
		},
		Spec: corev1.PodSpec{RestartPolicy: p.Spec.RestartPolicy, NodeName: p.Spec.NodeName},
		Status: corev1.PodStatus{
			Phase:                 p.Status.Phase,
			Reason:                p.Status.Reason,
			Message:               p.Status.Message,
			Conditions:            p.Status.Conditions,
			InitContainerStatuses: p.Status.InitContainerStatuses,
			ContainerStatuses:     p.Status.ContainerStatuses,
		},
	}, nil
}

// trimMeta drops managed fields, the largest part of most objects' metadata.
func trimMeta(obj any) (any, error) {
	if m, ok := obj.(metav1.ObjectMetaAccessor); ok {
		m.GetObjectMeta().SetManagedFields(nil)
	}
	return obj, nil
}
