package kube

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/flinkslo/flinkslo/collector/shard"
)

// StatefulSetShard is the shard of a pod of a StatefulSet, as
// kube-state-metrics derives it: the pod's ordinal, of the StatefulSet's
// replicas. Scaling the StatefulSet changes every pod's count.
type StatefulSetShard struct {
	client         kubernetes.Interface
	namespace, set string
	ordinal        int
	log            *slog.Logger
}

// NewStatefulSetShard reads pod's StatefulSet and ordinal from its name,
// <statefulset>-<ordinal>, as the StatefulSet controller names every pod.
// It does no I/O: Run learns the replica count.
func NewStatefulSetShard(client kubernetes.Interface, namespace, pod string, log *slog.Logger) (*StatefulSetShard, error) {
	i := strings.LastIndexByte(pod, '-')
	n, err := strconv.Atoi(pod[i+1:])
	if i <= 0 || err != nil || n < 0 {
		return nil, fmt.Errorf("pod name %q is not <statefulset>-<ordinal>", pod)
	}
	if namespace == "" {
		return nil, fmt.Errorf("pod %s: no namespace", pod)
	}
	return &StatefulSetShard{client: client, namespace: namespace, set: pod[:i], ordinal: n, log: log}, nil
}

// Ordinal is the pod's ordinal: its shard index.
func (s *StatefulSetShard) Ordinal() int { return s.ordinal }

// StatefulSet is the pod's StatefulSet, namespace/name.
func (s *StatefulSetShard) StatefulSet() string { return s.namespace + "/" + s.set }

// shardOf is this pod's shard at the StatefulSet's replica count.
func (s *StatefulSetShard) shardOf(sts *appsv1.StatefulSet) (shard.Shard, error) {
	replicas := 1
	if sts.Spec.Replicas != nil {
		replicas = int(*sts.Spec.Replicas)
	}
	sh, err := shard.New(s.ordinal, replicas)
	if err != nil {
		return shard.Shard{}, fmt.Errorf("statefulset %s/%s has %d replicas and this pod is ordinal %d (being scaled away?)",
			s.namespace, s.set, replicas, s.ordinal)
	}
	return sh, nil
}

// Run watches the StatefulSet until ctx ends and calls changed with the
// pod's shard once it has read it, and whenever its replica count
// changes. A count this pod is not
// part of (it is being scaled away) keeps the shard it has. It needs list
// and watch on statefulsets in the namespace.
func (s *StatefulSetShard) Run(ctx context.Context, changed func(shard.Shard)) error {
	f := informers.NewSharedInformerFactoryWithOptions(s.client, 0, informers.WithNamespace(s.namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "metadata.name=" + s.set }))
	inf := f.Apps().V1().StatefulSets().Informer()
	on := func(obj any) {
		sts, ok := obj.(*appsv1.StatefulSet)
		if !ok || sts.Name != s.set {
			return
		}
		sh, err := s.shardOf(sts)
		if err != nil {
			s.log.Warn("statefulset scaled below this pod, keeping its shard", "err", err)
			return
		}
		changed(sh)
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    on,
		UpdateFunc: func(_, obj any) { on(obj) },
	}); err != nil {
		return fmt.Errorf("watch statefulset %s/%s: %w", s.namespace, s.set, err)
	}
	f.Start(ctx.Done())
	<-ctx.Done()
	f.Shutdown()
	return nil
}
