package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/daemon"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// fastWindows play the story's detail beats in seconds: a detail read
// every scrape, and each window a few of them.
var fastWindows = demoWindows{
	scrape: time.Second, detail: time.Second, startupGrace: time.Second,
	stuckAfter: 3 * time.Second, backpressureAfter: 2 * time.Second, resolveAfter: 2 * time.Second,
	healthWait: time.Second,
}

// TestStoryDetailBeats: the story's stuck job pages once (no_progress) and
// its back-pressured job reaches the platform channel once, naming the
// bottleneck vertex, as their STORY lines promise; each resolves when its
// heal beat comes, and nobody else hears of anything. The beats play
// against the demo's fleet, configuration and daemon, with the windows
// shortened.
func TestStoryDetailBeats(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo's fleet for about twenty seconds")
	}
	breaks, heals := detailBeats(t)
	demo := startDemo(t, fastWindows)
	demo.cycles(t, 3) // past the start-up grace, with a detail read to compare with
	for _, b := range breaks {
		demo.play(t, b)
	}
	demo.waitFor(t, "the page and the monitor message", func(ls []note) bool {
		return count(ls, "PAGE", "personalisation/recommendations", false) > 0 && count(ls, "MONITOR", "search/search-indexer", false) > 0
	})
	demo.cycles(t, 5) // a repeated or escalated notification would come now
	for _, b := range heals {
		demo.play(t, b)
	}
	demo.waitFor(t, "both resolves", func(ls []note) bool {
		return count(ls, "PAGE", "personalisation/recommendations", true) > 0 && count(ls, "MONITOR", "search/search-indexer", true) > 0
	})
	demo.cycles(t, 3)

	ls := demo.notes()
	for _, w := range []struct {
		route, target string
		resolve       bool
		has           []string
	}{
		{"PAGE", "personalisation/recommendations", false, []string{"health=no_progress", `to="pagerduty, slack #flink-platform"`}},
		{"MONITOR", "search/search-indexer", false, []string{"health=backpressured", backpressureNeck, `to="slack #flink-platform"`}},
		{"PAGE", "personalisation/recommendations", true, nil},
		{"MONITOR", "search/search-indexer", true, nil},
	} {
		if n := count(ls, w.route, w.target, w.resolve); n != 1 {
			t.Errorf("%s %s resolve=%t: got %d notifications, want 1:\n%s", w.route, w.target, w.resolve, n, demo.out.String())
		}
		for _, l := range ls {
			if l.route == w.route && l.target == w.target && l.resolve == w.resolve {
				for _, h := range w.has {
					if !strings.Contains(l.line, h) {
						t.Errorf("got %q, want it to contain %q", l.line, h)
					}
				}
			}
		}
	}
	if len(ls) != 4 {
		t.Errorf("got %d notifications, want the 4 above:\n%s", len(ls), demo.out.String())
	}
}

// detailBeats are the story's beats of the stuck and the back-pressured
// job: each deployment's first beat breaks it, its second heals it. The
// breaking beats' STORY lines must say what the test then checks.
func detailBeats(t *testing.T) (breaks, heals []beat) {
	t.Helper()
	seen := map[string]bool{}
	for _, b := range story {
		if b.deployment != "recommendations" && b.deployment != "search-indexer" {
			continue
		}
		if seen[b.deployment] {
			heals = append(heals, b)
			continue
		}
		seen[b.deployment] = true
		breaks = append(breaks, b)
	}
	if len(breaks) != 2 || len(heals) != 2 {
		t.Fatalf("got %d breaking and %d healing beats of recommendations and search-indexer, want 2 and 2", len(breaks), len(heals))
	}
	for _, b := range breaks {
		want := map[string][]string{
			"recommendations": {"expect PAGE once (no_progress)"},
			"search-indexer":  {"expect MONITOR", backpressureNeck},
		}[b.deployment]
		for _, w := range want {
			if !strings.Contains(b.says, w) {
				t.Errorf("%s: the story says %q, want it to say %q", b.deployment, b.says, w)
			}
		}
	}
	return breaks, heals
}

// note is one console notification: its route, namespace/deployment and
// whether it resolves.
type note struct {
	route, target string
	resolve       bool
	line          string
}

func count(ls []note, route, target string, resolve bool) int {
	n := 0
	for _, l := range ls {
		if l.route == route && l.target == target && l.resolve == resolve {
			n++
		}
	}
	return n
}

// demoRun is the demo's fleet and daemon without the story, whose beats
// the test plays itself.
type demoRun struct {
	jms    map[string]*flinkfake.JobManager
	out    *syncBuffer
	cycled chan struct{}
}

func startDemo(t *testing.T, w demoWindows) *demoRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls, jms, err := serveDemoFleet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(demoConfig(urls, nil, w)))
	if err != nil {
		t.Fatalf("demo config: %v", err)
	}
	r := &demoRun{jms: jms, out: &syncBuffer{}, cycled: make(chan struct{}, 1)}
	d, err := daemon.Build(cfg, daemon.Options{
		Log: slog.New(slog.DiscardHandler), Getenv: func(string) string { return "" }, Console: r.out,
		ForceConsole: true, DryRun: true, DryRunOut: io.Discard, HealthWait: w.healthWait, DisableUI: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Observe(observerFunc(func(*fleet.Snapshot) {
		select {
		case r.cycled <- struct{}{}:
		default:
		}
	}))
	g, gctx := errgroup.WithContext(ctx)
	d.Start(gctx, g)
	t.Cleanup(func() {
		cancel()
		_ = g.Wait()
		d.Close()
	})
	return r
}

// play does what the beat does, at once.
func (r *demoRun) play(t *testing.T, b beat) {
	t.Helper()
	if err := b.do(r.jms[b.deployment], b.deployment); err != nil {
		t.Fatalf("%s: %v", b.deployment, err)
	}
}

// cycles waits for n more snapshots.
func (r *demoRun) cycles(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(time.Duration(n)*fastWindows.scrape + 10*time.Second)
	for range n {
		select {
		case <-r.cycled:
		case <-timeout:
			t.Fatalf("waited for %d scrape cycles in vain", n)
		}
	}
}

// waitFor waits, a cycle at a time, until the notifications so far
// satisfy done.
func (r *demoRun) waitFor(t *testing.T, what string, done func([]note) bool) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for !done(r.notes()) {
		select {
		case <-r.cycled:
		case <-timeout:
			t.Fatalf("waited 30s for %s in vain; the console got:\n%s", what, r.out.String())
		}
	}
}

// notes parses the console's notifications so far: "ROUTE ns/name k=v …".
func (r *demoRun) notes() []note {
	var out []note
	for _, l := range strings.Split(strings.TrimSpace(r.out.String()), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		out = append(out, note{route: f[0], target: f[1], resolve: strings.Contains(l, " event=resolve "), line: l})
	}
	return out
}

type observerFunc func(*fleet.Snapshot)

func (f observerFunc) Observe(s *fleet.Snapshot) { f(s) }

// syncBuffer is the console: the router writes it while the test reads.
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
