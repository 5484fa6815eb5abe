package collector

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// requestLog serves a fake JobManager and records the endpoints it is
// asked for, by kind ("/overview", "/jobs/:id/metrics", …).
type requestLog struct {
	jm   *flinkfake.JobManager
	mu   sync.Mutex
	seen []string
}

func (r *requestLog) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	kind := req.URL.Path
	if rest, ok := strings.CutPrefix(kind, "/jobs/"); ok && rest != "overview" {
		_, sub, _ := strings.Cut(rest, "/")
		kind = "/jobs/:id"
		if sub != "" {
			kind += "/" + sub
		}
	}
	r.mu.Lock()
	r.seen = append(r.seen, kind)
	r.mu.Unlock()
	r.jm.ServeHTTP(w, req)
}

// take returns the requests since the last take.
func (r *requestLog) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.seen
	r.seen = nil
	return out
}

func count(reqs []string, kind string) int {
	n := 0
	for _, r := range reqs {
		if r == kind {
			n++
		}
	}
	return n
}

// truth is what the fake's checkpoint statistics say now.
func truth(t *testing.T, jm *flinkfake.JobManager, name string) flink.Checkpoints {
	t.Helper()
	id, err := jm.JobID(name)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	jm.ServeHTTP(rec, httptest.NewRequest("GET", "/jobs/"+id+"/checkpoints", nil))
	var cp flink.Checkpoints
	if err := json.Unmarshal(rec.Body.Bytes(), &cp); err != nil {
		t.Fatal(err)
	}
	return cp
}

// servedLoop serves one fake JobManager with one job named "job" through a
// request log and returns a loop over it.
func servedLoop(t *testing.T, o flinkfake.Options) (*Loop, *requestLog, *flinkfake.Clock) {
	t.Helper()
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	o.Now, o.Cluster = clock.Now, "job"
	rl := &requestLog{jm: flinkfake.New(o)}
	srv := httptest.NewServer(rl)
	t.Cleanup(srv.Close)
	// The detail reads (detail.go) have their own schedule and tests: the
	// steady cycle is measured without them.
	return fleetLoop(t, map[string]string{"job": srv.URL}, "detailInterval: 0s", clock.Now), rl, clock
}

// A steady cycle makes the documented requests on every Flink version: the
// jobs overview and the job's metrics, the checkpoint statistics only when
// a count moved (on 1.x also for a completed checkpoint, whose time only
// the statistics give), /overview at least every minute. fleetLoop scrapes
// every 10s; the fake checkpoints every 35s, so most cycles see no
// checkpoint and some see one complete.
func TestSteadyRequestsPerVersion(t *testing.T) {
	for _, v := range flinkfake.Versions() {
		t.Run(string(v), func(t *testing.T) {
			l, rl, clock := servedLoop(t, flinkfake.Options{Version: v, CheckpointInterval: 35 * time.Second})
			completionInMetrics := strings.HasPrefix(string(v), "2.")
			ctx := context.Background()
			var prev fleet.JobStatus
			overviews, cycles := 0, 13 // two minutes
			for i := range cycles {
				snap := l.RunOnce(ctx)
				reqs := rl.take()
				j := target(t, snap, "job").Jobs[0]
				overviews += count(reqs, "/overview")
				if i == 0 {
					prev = j
					clock.Advance(10 * time.Second)
					continue
				}
				moved := j.CheckpointsCompleted != prev.CheckpointsCompleted
				want := map[string]int{"/jobs/overview": 1, "/jobs/:id/metrics": 1, "/jobs/:id/checkpoints": 0}
				if moved && !completionInMetrics {
					want["/jobs/:id/checkpoints"] = 1
				}
				for kind, n := range want {
					if got := count(reqs, kind); got != n {
						t.Errorf("cycle %d (checkpoint completed: %v): %d × %s, want %d; requests %v", i, moved, got, kind, n, reqs)
					}
				}
				if other := len(reqs) - count(reqs, "/overview") - 2 - want["/jobs/:id/checkpoints"]; other != 0 {
					t.Errorf("cycle %d: unexpected requests %v", i, reqs)
				}
				prev = j
				clock.Advance(10 * time.Second)
			}
			// Read at 0s, 60s and 120s.
			if overviews != 3 {
				t.Errorf("/overview read %d times in two minutes of cycles, want 3 (at least every minute)", overviews)
			}
		})
	}
}

