package dogstatsd

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// fleetRig is a flinkfake fleet scraped by the real collector loop, whose
// store feeds an emitter that sends to a test agent.
type fleetRig struct {
	fleet   *flinkfake.Fleet
	clock   *flinkfake.Clock
	loop    *collector.Loop
	emitter *Emitter
	agent   *agent
}

func newFleetRig(t *testing.T) *fleetRig {
	t.Helper()
	r := &fleetRig{clock: flinkfake.NewClock(fleetNow), agent: listen(t, "udp")}
	r.fleet = flinkfake.NewFleet(flinkfake.FleetOptions{
		JobManagers: 24, JobsPerJobManager: 2, Seed: "dogstatsd",
		Mix: flinkfake.Mix{
			flinkfake.Healthy: 16, flinkfake.RestartLoop: 3, flinkfake.CheckpointsStalled: 1,
			flinkfake.CheckpointsFailing: 1, flinkfake.Failed: 1, flinkfake.CheckpointingDisabled: 1, flinkfake.HTTP500: 1,
		},
		Template: flinkfake.Options{Now: r.clock.Now},
	})
	srv := httptest.NewServer(r.fleet)
	t.Cleanup(srv.Close)

	var yml bytes.Buffer
	if err := r.fleet.WriteConfig(&yml, srv.URL); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&yml, "datadog:\n  address: %s\n  tags: [\"env:test\"]\n", r.agent.addr)
	cfg, err := config.Parse(yml.Bytes())
	if err != nil {
		t.Fatalf("parse the fleet's config: %v", err)
	}
	cls, err := classify.New(cfg.Classify)
	if err != nil {
		t.Fatal(err)
	}
	store := fleet.NewStore()
	r.loop, err = collector.NewLoop(collector.Options{
		Sources: []collector.TargetSource{collector.StaticSource(collector.StaticTargets(cfg))},
		Store:   store, Config: collector.ConfigFrom(cfg), Policy: classify.NewPolicy(cls, r.clock.Now), Now: r.clock.Now,
		Logger: slog.New(slog.DiscardHandler), Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	r.emitter, _ = newEmitterCfg(t, *cfg.Datadog, r.clock.Now)
	store.AddObserver(r.emitter)
	return r
}

func newEmitterCfg(t testing.TB, cfg config.Datadog, now func() time.Time) (*Emitter, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	e, err := New(cfg, nil, WithRegisterer(reg), WithTelemetry(false), WithClock(now))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e, reg
}

// cycle runs one scrape cycle and returns its snapshot and what the
// agent received for it.
func (r *fleetRig) cycle(t *testing.T) (*fleet.Snapshot, []line) {
	snap := r.loop.RunOnce(context.Background())
	return snap, sendSync(t, r.emitter, r.agent, nil)
}

// TestFlinkfakeFleet: a simulated fleet of JobManagers scraped by the
// collector arrives at the agent whole: every deployment's up, every
// expected job's health and service check, the fleet totals, and across
// two cycles exactly the restarts and checkpoints the JobManagers made.
func TestFlinkfakeFleet(t *testing.T) {
	r := newFleetRig(t)
	snap1, lines1 := r.cycle(t)
	r.clock.Advance(2 * time.Minute)
	snap2, lines2 := r.cycle(t)

	t.Run("every target reports up, the broken one down", func(t *testing.T) {
		for _, ft := range r.fleet.Targets() {
			want := "1"
			if ft.Scenario == flinkfake.HTTP500 {
				want = "0"
			}
			if !has(lines1, "target.up", want, "deployment:"+tagValue(ft.Name), "team:"+ft.Team) {
				t.Errorf("no target.up %s for %s (%s)", want, ft.Name, ft.Scenario)
			}
		}
	})
	t.Run("a job's service check follows its scenario", func(t *testing.T) {
		for _, ft := range r.fleet.Targets() {
			want := map[flinkfake.Scenario]string{flinkfake.Healthy: "0", flinkfake.RestartLoop: "2", flinkfake.Failed: "2"}[ft.Scenario]
			if want == "" {
				continue
			}
			if !hasSC(lines2, want, "job_name:"+tagValue(ft.Name)) {
				t.Errorf("job %s (%s): no service check with status %s", ft.Name, ft.Scenario, want)
			}
		}
	})
	t.Run("fleet totals match the snapshot", func(t *testing.T) {
		expected, healthy := 0, 0
		for _, ts := range snap2.Targets {
			for _, j := range ts.Jobs {
				expected += b2i(j.Expected)
				healthy += b2i(j.Expected && j.Healthy)
			}
		}
		if !hasUntagged(lines2, "fleet.jobs_expected", fmt.Sprint(expected)) || !hasUntagged(lines2, "fleet.jobs_healthy", fmt.Sprint(healthy)) {
			t.Errorf("fleet-wide totals are not %d expected, %d healthy: %v", expected, healthy, grep(lines2, "fleet."))
		}
	})
	t.Run("counts add up to the counters' growth", func(t *testing.T) {
		for _, c := range []struct {
			metric string
			value  func(fleet.JobStatus) float64
		}{
			{"job.restarts", func(j fleet.JobStatus) float64 { return j.Restarts }},
			{"job.checkpoints_completed", func(j fleet.JobStatus) float64 { return j.CheckpointsCompleted }},
			{"job.checkpoints_failed", func(j fleet.JobStatus) float64 { return j.CheckpointsFailed }},
			{"job.failures", func(j fleet.JobStatus) float64 {
				var n float64
				for _, v := range j.Failures {
					n += v
				}
				return n
			}},
		} {
			want := growth(snap1, snap2, c.value)
			if want == 0 {
				t.Errorf("the fleet's %s did not grow between cycles: nothing to check", c.metric)
			}
			if got := sum(lines2, c.metric); got != want {
				t.Errorf("%s counts sum to %v in cycle 2, the JobManagers' counters grew by %v", c.metric, got, want)
			}
			if got := sum(lines1, c.metric); got != 0 {
				t.Errorf("%s counts sum to %v in cycle 1, a first sight, want 0", c.metric, got)
			}
		}
	})
}

func hasSC(ls []line, status, tag string) bool {
	return slices.ContainsFunc(ls, func(l line) bool {
		return l.Type == "sc" && l.Value == status && slices.Contains(l.Tags, tag)
	})
}

func hasUntagged(ls []line, name, value string) bool {
	for _, l := range ls {
		if _, team := l.tag("team"); l.Name == "flinkslo."+name && l.Value == value && !team {
			return true
		}
	}
	return false
}

func grep(ls []line, prefix string) []string {
	var out []string
	for _, l := range ls {
		if strings.HasPrefix(l.Name, "flinkslo."+prefix) {
			out = append(out, l.String())
		}
	}
	return out
}

func sum(ls []line, name string) float64 {
	var s float64
	for _, l := range ls {
		if l.Name == "flinkslo."+name {
			v, _ := strconv.ParseFloat(l.Value, 64)
			s += v
		}
	}
	return s
}

// growth sums how much value grew per job between two snapshots, for jobs
// in both.
func growth(a, b *fleet.Snapshot, value func(fleet.JobStatus) float64) float64 {
	before := map[string]float64{}
	for _, t := range a.Targets {
		for _, j := range t.Jobs {
			before[t.Key()+"/"+j.Name] = value(j)
		}
	}
	var g float64
	for _, t := range b.Targets {
		for _, j := range t.Jobs {
			if v, ok := before[t.Key()+"/"+j.Name]; ok && value(j) > v {
				g += float64(int64(value(j) - v))
			}
		}
	}
	return g
}

func b2i(ok bool) int {
	if ok {
		return 1
	}
	return 0
}
