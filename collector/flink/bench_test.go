package flink

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// processCPU is the CPU time the process used so far. The benchmarks
// report it per operation next to ns/op: on a shared machine wall time
// says more about the neighbours than about the code, and the exporter's
// budget is in CPU-seconds.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration, ops int) {
	if ops > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(ops), "cpu-ns/op")
	}
}

// BenchmarkDecode decodes each response shape as a steady 1.20 and 2.3
// JobManager sends it (the vertex endpoints for the job's sink).
func BenchmarkDecode(b *testing.B) {
	for _, v := range []flinkfake.Version{flinkfake.V1_20, flinkfake.V2_3} {
		jm := flinkfake.New(flinkfake.Options{Version: v, Now: flinkfake.NewClock(t0).Now, Jobs: []flinkfake.JobSpec{
			{Name: "steady"}, {Name: "loop", Scenario: flinkfake.RestartLoop, Failure: flinkfake.UserConfig},
		}})
		steady, _ := jm.JobID("steady")
		loop, _ := jm.JobID("loop")
		var d JobDetails
		_ = decodeJSON(get(jm, "/jobs/"+steady), '{', &d)
		sink := "/jobs/" + steady + "/vertices/" + d.Vertices[len(d.Vertices)-1].ID
		shapes := []struct {
			name, path string
			decode     func([]byte) error
		}{
			{"overview", "/overview", func(d []byte) error { return decodeJSON(d, '{', &Overview{}) }},
			{"jobs-overview", "/jobs/overview", func(d []byte) error { return decodeJSON(d, '{', &JobsOverview{}) }},
			{"job", "/jobs/" + steady, func(d []byte) error { _, err := decodeJobDetails(d); return err }},
			{"job-encoding-json", "/jobs/" + steady, func(d []byte) error { return decodeJSON(d, '{', &JobDetails{}) }},
			{"checkpoints", "/jobs/" + steady + "/checkpoints", func(d []byte) error { _, err := decodeCheckpoints(d); return err }},
			{"checkpoint-config", "/jobs/" + steady + "/checkpoints/config", func(d []byte) error { return decodeJSON(d, '{', &CheckpointConfig{}) }},
			{"metrics", "/jobs/" + steady + "/metrics?get=numRestarts,fullRestarts,uptime,numberOfCompletedCheckpoints,numberOfFailedCheckpoints,lastCheckpointCompletedTimestamp",
				func(d []byte) error { _, err := decodeMetrics(d); return err }},
			{"exceptions-16", "/jobs/" + loop + "/exceptions?maxExceptions=16", func(d []byte) error { _, err := decodeExceptions(d); return err }},
			{"subtask-metrics", sink + "/subtasks/metrics?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond,idleTimeMsPerSecond&agg=max",
				func(d []byte) error { _, err := decodeAggregated(d); return err }},
			{"watermarks", sink + "/watermarks", func(d []byte) error { _, err := decodeWatermarks(d); return err }},
			{"taskmanagers-metrics", "/taskmanagers/metrics?get=Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max,Status.JVM.GarbageCollector.All.TimeMsPerSecond&agg=max",
				func(d []byte) error { _, err := decodeAggregated(d); return err }},
		}
		for _, s := range shapes {
			body := get(jm, s.path)
			b.Run(string(v)+"/"+s.name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				start := processCPU()
				for b.Loop() {
					if err := s.decode(body); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, start, b.N)
			})
		}
	}
}

// BenchmarkScrapeCycle runs the requests of one collector cycle against a
// fleet of 5,000 JobManagers served by a child process over loopback, 128
// requests in flight like the default maxConcurrentRequests.
// cpu-s/cycle is this process only: the client's cost of a cycle;
// fleet-cpu-s/cycle is the fleet server's. Two plans:
//   - four: what every cycle read before the steady plan (overview, jobs
//     overview, metrics and checkpoints of each job, each request on a
//     goroutine of its own);
//   - steady: what a steady cycle reads now (jobs overview and each job's
//     metrics), each JobManager's requests on one of a pool of workers.
//
// BenchmarkPlainClient is the floor the per-request figure compares with.
func BenchmarkScrapeCycle(b *testing.B) {
	const n, inFlight = 5000, 128
	base := startFleetProcess(b, n)
	for _, plan := range []struct {
		name     string
		requests int
		cycle    func(context.Context, *testing.B, []*Client)
	}{{"four", 4, cycle}, {"steady", 2, steadyCycle}} {
		b.Run(plan.name, func(b *testing.B) {
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: inFlight, IdleConnTimeout: time.Minute}}
			b.Cleanup(hc.CloseIdleConnections)
			gate := make(chanGate, inFlight)
			clients := make([]*Client, n)
			for i := range clients {
				clients[i], _ = New(fmt.Sprintf("%s/jm/%04d", base, i), Options{HTTP: hc, Gate: gate, Timeout: 5 * time.Second})
			}
			ctx := context.Background()
			plan.cycle(ctx, b, clients) // warm the connection pool
			b.ReportAllocs()
			start, serverStart := processCPU(), serverCPU(b, base)
			for b.Loop() {
				plan.cycle(ctx, b, clients)
			}
			b.ReportMetric((processCPU()-start).Seconds()/float64(b.N), "cpu-s/cycle")
			b.ReportMetric(float64(processCPU()-start)/float64(b.N*plan.requests*n), "cpu-ns/request")
			b.ReportMetric((serverCPU(b, base)-serverStart).Seconds()/float64(b.N), "fleet-cpu-s/cycle")
		})
	}
}

