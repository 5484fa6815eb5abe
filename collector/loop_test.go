package collector

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// fleetLoop builds a loop over targets name→url with the given extra YAML
// (top level), on the clock now.
func fleetLoop(t *testing.T, urls map[string]string, extra string, now func() time.Time) *Loop {
	t.Helper()
	var b strings.Builder
	if !strings.Contains(extra, "scrapeInterval:") {
		b.WriteString("scrapeInterval: 10s\n")
	}
	b.WriteString("scrapeTimeout: 1s\nteams: { t: {} }\n" + extra + "\ntargets:\n")
	names := make([]string, 0, len(urls))
	for n := range urls {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  - { name: %s, namespace: ns, team: t, url: %q }\n", n, urls[n])
	}
	cfg, err := config.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoop(Options{Sources: []TargetSource{StaticSource(StaticTargets(cfg))}, Store: fleet.NewStore(), Config: ConfigFrom(cfg), Policy: testPolicy(t, cfg), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func target(t *testing.T, s *fleet.Snapshot, name string) fleet.TargetStatus {
	t.Helper()
	for _, ts := range s.Targets {
		if ts.Deployment == name {
			return ts
		}
	}
	t.Fatalf("target %s not in snapshot", name)
	return fleet.TargetStatus{}
}

// A healthy job of every Flink line from 1.15 to 2.3 reads as healthy, with
// its counters, checkpoint progress and version.
func TestEveryFlinkVersion(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	urls := map[string]string{}
	for _, v := range flinkfake.Versions() {
		_, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Version: v, Now: clock.Now, Cluster: "jm-" + string(v)})
		urls["jm-"+strings.ReplaceAll(string(v), ".", "-")] = srv.URL
	}
	l := fleetLoop(t, urls, "", clock.Now)
	snap := l.RunOnce(context.Background())
	for _, ts := range snap.Targets {
		if !ts.Up || len(ts.Jobs) != 1 {
			t.Errorf("%s: up=%v jobs=%d err=%s", ts.Deployment, ts.Up, len(ts.Jobs), ts.Error)
			continue
		}
		j := ts.Jobs[0]
		if !j.Healthy || j.State != fleet.StateRunning || !j.CheckpointingEnabled || !j.CheckpointsProgressing || j.CheckpointsCompleted == 0 || ts.FlinkVersion == "" {
			t.Errorf("%s (Flink %s): %+v", ts.Deployment, ts.FlinkVersion, j)
		}
	}
}

// Bad input marks only its own target down; the others are scraped as
// usual and the cycle never waits for a slow JobManager longer than the
// request timeout.
func TestBadJobManagersOnlyMarkThemselvesDown(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	serve := func(s flinkfake.Scenario) string {
		jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now, Delay: 30 * time.Second})
		jm.SetScenario(s)
		return srv.URL
	}
	urls := map[string]string{
		"healthy":   serve(flinkfake.Healthy),
		"refused":   flinkfake.RefusedURL(t),
		"slow":      serve(flinkfake.Slow),
		"http500":   serve(flinkfake.HTTP500),
		"garbage":   serve(flinkfake.InvalidJSON),
		"truncated": serve(flinkfake.Truncated),
		"huge":      serve(flinkfake.Huge),
	}
	l := fleetLoop(t, urls, "", clock.Now)
	start := time.Now()
	snap := l.RunOnce(context.Background())
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a cycle with a JobManager delaying 30s took %s; the request timeout is 1s", took)
	}
	want := map[string]fleet.ErrorKind{"refused": fleet.ErrConnect, "slow": fleet.ErrTimeout, "http500": fleet.ErrHTTP, "garbage": fleet.ErrDecode, "truncated": fleet.ErrDecode, "huge": fleet.ErrDecode}
	for name, kind := range want {
		ts := target(t, snap, name)
		if ts.Up || ts.ErrorKind != kind {
			t.Errorf("%s: up=%v kind=%q err=%q, want down with %q", name, ts.Up, ts.ErrorKind, ts.Error, kind)
		}
		if len(ts.Jobs) != 1 || ts.Jobs[0].Healthy || !slices.Equal(ts.Jobs[0].Reasons, []fleet.Reason{fleet.ReasonUnreachable}) {
			t.Errorf("%s: jobs %+v, want the expected job unhealthy as unreachable", name, ts.Jobs)
		}
	}
	if h := target(t, snap, "healthy"); !h.Up || len(h.Jobs) != 1 || !h.Jobs[0].Healthy {
		t.Errorf("healthy target affected by its neighbours: %+v", h)
	}
}

