package kafka

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/internal/config"
)

// syncBuffer is a log sink safe for the collector's goroutines.
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

// Run polls on its own until cancelled, and a cluster that goes away is
// logged once, not at every poll.
func TestRun(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 9, time.Now())
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 2}}))
	cfg := testConfig(k.Brokers())
	cfg.PollInterval = config.Duration(20 * time.Millisecond)
	cfg.RequestTimeout = config.Duration(200 * time.Millisecond)
	var logs syncBuffer
	c, err := New(cfg, func(string) string { return "" }, slog.New(slog.NewTextHandler(&logs, nil)))
	must(t, err)
	defer c.Close()
	c.SetGroups(map[string][]string{"": {"g"}})

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()

	waitFor(t, "the group measured", func() bool { g, ok := c.Lag("", "g"); return ok && g.Records == 7 })
	k.Close()
	waitFor(t, "kafka_up 0", func() bool {
		return hasLine(exposition(t, c, "flinkslo_kafka_up"), `flinkslo_kafka_up{cluster="default"} 0`)
	})
	waitFor(t, "three failed polls", func() bool { return c.pollers[0].failures.Load() >= 3 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil on cancellation", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := strings.Count(logs.String(), "kafka cluster unreachable"); n != 1 {
		t.Errorf("unreachable logged %d times, want once:\n%s", n, logs.String())
	}
}

// waitFor polls cond; the deadline only bounds a broken test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A poll cut short by shutdown keeps the last view: cancelling is not the
// cluster going down.
func TestPollCancelledKeepsView(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 9, time.Now())
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 2}}))
	c := newTestCollector(t, testConfig(k.Brokers()), newClock(), "g")
	must(t, c.Poll(ctx))
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Poll(cancelled); err == nil {
		t.Fatal("Poll with a cancelled context: no error")
	}
	if !hasLine(exposition(t, c, "flinkslo_kafka_up"), `flinkslo_kafka_up{cluster="default"} 1`) {
		t.Error("kafka_up dropped because a poll was cancelled")
	}
	if _, ok := c.Lag("", "g"); !ok {
		t.Error("group lost because a poll was cancelled")
	}
}
