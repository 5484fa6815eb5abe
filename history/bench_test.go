package history

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// fleetSnapshots returns a snapshot of n jobs that step mutates into the
// next cycle: every job checkpoints (about three per cycle), one in twenty
// is unhealthy and restarting, every job has Kafka lag (a sawtooth) and
// time lag — the worst case for memory, since lag changes every cycle.
// With noise, lag is random: nothing packs.
func fleetSnapshots(n int, noise bool) (*fleet.Snapshot, func(at time.Time)) {
	s := &fleet.Snapshot{Targets: make([]fleet.TargetStatus, n)}
	for i := range s.Targets {
		s.Targets[i] = fleet.TargetStatus{
			Target: fleet.Target{Namespace: fmt.Sprintf("ns-%03d", i%300), Deployment: fmt.Sprintf("deployment-%05d", i), Owner: fleet.Owner{Team: fmt.Sprintf("team-%02d", i%40)}},
			Up:     true,
			Jobs:   []fleet.JobStatus{{Name: fmt.Sprintf("job-%05d", i), State: fleet.StateRunning, Expected: true, HasKafkaLag: true, KafkaLagSecondsKnown: true}},
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cycle := 0
	return s, func(at time.Time) {
		s.Finished = at
		cycle++
		for i := range s.Targets {
			js := &s.Targets[i].Jobs[0]
			js.CheckpointsCompleted += float64(2 + rng.IntN(2))
			bad := i%20 == 0 && (cycle/40)%2 == 0
			js.Healthy = !bad
			js.Reasons = nil
			if bad {
				js.Reasons = []fleet.Reason{fleet.ReasonTooManyRestarts}
				if rng.IntN(4) == 0 {
					js.Restarts++
				}
			}
			phase := float64((cycle + i) % 4)
			js.KafkaLagRecords, js.KafkaLagSeconds = 1000+phase*2500, 1+phase*5
			if noise {
				js.KafkaLagRecords, js.KafkaLagSeconds = rng.Float64()*1e6, rng.Float64()*600
			}
		}
	}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// benchMemory records hours of 15 s cycles of n jobs and reports the heap
// the history holds.
func benchMemory(b *testing.B, n int, hours float64, noise bool) {
	for b.Loop() {
		snap, step := fleetSnapshots(n, noise)
		before := heap()
		h := New(Options{})
		cycles := int(hours * 3600 / 15)
		for c := range cycles {
			step(t0.Add(time.Duration(c) * 15 * time.Second))
			h.Apply(snap)
		}
		after := heap()
		b.ReportMetric(float64(after-before)/(1<<20), "MiB")
		b.ReportMetric(float64(h.Bytes())/(1<<20), "MiB-estimated")
		b.ReportMetric(float64(after-before)/float64(n*min(cycles, int(6*3600/15))), "B/job-cycle")
		runtime.KeepAlive(h)
		runtime.KeepAlive(snap)
	}
}

// BenchmarkMemory5000Jobs6h is the target: 5,000 jobs, 6 h at
// cycle resolution, < 50 MiB.
func BenchmarkMemory5000Jobs6h(b *testing.B) { benchMemory(b, 5000, 6, false) }

// BenchmarkMemory5000Jobs6hNoise: lag that never repeats, nothing packs.
func BenchmarkMemory5000Jobs6hNoise(b *testing.B) { benchMemory(b, 5000, 6, true) }

// BenchmarkMemory5000Jobs30h adds the 24 h of buckets beyond.
func BenchmarkMemory5000Jobs30h(b *testing.B) { benchMemory(b, 5000, 30, false) }

// BenchmarkApply5000Jobs is one cycle of 5,000 jobs (packing a chunk
// every 64 cycles included), on the history's goroutine.
func BenchmarkApply5000Jobs(b *testing.B) {
	snap, step := fleetSnapshots(5000, false)
	h := New(Options{})
	at := t0
	for b.Loop() {
		at = at.Add(15 * time.Second)
		step(at)
		h.Apply(snap)
	}
}

// BenchmarkTimeline is what the job page reads: 6 h of one job.
func BenchmarkTimeline(b *testing.B) {
	snap, step := fleetSnapshots(10, false)
	h := New(Options{})
	for c := range 6 * 240 {
		step(t0.Add(time.Duration(c) * 15 * time.Second))
		h.Apply(snap)
	}
	r := snap.Targets[3].Job(snap.Targets[3].Jobs[0].Name)
	for b.Loop() {
		if len(h.Timeline(r)) == 0 {
			b.Fatal("no timeline")
		}
	}
}

// BenchmarkEncode5000Jobs6h is one save of a full history.
func BenchmarkEncode5000Jobs6h(b *testing.B) {
	snap, step := fleetSnapshots(5000, false)
	h := New(Options{})
	for c := range 6 * 240 {
		step(t0.Add(time.Duration(c) * 15 * time.Second))
		h.Apply(snap)
	}
	var size int
	for b.Loop() {
		size = len(h.Encode())
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB-saved")
}
