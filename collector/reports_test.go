package collector

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// mutableSource is a discovery that finds targets, and failures, while the
// loop runs.
type mutableSource struct {
	mu      sync.Mutex
	ts      []fleet.Target
	reports []fleet.FailureReport
}

func (m *mutableSource) Reports() []fleet.FailureReport {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.reports
	m.reports = nil
	return out
}

func (m *mutableSource) Targets() []fleet.Target {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]fleet.Target(nil), m.ts...)
}

func (m *mutableSource) add(t fleet.Target) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ts = append(m.ts, t)
}

// A failure reported for a resource that discovery found after the cycle
// fixed its targets is counted once the target is scraped, and a report
// for a target that never appears is dropped after a few cycles.
func TestReportBeforeTargetIsScraped(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	_, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now, Jobs: []flinkfake.JobSpec{{Name: "orders"}}})
	cfg, err := config.Parse([]byte("scrapeInterval: 10s\nscrapeTimeout: 1s\nkubernetes: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	src := &mutableSource{}
	l, err := NewLoop(Options{Sources: []TargetSource{src}, Store: fleet.NewStore(), Config: ConfigFrom(cfg), Policy: testPolicy(t, cfg), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tg := fleet.Target{Deployment: "orders", Namespace: "shop", Owner: fleet.Owner{Team: "shop"}, URL: srv.URL, JobName: "orders", Source: "kubernetes"}
	report := func(target fleet.Target, fp string) {
		src.mu.Lock()
		defer src.mu.Unlock()
		src.reports = append(src.reports, fleet.FailureReport{Target: target, Job: "orders", Fingerprint: fp, Evidence: fleet.Evidence{
			Source: fleet.SourceK8s, K8sReason: "OOMKilled", K8sMessage: "container flink-main-container OOMKilled", ExitCode: 137,
		}})
	}
	report(tg, "pod/a")
	ghost := tg
	ghost.Deployment = "ghost"
	report(ghost, "pod/b")

	// The cycle that was running when the report came: no target yet.
	if snap := l.RunOnce(context.Background()); len(snap.Targets) != 0 || len(snap.Failures) != 0 {
		t.Fatalf("before discovery: %d targets, %d failures", len(snap.Targets), len(snap.Failures))
	}
	src.add(tg)
	clock.Advance(10 * time.Second)
	snap := l.RunOnce(context.Background())
	if len(snap.Failures) != 1 || snap.Failures[0].Deployment != "orders" {
		t.Fatalf("failures once the target is scraped: %+v", snap.Failures)
	}
	if ts := target(t, snap, "orders"); len(ts.Jobs) != 1 || sum(ts.Jobs[0].Failures) != 1 {
		t.Errorf("the report is not counted on the job: %+v", ts.Jobs)
	}
	for range reportCarryCycles + 1 {
		clock.Advance(10 * time.Second)
		if snap := l.RunOnce(context.Background()); len(snap.Failures) != 0 {
			t.Errorf("a report was counted twice or the ghost's appeared: %+v", snap.Failures)
		}
	}
	l.mu.Lock()
	left := len(l.pending)
	l.mu.Unlock()
	if left != 0 {
		t.Errorf("%d reports still pending for a target that never appeared", left)
	}
}

func sum(m map[fleet.FailureKey]float64) float64 {
	var n float64
	for _, v := range m {
		n += v
	}
	return n
}
