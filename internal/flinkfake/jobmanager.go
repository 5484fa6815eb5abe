// Package flinkfake simulates Flink JobManagers for tests, benchmarks and
// `flinkslo-sim demo`/`flinkslo-sim fleet`. A JobManager is an http.Handler that
// answers the REST endpoints flinkslo reads with the JSON shapes of a given
// Flink line (1.15 … 2.3, from the REST API stability snapshots); a Fleet
// serves thousands of them from one handler.
//
// Time comes from an injected clock and the simulation is computed from it
// on each request, so tests move time with Clock.Advance and nothing runs in
// the background. Scenarios (Healthy, RestartLoop, CheckpointsStalled, …)
// decide what each job goes through; runtime controls switch scenarios,
// fail over the JobManager, resubmit, add, remove or hide jobs.
//
// Tests use Clock, Serve/ServeJobManager (httptest servers stopped at the
// end of the test) and RefusedURL (nothing listening). `flinkslo-sim fleet`
// builds a Fleet, serves it with http.Serve and prints WriteConfig's
// targets; TestConformance keeps every field in step with the snapshots.
package flinkfake

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a JobManager. Zero values take the documented
// defaults.
type Options struct {
	// Version is the Flink line to speak; default V1_20.
	Version Version
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Cluster is the cluster id (FlinkDeployment name); it appears in
	// TaskManager ids. Default "flink".
	Cluster string
	// Seed varies the generated ids between otherwise equal JobManagers.
	Seed string
	// Jobs run from the start; default one Healthy job named Cluster.
	Jobs []JobSpec
	// Parallelism of each job's source and window vertices (the sink has
	// half); default 4.
	Parallelism int
	// CheckpointInterval is the time between checkpoint triggers; default
	// 10s.
	CheckpointInterval time.Duration
	// CheckpointTimeout is execution.checkpointing.timeout as the
	// checkpoint config reports it; default 10m. SlowCheckpoints take 90%
	// of it: make it short (a minute) to see several of them quickly.
	CheckpointTimeout time.Duration
	// WatermarkLag is how far the WatermarkLag scenario's input watermark
	// trails the clock; default 5m.
	WatermarkLag time.Duration
	// GarbageCollectors names the TaskManagers' collectors as their
	// metrics do (the JVM's names with spaces as underscores); default G1:
	// G1_Young_Generation, G1_Old_Generation. The first is the young
	// collector, the last the old one.
	GarbageCollectors []string
	// RestartEvery is one RestartLoop cycle and RestartDelay the part of it
	// spent RESTARTING; defaults 30s and 10s.
	RestartEvery, RestartDelay time.Duration
	// Uptime is how long the initial jobs have been running when the
	// JobManager is created; default 6h. ScenarioAge is how long their
	// scenario has been going on by then; default 10m, at most Uptime.
	Uptime, ScenarioAge time.Duration
	// Delay is the Slow scenario's delay; default 10s.
	Delay time.Duration
	// HugeBytes is the Huge scenario's body size; default 50 MiB.
	HugeBytes int64
	// FailureLabels: a failure enricher labels every exception-history
	// entry TYPE=USER or TYPE=SYSTEM (1.18+; otherwise failureLabels is {}).
	FailureLabels bool
	// OnlyFullRestarts reproduces FLINK-30558 on 1.15 and 1.16: the
	// metrics endpoint shows fullRestarts but no numRestarts.
	OnlyFullRestarts bool
}

// JobSpec is a job to run.
type JobSpec struct {
	Name     string
	Scenario Scenario
	// Failure is what the job's failures are made of (RestartLoop, Failed,
	// CheckpointsFailing).
	Failure FailureKind
}

// JobManager is one simulated Flink JobManager. It is safe for concurrent
// use.
type JobManager struct {
	opts     Options
	params   jobParams
	timing   timing
	requests atomic.Uint64
	bufs     *sync.Pool

	mu        sync.Mutex
	jobs      []*job // submission order
	transport Scenario
	// born is when the TaskManagers started (the initial jobs' start).
	born int64
}

