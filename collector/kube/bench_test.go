package kube

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
)

// fleetDiscoverer holds n FlinkDeployments and n/4 session jobs, as the
// informers would have delivered them.
func fleetDiscoverer(b *testing.B, n int) *Discoverer {
	b.Helper()
	d, err := New(Options{Config: testConfig(), Dynamic: dynamicfake.NewSimpleDynamicClient(runtime.NewScheme()), Client: fake.NewClientset()})
	if err != nil {
		b.Fatal(err)
	}
	app, job := fixture(b, "application.yaml"), fixture(b, "session-job.yaml")
	for i := range n {
		app.SetName(fmt.Sprintf("job-%05d", i))
		app.SetNamespace(fmt.Sprintf("team-%02d", i%40))
		d.upsert(parseResource(app, KindDeployment, d.opts.Config))
		if i%4 == 0 {
			job.SetName(fmt.Sprintf("session-job-%05d", i))
			d.upsert(parseResource(job, KindSessionJob, d.opts.Config))
		}
	}
	return d
}

// BenchmarkUpsert is the informer's per-event cost with 5,000 resources
// known: constant, whatever the fleet size.
func BenchmarkUpsert(b *testing.B) {
	d := fleetDiscoverer(b, 5000)
	u := fixture(b, "application.yaml")
	u.SetNamespace("team-01")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		u.SetName(fmt.Sprintf("job-%05d", i%5000))
		d.upsert(parseResource(u, KindDeployment, d.opts.Config))
	}
}

// BenchmarkTargetsCached is what the scrape loop pays every cycle when
// nothing changed.
func BenchmarkTargetsCached(b *testing.B) {
	d := fleetDiscoverer(b, 5000)
	d.Targets()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d.Targets()
	}
}

// BenchmarkTargetsRebuild is the cost after a change, paid once per cycle
// however many events arrived.
func BenchmarkTargetsRebuild(b *testing.B) {
	d := fleetDiscoverer(b, 5000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d.mu.Lock()
		d.dirty = true
		d.mu.Unlock()
		d.Targets()
	}
}

// BenchmarkPodSignals is the cost of one pod update.
func BenchmarkPodSignals(b *testing.B) {
	p := tmPod(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodFailed
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: terminated("OOMKilled", 137, "containerd://a")}
	})
	b.ReportAllocs()
	for range b.N {
		podSignals(p)
	}
}
