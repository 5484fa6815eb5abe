package collector

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// pathLog records the paths a JobManager was asked for.
type pathLog struct {
	mu    sync.Mutex
	paths []string
}

func (p *pathLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.paths = append(p.paths, strings.TrimPrefix(r.URL.Path, "/v1"))
		p.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// perTaskManager counts the requests only the per-TaskManager read makes:
// the listing and each TaskManager's metrics.
func (p *pathLog) perTaskManager() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, path := range p.paths {
		if path == "/taskmanagers" || strings.HasPrefix(path, "/taskmanagers/") && path != "/taskmanagers/metrics" {
			n++
		}
	}
	return n
}

// TestPerTaskManagerMetrics runs, against a JobManager of every Flink line
// with two TaskManagers — the second running a job under memory pressure —
// a loop with the default config and one with perTaskManagerMetrics: only
// the second reads and reports each TaskManager, finds the pressure on the
// second one only, and costs exactly the listing and a request per
// TaskManager more per detail read; detailMaxTaskManagers caps the reads.
func TestPerTaskManagerMetrics(t *testing.T) {
	clock := flinkfake.NewClock(time.Unix(1_800_000_000, 0))
	// Parallelism 2: one TaskManager (two slots) per job.
	jobs := []flinkfake.JobSpec{{Name: "orders"}, {Name: "ledger", Scenario: flinkfake.MemoryPressure}}
	type variant struct {
		name, yaml string
		// extra is the requests per detail read over the default's: the
		// listing and one per TaskManager read.
		extra int
	}
	variants := []variant{
		{"off", "", 0},
		{"on", "perTaskManagerMetrics: true\n", 1 + 2},
		{"capped", "perTaskManagerMetrics: true\ndetailMaxTaskManagers: 1\n", 1 + 1},
	}
	logs := map[string]map[string]*pathLog{} // variant → target → log
	loops := map[string]*Loop{}
	for _, vr := range variants {
		urls := map[string]string{}
		logs[vr.name] = map[string]*pathLog{}
		for _, v := range flinkfake.Versions() {
			name := "jm-" + strings.ReplaceAll(string(v), ".", "-")
			jm := flinkfake.New(flinkfake.Options{Version: v, Now: clock.Now, Cluster: name, Parallelism: 2, Jobs: jobs})
			log := &pathLog{}
			urls[name], logs[vr.name][name] = flinkfake.Serve(t, log.wrap(jm)).URL, log
		}
		loops[vr.name] = fleetLoop(t, urls, "scrapeInterval: 1m\ndetailInterval: 1m\n"+vr.yaml, clock.Now)
	}
	const cycles = 3
	snaps := map[string][]*fleet.Snapshot{}
	for range cycles {
		for _, vr := range variants {
			snaps[vr.name] = append(snaps[vr.name], loops[vr.name].RunOnce(context.Background()))
		}
		clock.Advance(time.Minute)
	}
	for _, v := range flinkfake.Versions() {
		name := "jm-" + strings.ReplaceAll(string(v), ".", "-")
		t.Run(string(v), func(t *testing.T) {
			for _, vr := range variants {
				for c := range cycles {
					on, off := target(t, snaps[vr.name][c], name), target(t, snaps["off"][c], name)
					if !on.Up || !on.Memory.Known {
						t.Fatalf("%s cycle %d: up %v, memory %+v", vr.name, c, on.Up, on.Memory)
					}
					if d := on.Requests - off.Requests; d != vr.extra {
						t.Errorf("%s cycle %d: %d requests, %d more than with the option off; want %d (the listing and one per TaskManager)", vr.name, c, on.Requests, d, vr.extra)
					}
				}
				if got, want := logs[vr.name][name].perTaskManager(), cycles*vr.extra; got != want {
					t.Errorf("%s: %d per-TaskManager requests in %d detail reads, want %d", vr.name, got, cycles, want)
				}
			}
			if off := target(t, snaps["off"][cycles-1], name); off.PerTaskManager != nil || logs["off"][name].perTaskManager() != 0 {
				t.Errorf("off: per TaskManager %+v after %d per-TaskManager requests; want none of either", off.PerTaskManager, logs["off"][name].perTaskManager())
			}

			each := target(t, snaps["on"][cycles-1], name).PerTaskManager
			if len(each) != 2 || each[0].ID != name+"-taskmanager-1-1" || each[1].ID != name+"-taskmanager-1-2" {
				t.Fatalf("on: TaskManagers %+v, want %s-taskmanager-1-1 and -1-2", each, name)
			}
			calm, pressed := each[0], each[1]
			if !calm.HasHeap || calm.HeapUsed/calm.HeapMax > 0.5 || !calm.HasGCTime || calm.GCTimeRatio > 0.05 {
				t.Errorf("the orders job's TaskManager: %+v; want under half its heap and little GC", calm)
			}
			// GC time per second: Flink's own on 1.19+, before that the
			// collectors' time between two reads (known from the second).
			if !pressed.HasHeap || pressed.HeapUsed/pressed.HeapMax < 0.9 || !pressed.HasGCTime || pressed.GCTimeRatio < 0.3 {
				t.Errorf("the memory-pressure job's TaskManager: %+v; want over 90%% of its heap and over 30%% of the time in GC", pressed)
			}
			if capped := target(t, snaps["capped"][cycles-1], name).PerTaskManager; len(capped) != 1 || capped[0].ID != calm.ID {
				t.Errorf("detailMaxTaskManagers 1: %+v, want only %s", capped, calm.ID)
			}
		})
	}
}