// New returns a JobManager whose jobs started Options.Uptime before now.
func New(o Options) *JobManager { return newJobManager(o, newBufPool()) }

func newJobManager(o Options, bufs *sync.Pool) *JobManager {
	o = o.withDefaults()
	jm := &JobManager{
		bufs:   bufs,
		opts:   o,
		params: jobParams{v: o.Version, cluster: o.Cluster, seed: o.Seed, par: o.Parallelism},
		timing: timing{
			interval:     o.CheckpointInterval.Milliseconds(),
			timeout:      o.CheckpointTimeout.Milliseconds(),
			restartEvery: o.RestartEvery.Milliseconds(),
			restartDelay: o.RestartDelay.Milliseconds(),
		},
		transport: Healthy,
	}
	now := jm.now()
	jm.born = now - o.Uptime.Milliseconds()
	for _, s := range o.Jobs {
		j := jm.params.newJob(s.Name, 0, graphFor(s.Scenario), Healthy, s.Failure, jm.born)
		jm.jobs = append(jm.jobs, j)
		jm.apply(j, s.Scenario, now-o.ScenarioAge.Milliseconds())
	}
	return jm
}

func (o Options) withDefaults() Options {
	if o.Version == "" {
		o.Version = V1_20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Cluster == "" {
		o.Cluster = "flink"
	}
	if len(o.Jobs) == 0 {
		o.Jobs = []JobSpec{{Name: o.Cluster}}
	}
	o.Parallelism = defaultInt(o.Parallelism, 4)
	// Flink counts in milliseconds; so does the simulation.
	o.CheckpointInterval = max(defaultDur(o.CheckpointInterval, 10*time.Second), 2*time.Millisecond)
	o.CheckpointTimeout = max(defaultDur(o.CheckpointTimeout, 10*time.Minute), 10*time.Millisecond)
	o.WatermarkLag = defaultDur(o.WatermarkLag, 5*time.Minute)
	if len(o.GarbageCollectors) == 0 {
		o.GarbageCollectors = []string{"G1_Young_Generation", "G1_Old_Generation"}
	}
	o.RestartEvery = defaultDur(o.RestartEvery, 30*time.Second)
	o.RestartDelay = defaultDur(o.RestartDelay, 10*time.Second)
	o.RestartEvery = max(o.RestartEvery, 3*time.Millisecond)
	if o.RestartDelay >= o.RestartEvery {
		o.RestartDelay = o.RestartEvery / 3
	}
	o.Uptime = defaultDur(o.Uptime, 6*time.Hour)
	o.ScenarioAge = min(defaultDur(o.ScenarioAge, 10*time.Minute), o.Uptime)
	o.Delay = defaultDur(o.Delay, 10*time.Second)
	if o.HugeBytes <= 0 {
		o.HugeBytes = 50 << 20
	}
	return o
}

func defaultInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func defaultDur(v, d time.Duration) time.Duration {
	if v <= 0 {
		return d
	}
	return v
}

// Version returns the Flink line the JobManager speaks.
func (jm *JobManager) Version() Version { return jm.opts.Version }

// Requests returns how many requests the JobManager has answered.
func (jm *JobManager) Requests() uint64 { return jm.requests.Load() }

// ServeHTTP answers the Flink REST API, at the root and under /v1.
func (jm *JobManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	jm.serve(w, r, r.URL.Path)
}

// apply gives j scenario s from t on; a transport scenario leaves the job
// healthy and acts on its endpoints instead.
func (jm *JobManager) apply(j *job, s Scenario, t int64) {
	if j.terminal() || j.scenario == s {
		return
	}
	j.switchAt(t, s, jm.timing)
}

func (jm *JobManager) String() string {
	return fmt.Sprintf("flinkfake %s (Flink %s)", jm.opts.Cluster, jm.opts.Version)
}
