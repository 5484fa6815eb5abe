package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// Pods of a Flink cluster carry app=<cluster id> (the FlinkDeployment's
// name) and component=jobmanager|taskmanager, in native and standalone
// mode alike.
const (
	podSelector   = "component in (jobmanager,taskmanager),app"
	eventSelector = "involvedObject.kind=Pod,type=Warning"
	appLabel      = "app"
)

// watchers runs the informers of one Discoverer.
type watchers struct {
	d      *Discoverer
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	pods   []cache.SharedIndexInformer
}

func newWatchers(ctx context.Context, d *Discoverer) *watchers {
	ctx, cancel := context.WithCancel(ctx)
	return &watchers{d: d, ctx: ctx, cancel: cancel}
}

// shutdown stops every informer and waits for them.
func (w *watchers) shutdown() {
	w.cancel()
	w.wg.Wait()
}

func (w *watchers) namespaces() []string {
	if ns := w.d.opts.Config.Namespaces; len(ns) > 0 {
		return ns
	}
	return []string{metav1.NamespaceAll}
}

// startResources watches FlinkDeployments and FlinkSessionJobs and waits
// until both are listed.
func (w *watchers) startResources() error {
	sel := w.d.opts.Config.LabelSelector
	tweak := func(o *metav1.ListOptions) { o.LabelSelector = sel }
	var infs []cache.SharedIndexInformer
	for _, ns := range w.namespaces() {
		for _, k := range []struct {
			gvr  schema.GroupVersionResource
			kind string
		}{{DeploymentGVR, KindDeployment}, {SessionJobGVR, KindSessionJob}} {
			inf := dynamicinformer.NewFilteredDynamicInformer(w.d.opts.Dynamic, k.gvr, ns, w.d.opts.Resync, cache.Indexers{}, tweak).Informer()
			if err := w.add(inf, k.gvr.Resource, w.resourceHandler(k.kind)); err != nil {
				return err
			}
			infs = append(infs, inf)
		}
	}
	return w.run("flink resources", infs)
}

// startPods watches the Flink clusters' pods, then their Warning events,
// which are matched to a deployment through their pod.
func (w *watchers) startPods() error {
	tweak := func(o *metav1.ListOptions) { o.LabelSelector = podSelector }
	for _, ns := range w.namespaces() {
		inf := coreinformers.NewFilteredPodInformer(w.d.opts.Client, ns, w.d.opts.Resync, cache.Indexers{}, tweak)
		if err := inf.SetTransform(trimPod); err != nil {
			return fmt.Errorf("set pod transform: %w", err)
		}
		if err := w.add(inf, "pods", w.podHandler()); err != nil {
			return err
		}
		w.pods = append(w.pods, inf)
	}
	if err := w.run("pods", w.pods); err != nil {
		return err
	}
	evTweak := func(o *metav1.ListOptions) { o.FieldSelector = eventSelector }
	var events []cache.SharedIndexInformer
	for _, ns := range w.namespaces() {
		inf := coreinformers.NewFilteredEventInformer(w.d.opts.Client, ns, w.d.opts.Resync, cache.Indexers{}, evTweak)
		if err := inf.SetTransform(trimMeta); err != nil {
			return fmt.Errorf("set event transform: %w", err)
		}
		if err := w.add(inf, "events", w.eventHandler()); err != nil {
			return err
		}
		events = append(events, inf)
	}
	return w.run("events", events)
}

func (w *watchers) add(inf cache.SharedIndexInformer, resource string, h cache.ResourceEventHandler) error {
	if _, err := inf.AddEventHandler(h); err != nil {
		return fmt.Errorf("watch %s: %w", resource, err)
	}
	return inf.SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			// A closed watch; the informer resumes it.
		case apierrors.IsResourceExpired(err), apierrors.IsGone(err):
			w.d.log.Debug("kubernetes watch expired, relisting", "resource", resource, "err", err)
		default:
			w.d.log.Warn("kubernetes list/watch failed, retrying with backoff", "resource", resource, "err", err)
		}
	})
}

// run starts informers and waits for their first list.
func (w *watchers) run(what string, infs []cache.SharedIndexInformer) error {
	synced := make([]cache.InformerSynced, len(infs))
	for i, inf := range infs {
		w.wg.Go(func() { inf.RunWithContext(w.ctx) })
		synced[i] = inf.HasSynced
	}
	if !cache.WaitForCacheSync(w.ctx.Done(), synced...) {
		return fmt.Errorf("sync %s: %w", what, context.Cause(w.ctx))
	}
	return nil
}

func (w *watchers) resourceHandler(kind string) cache.ResourceEventHandler {
	upsert := func(obj any) {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			w.d.upsert(parseResource(u, kind, w.d.opts.Config))
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { upsert(obj) },
		UpdateFunc: func(_, obj any) { upsert(obj) },
		DeleteFunc: func(obj any) {
			if m, err := meta.Accessor(deleted(obj)); err == nil {
				w.d.remove(kind, m.GetNamespace(), m.GetName())
			}
		},
	}
}

func (w *watchers) podHandler() cache.ResourceEventHandler {
	onPod := func(obj any) {
		if p, ok := obj.(*corev1.Pod); ok {
			w.d.podChanged(p)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { onPod(obj) },
		UpdateFunc: func(_, obj any) { onPod(obj) },
	}
}

func (w *watchers) eventHandler() cache.ResourceEventHandler {
	onEvent := func(obj any) {
		ev, ok := obj.(*corev1.Event)
		if !ok {
			return
		}
		if p := w.pod(ev.InvolvedObject.Namespace, ev.InvolvedObject.Name); p != nil && (ev.InvolvedObject.UID == "" || ev.InvolvedObject.UID == p.UID) {
			w.d.eventSeen(ev, p)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { onEvent(obj) },
		UpdateFunc: func(_, obj any) { onEvent(obj) },
	}
}

// pod finds a watched pod; nil when it is gone or not a Flink pod.
func (w *watchers) pod(namespace, name string) *corev1.Pod {
	for _, inf := range w.pods {
		if obj, ok, _ := inf.GetStore().GetByKey(namespace + "/" + name); ok {
			p, _ := obj.(*corev1.Pod)
			return p
		}
	}
	return nil
}

func deleted(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}