// BenchmarkPlainClient is the floor: the two steady requests of each of
// 5,000 JobManagers made with a plain keep-alive net/http client, 128 in
// flight, each body read and dropped, no decoding.
func BenchmarkPlainClient(b *testing.B) {
	const n, inFlight = 5000, 128
	base := startFleetProcess(b, n)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: inFlight, IdleConnTimeout: time.Minute}}
	b.Cleanup(hc.CloseIdleConnections)
	urls := make([][2]string, n)
	for i := range urls {
		jm := fmt.Sprintf("%s/jm/%04d", base, i)
		c, _ := New(jm, Options{HTTP: hc})
		jobs, err := c.JobsOverview(context.Background())
		if err != nil || len(jobs) == 0 {
			b.Fatalf("jobmanager %d: %v", i, err)
		}
		urls[i] = [2]string{jm + "/jobs/overview", jm + "/jobs/" + jobs[0].ID + "/metrics?get=" + strings.Join(steadyMetrics, ",")}
	}
	get := func(url string) {
		resp, err := hc.Get(url)
		if err != nil {
			b.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	round := func() {
		var wg sync.WaitGroup
		var next atomic.Int64
		for range inFlight {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
					get(urls[i][0])
					get(urls[i][1])
				}
			})
		}
		wg.Wait()
	}
	round()
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		round()
	}
	b.ReportMetric((processCPU()-start).Seconds()/float64(b.N), "cpu-s/cycle")
	b.ReportMetric(float64(processCPU()-start)/float64(b.N*2*n), "cpu-ns/request")
}

// steadyCycle reads each JobManager's jobs overview and job metrics on a
// pool of workers, as the collector's steady cycle does.
func steadyCycle(ctx context.Context, b *testing.B, clients []*Client) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 256 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(clients); i = int(next.Add(1) - 1) {
				c := clients[i]
				jobs, err := c.JobsOverview(ctx)
				if err != nil {
					b.Error(err)
					continue
				}
				for _, j := range jobs {
					if _, err := c.JobMetrics(ctx, j.ID, steadyMetrics...); err != nil {
						b.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
}

var steadyMetrics = []string{"numRestarts", "fullRestarts", "uptime", "numberOfCompletedCheckpoints", "numberOfFailedCheckpoints", "lastCheckpointCompletedTimestamp", "lastCheckpointDuration"}

// serverCPU asks the fleet process for its CPU time so far.
func serverCPU(b *testing.B, base string) time.Duration {
	resp, err := http.Get(base + "/rusage")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	ns, err := strconv.ParseInt(string(body), 10, 64)
	if err != nil {
		b.Fatalf("fleet process cpu %q: %v", body, err)
	}
	return time.Duration(ns)
}

func cycle(ctx context.Context, b *testing.B, clients []*Client) {
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() { scrapeOne(ctx, b, c) })
	}
	wg.Wait()
}

// startFleetProcess runs this test binary as a fleet server (see
// TestMain) and returns its base URL; the child exits when its stdin
// closes at the end of the benchmark.
func startFleetProcess(b *testing.B, n int) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fleetEnv+"="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("fleet process: %v", err)
	}
	return strings.TrimSpace(line)
}

const fleetEnv = "FLINK_BENCH_FLEET_JOBMANAGERS"

// TestMain doubles as the fleet server of BenchmarkScrapeCycle when the
// environment asks for it.
func TestMain(m *testing.M) {
	if s := os.Getenv(fleetEnv); s != "" {
		n, _ := strconv.Atoi(s)
		serveFleet(n)
		return
	}
	os.Exit(m.Run())
}

func serveFleet(n int) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.Handle("/jm/", flinkfake.NewFleet(flinkfake.FleetOptions{JobManagers: n, Mix: flinkfake.Mix{flinkfake.Healthy: 1}}))
	mux.HandleFunc("/rusage", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, int64(processCPU())) })
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(l) }()
	fmt.Printf("http://%s\n", l.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
}

func scrapeOne(ctx context.Context, b *testing.B, c *Client) {
	var jobs []JobOverview
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := c.Overview(ctx); err != nil {
			b.Error(err)
		}
	})
	jobs, err := c.JobsOverview(ctx)
	wg.Wait()
	if err != nil {
		b.Error(err)
		return
	}
	for _, j := range jobs {
		if _, err := c.JobMetrics(ctx, j.ID, "numRestarts", "fullRestarts", "uptime", "numberOfCompletedCheckpoints", "numberOfFailedCheckpoints", "lastCheckpointCompletedTimestamp"); err != nil {
			b.Error(err)
		}
		if _, err := c.Checkpoints(ctx, j.ID); err != nil {
			b.Error(err)
		}
	}
}