// A checkpoint completing or failing is seen in the cycle whose metrics
// count it: the counts and the last completion time are the truth of that
// instant, and a failed checkpoint's cause becomes a failure at once.
func TestCheckpointSeenTheSameCycle(t *testing.T) {
	for _, v := range []flinkfake.Version{flinkfake.V1_15, flinkfake.V1_20, flinkfake.V2_0, flinkfake.V2_3} {
		for _, sc := range []flinkfake.Scenario{flinkfake.Healthy, flinkfake.CheckpointsFailing} {
			t.Run(string(v)+"/"+sc.String(), func(t *testing.T) {
				l, rl, clock := servedLoop(t, flinkfake.Options{Version: v, CheckpointInterval: 35 * time.Second})
				rl.jm.SetScenario(sc)
				ctx := context.Background()
				var prev fleet.JobStatus
				moves := 0
				for i := range 12 {
					snap := l.RunOnce(ctx)
					j := target(t, snap, "job").Jobs[0]
					cp := truth(t, rl.jm, "job")
					if j.CheckpointsCompleted != float64(cp.Counts.Completed) || j.CheckpointsFailed != float64(cp.Counts.Failed) {
						t.Errorf("cycle %d: completed %v failed %v, Flink says %d and %d", i, j.CheckpointsCompleted, j.CheckpointsFailed, cp.Counts.Completed, cp.Counts.Failed)
					}
					if c := cp.Latest.Completed; c != nil && !j.LastCheckpoint.Equal(c.LatestAckTimestamp.Time()) {
						t.Errorf("cycle %d: last checkpoint %s, Flink says %s", i, j.LastCheckpoint, c.LatestAckTimestamp.Time())
					}
					if i > 0 && j.CheckpointsFailed > prev.CheckpointsFailed {
						moves++
						if !hasCheckpointFailure(snap, cp.Latest.Failed) {
							t.Errorf("cycle %d: checkpoint %d failed (%q) but no failure was published: %+v", i, cp.Latest.Failed.ID, cp.Latest.Failed.FailureMessage, snap.Failures)
						}
					}
					if i > 0 && j.CheckpointsCompleted > prev.CheckpointsCompleted {
						moves++
					}
					prev = j
					clock.Advance(10 * time.Second)
				}
				if moves < 2 {
					t.Errorf("the counts moved in %d cycles; the test needs some", moves)
				}
			})
		}
	}
}

func hasCheckpointFailure(snap *fleet.Snapshot, c *flink.CheckpointStats) bool {
	if c == nil {
		return false
	}
	for _, f := range snap.Failures {
		if f.Source == fleet.SourceCheckpoint && f.Time.Equal(c.FailureTimestamp.Time()) {
			return true
		}
	}
	return false
}

// A restart re-reads what it can have changed: the checkpoint statistics,
// the exception history and /overview, in the cycle that sees it.
func TestRestartRereads(t *testing.T) {
	for _, v := range []flinkfake.Version{flinkfake.V1_16, flinkfake.V2_3} {
		t.Run(string(v), func(t *testing.T) {
			// Restarts that are over between two cycles: only the count says.
			l, rl, clock := servedLoop(t, flinkfake.Options{Version: v, CheckpointInterval: 10 * time.Minute, RestartEvery: 25 * time.Second, RestartDelay: 2 * time.Second})
			rl.jm.SetScenario(flinkfake.RestartLoop)
			ctx := context.Background()
			var prev fleet.JobStatus
			restarts := 0
			for i := range 10 {
				snap := l.RunOnce(ctx)
				reqs := rl.take()
				j := target(t, snap, "job").Jobs[0]
				if i > 0 && j.Restarts > prev.Restarts {
					restarts++
					for _, kind := range []string{"/jobs/:id/checkpoints", "/jobs/:id/exceptions", "/overview"} {
						if count(reqs, kind) != 1 {
							t.Errorf("cycle %d: restarted (%v → %v) without reading %s: %v", i, prev.Restarts, j.Restarts, kind, reqs)
						}
					}
				}
				prev = j
				clock.Advance(10 * time.Second)
			}
			if restarts == 0 {
				t.Error("no restart seen; the test needs some")
			}
		})
	}
}
