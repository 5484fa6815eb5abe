package flinkfake

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// discard is a ResponseWriter that keeps nothing, so the benchmarks
// measure the handler alone.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// fleetCycle is what one flinkslo cycle asks of a JobManager with one
// steady job: /overview, /jobs/overview, the job's metrics and
// checkpoints.
func fleetCycle(fl *Fleet, i int) []*http.Request {
	jm := fl.JobManager(i)
	id, _ := jm.JobID(fl.Targets()[i].Name)
	p := fl.Path(i)
	return []*http.Request{
		httptest.NewRequest("GET", p+"/overview", nil),
		httptest.NewRequest("GET", p+"/jobs/overview", nil),
		httptest.NewRequest("GET", p+"/jobs/"+id+"/metrics?get=numRestarts,fullRestarts,uptime,numberOfCompletedCheckpoints,numberOfFailedCheckpoints,lastCheckpointCompletedTimestamp", nil),
		httptest.NewRequest("GET", p+"/jobs/"+id+"/checkpoints", nil),
	}
}

// BenchmarkFleetRequest is the fleet handler's cost per request over a
// 5,000-JobManager fleet in the default mix, the clock moving 3 ms per
// request (15 s cycles of 5,000 × 4 requests spread evenly).
func BenchmarkFleetRequest(b *testing.B) {
	const n = 5000
	clk := NewClock(t0)
	fl := NewFleet(FleetOptions{JobManagers: n, Template: Options{Now: clk.Now}})
	var reqs []*http.Request
	for i := range n {
		reqs = append(reqs, fleetCycle(fl, i)...)
	}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for i := range b.N {
		clk.Advance(750 * time.Microsecond)
		fl.ServeHTTP(w, reqs[i%len(reqs)])
	}
	cpu.report(b)
}

// BenchmarkEndpoint is the handler's cost per endpoint for one healthy
// 1.20 job (its sink vertex for the vertex endpoints), and for the
// exception history of a restart loop.
func BenchmarkEndpoint(b *testing.B) {
	clk := NewClock(t0)
	jm := New(Options{Now: clk.Now, Jobs: []JobSpec{{Name: "orders"}, {Name: "loop", Scenario: RestartLoop}}})
	id, _ := jm.JobID("orders")
	loop, _ := jm.JobID("loop")
	sink := "/jobs/" + id + "/vertices/" + jm.byID(id).vertices[2].id
	for _, tc := range []struct{ name, path string }{
		{"overview", "/overview"},
		{"jobs-overview", "/jobs/overview"},
		{"job", "/jobs/" + id},
		{"checkpoints", "/jobs/" + id + "/checkpoints"},
		{"checkpoint-config", "/jobs/" + id + "/checkpoints/config"},
		{"metrics", "/jobs/" + id + "/metrics?get=numRestarts,fullRestarts,uptime,numberOfCompletedCheckpoints"},
		{"exceptions-16", "/jobs/" + loop + "/exceptions?maxExceptions=16"},
		{"subtask-metrics", sink + "/subtasks/metrics?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond,idleTimeMsPerSecond&agg=max"},
		{"watermarks", sink + "/watermarks"},
		{"taskmanagers-metrics", "/taskmanagers/metrics?get=Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max,Status.JVM.GarbageCollector.All.TimeMsPerSecond&agg=max"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", tc.path, nil)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				clk.Advance(time.Millisecond)
				jm.ServeHTTP(w, req)
			}
			cpu.report(b)
		})
	}
}