// Restarts and checkpoints stay monotonic through a JobManager failover and
// a resubmission, and a job that was scraped before keeps its name.
func TestCountersAcrossFailoverAndResubmission(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now, Cluster: "orders", CheckpointInterval: 10 * time.Second,
		Jobs: []flinkfake.JobSpec{{Name: "orders", Scenario: flinkfake.RestartLoop, Failure: flinkfake.Transient}}})
	l := fleetLoop(t, map[string]string{"orders": srv.URL}, "", clock.Now)
	var last fleet.JobStatus
	step := func(what string) fleet.JobStatus {
		t.Helper()
		clock.Advance(40 * time.Second)
		ts := target(t, l.RunOnce(context.Background()), "orders")
		if len(ts.Jobs) != 1 {
			t.Fatalf("%s: jobs %+v", what, ts.Jobs)
		}
		j := ts.Jobs[0]
		if j.Restarts < last.Restarts || j.CheckpointsCompleted < last.CheckpointsCompleted || j.CheckpointsFailed < last.CheckpointsFailed {
			t.Fatalf("%s: counters went down: restarts %v→%v, completed %v→%v", what, last.Restarts, j.Restarts, last.CheckpointsCompleted, j.CheckpointsCompleted)
		}
		last = j
		return j
	}
	step("first scrape")
	before := step("restart loop").Restarts
	if before == 0 {
		t.Fatal("restart loop shows no restarts")
	}
	jm.Failover()
	afterFailover := step("after failover")
	if afterFailover.Restarts < before {
		t.Fatalf("failover reset the restarts counter: %v → %v", before, afterFailover.Restarts)
	}
	if _, err := jm.Resubmit("orders"); err != nil {
		t.Fatal(err)
	}
	j := step("after resubmission")
	if j.Name != "orders" || j.ID == afterFailover.ID {
		t.Fatalf("after resubmission: name %q id %q (was %q)", j.Name, j.ID, afterFailover.ID)
	}
	step("and on")
}

// With a state file, a new exporter process continues the counters exactly
// where the last one left them, instead of starting from Flink's values.
func TestStateFileSurvivesExporterRestart(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now, Cluster: "orders",
		Jobs: []flinkfake.JobSpec{{Name: "orders", Scenario: flinkfake.RestartLoop, Failure: flinkfake.Transient}}})
	state := "stateFile: " + filepath.Join(t.TempDir(), "state.json")
	urls := map[string]string{"orders": srv.URL}
	first := fleetLoop(t, urls, state, clock.Now)
	first.RunOnce(context.Background())
	clock.Advance(time.Minute)
	jm.Failover() // the next increments start from zero in Flink
	clock.Advance(time.Minute)
	total := target(t, first.RunOnce(context.Background()), "orders").Jobs[0].Restarts

	second := fleetLoop(t, urls, state, clock.Now) // a restarted exporter
	got := target(t, second.RunOnce(context.Background()), "orders").Jobs[0].Restarts
	if got < total {
		t.Fatalf("after an exporter restart the counter went from %v to %v", total, got)
	}
	without := fleetLoop(t, urls, "", clock.Now)
	if raw := target(t, without.RunOnce(context.Background()), "orders").Jobs[0].Restarts; raw >= total {
		t.Fatalf("test is vacuous: without a state file the counter is already %v (with: %v)", raw, total)
	}
}

// A job that vanishes between /jobs/overview and its details is dropped
// for the cycle without marking the target down.
func TestJobVanishingMidScrape(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now,
		Jobs: []flinkfake.JobSpec{{Name: "stays"}, {Name: "goes"}}})
	l := fleetLoop(t, map[string]string{"session": srv.URL}, "", clock.Now)
	if err := jm.Vanish("goes"); err != nil {
		t.Fatal(err)
	}
	ts := target(t, l.RunOnce(context.Background()), "session")
	if !ts.Up {
		t.Fatalf("target down: %s", ts.Error)
	}
	var names []string
	for _, j := range ts.Jobs {
		names = append(names, j.Name)
	}
	if !slices.Equal(names, []string{"stays"}) {
		t.Fatalf("jobs %v, want only the one that stayed", names)
	}
}

// Failures are classified once per occurrence, not once per scrape.
func TestFailuresCountedOncePerOccurrence(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	_, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now, RestartEvery: 30 * time.Second, RestartDelay: 5 * time.Second,
		Jobs: []flinkfake.JobSpec{{Name: "orders", Scenario: flinkfake.RestartLoop, Failure: flinkfake.PlatformBug}}})
	l := fleetLoop(t, map[string]string{"orders": srv.URL}, "", clock.Now)
	seen := map[string]int{}
	var total float64
	for range 8 {
		snap := l.RunOnce(context.Background())
		for _, f := range snap.Failures {
			seen[f.Fingerprint]++
		}
		total = 0
		for _, v := range target(t, snap, "orders").Jobs[0].Failures {
			total += v
		}
		clock.Advance(10 * time.Second)
	}
	if len(seen) < 2 {
		t.Fatalf("a restart loop over 80s produced %d failures", len(seen))
	}
	for fp, n := range seen {
		if n != 1 {
			t.Errorf("failure %s published %d times", fp, n)
		}
	}
	if int(total) != len(seen) {
		t.Errorf("failures_total = %v, distinct failures published = %d", total, len(seen))
	}
}

// An outage is logged once when it starts (WARN) and once when it ends
// (INFO), however many cycles it lasts.
func TestTargetDownLoggedOncePerOutage(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Now: clock.Now, Jobs: []flinkfake.JobSpec{{Name: "orders"}}})
	l := fleetLoop(t, map[string]string{"orders": srv.URL}, "", clock.Now)
	var logs bytes.Buffer
	l.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cycle := func(n int) {
		for range n {
			l.RunOnce(context.Background())
			clock.Advance(10 * time.Second)
		}
	}
	cycle(2)
	jm.SetScenario(flinkfake.HTTP500)
	cycle(5)
	jm.SetScenario(flinkfake.Healthy)
	cycle(3)
	jm.SetScenario(flinkfake.HTTP500)
	cycle(2)
	if down, up := strings.Count(logs.String(), "level=WARN msg=\"target down"), strings.Count(logs.String(), "msg=\"target up again\""); down != 2 || up != 1 {
		t.Errorf("%d WARN and %d INFO for two outages and one recovery, want 2 and 1:\n%s", down, up, logs.String())
	}
}
