package kube

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/flinkslo/flinkslo/collector/shard"
	"github.com/flinkslo/flinkslo/internal/kubetest"
)

// syncBuffer is a log destination written by the informer's goroutine and
// read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testStatefulSetShard runs a pod of the sharded install, as its service
// account under the shipped RBAC: its shard is its ordinal of the
// StatefulSet's replicas, and scaling the StatefulSet re-shards the
// discovered targets without a restart.
func testStatefulSetShard(t *testing.T, c *cluster) {
	objs, err := kubetest.Kustomize("../../deploy/overlays/sharded")
	if err != nil {
		t.Fatal(err)
	}
	c.s.Apply(t, kubetest.WithoutPrometheusOperator(objs)...)
	for i := range 24 {
		u := fixture(t, "application.yaml")
		u.SetName(fmt.Sprintf("orders-%02d", i))
		c.create(t, u)
	}
	all, _ := c.discoverer(t, Options{})
	eventually(t, "every deployment discovered", func() bool { return len(all.Targets()) >= 24 })
	every := keys(all.Targets())
	owned := func(n int) []string {
		var out []string
		for _, k := range every {
			if shard.Of(k, n) == 1 {
				out = append(out, k)
			}
		}
		return out
	}
	if slices.Equal(owned(3), owned(4)) {
		t.Fatal("the fixture's keys do not move when shard 1 goes from 3 to 4 shards")
	}

	var logs syncBuffer
	sts, err := NewStatefulSetShard(kubernetes.NewForConfigOrDie(c.sa), "flinkslo", "flinkslo-b-1", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	live := shard.NewLive(shard.Shard{Index: 0, Count: 1 << 20}) // owns ~nothing until read
	d, _ := c.discoverer(t, Options{Shard: live})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- sts.Run(ctx, func(sh shard.Shard) {
			live.Set(sh)
			d.Reshard()
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	eventually(t, "shard 1 of the StatefulSet's 3 replicas", func() bool {
		return live.Load() == shard.Shard{Index: 1, Count: 3} && slices.Equal(keys(d.Targets()), owned(3))
	})

	scale := func(n int) {
		t.Helper()
		patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, n)
		if _, err := c.admin.AppsV1().StatefulSets("flinkslo").Patch(t.Context(), "flinkslo-b", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	scale(4)
	eventually(t, "re-sharded to 1 of 4", func() bool {
		return live.Load() == shard.Shard{Index: 1, Count: 4} && slices.Equal(keys(d.Targets()), owned(4))
	})

	// Scaled below this pod: it is about to be stopped, and keeps its
	// shard rather than claim another's targets meanwhile.
	scale(1)
	eventually(t, "a warning that the pod is scaled away", func() bool {
		return strings.Contains(logs.String(), "statefulset scaled below this pod")
	})
	if got := live.Load(); got != (shard.Shard{Index: 1, Count: 4}) {
		t.Errorf("after scaling below the pod the shard is %v, want 1/4 kept", got)
	}
}
