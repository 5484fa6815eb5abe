package flinkfake

import "fmt"

// Simulation times are epoch milliseconds, as Flink writes them: the
// model keeps no time.Time (and so no pointers) in its hot structures,
// which keeps a 5,000-JobManager fleet cheap for the garbage collector.

// Limits Flink applies to what the REST API keeps per job.
const (
	checkpointHistorySize = 10 // web.checkpoints.history
	exceptionHistorySize  = 16 // web.exception-history-size
	slotsPerTaskManager   = 2
)

// timing is how fast the simulation moves, shared by a JobManager's jobs.
type timing struct {
	interval     int64 // checkpoint interval, ms
	timeout      int64 // checkpoint timeout, ms
	restartEvery int64 // one RestartLoop cycle, ms
	restartDelay int64 // the part of a cycle spent RESTARTING, ms
}

// job is one simulated job. Its state is never advanced by a goroutine:
// everything at time t is computed from the current segment (the scenario
// and when it began) on top of what earlier segments left behind. A
// scenario switch freezes the present into that "past" and opens a new
// segment, so counters stay monotonic across switches.
type job struct {
	v        Version
	id, name string
	scenario Scenario
	failure  FailureKind
	serial   int // how many times the job was resubmitted before this one
	vertices []vertex
	graph    graphKind
	keyed    int // the vertex keyed failures hit
	neck     int // the vertex Backpressure makes the bottleneck
	cluster  string
	topic    string

	submitted int64 // start-time: submission or JobMaster recovery
	segStart  int64
	prevState int // job state when the segment began
	stamps    [numStates]int64
	seed      uint64 // varies checkpoint durations and sizes

	base     counters     // the JobMaster's counts before segStart
	lastID   int64        // last checkpoint id handed out before segStart
	pastCP   []checkpoint // newest first, at most checkpointHistorySize
	lastDone *checkpoint
	lastFail *checkpoint
	restored *restore
	// pressured is how long the job ran MemoryPressure before segStart.
	pressured int64
	pastEx    []exEntry // newest first, at most exceptionHistorySize
	exMemo    map[int64]exEntry

	ended    bool // CANCELED: replaced by a resubmission
	vanished bool
	override string
}

type counters struct {
	restarts, total, completed, failed, restored int64
}

type checkpoint struct {
	id             int64
	status         string // COMPLETED, FAILED or IN_PROGRESS
	trigger, ack   int64
	failedAt       int64
	dur            int64
	stateSize      int64
	checkpointSize int64
	subtasks       int
	acked          int
	message        string
	jobID          string // its external path is derived from it
}

type restore struct {
	id    int64
	at    int64
	jobID string // the job that wrote the checkpoint
}

// exEntry is one exception-history entry, its trace rendered once.
type exEntry struct {
	name, trace string
	at          int64
	task        string
	tmID, host  string
	user        bool
	// concurrent are other failures folded into the same restart.
	concurrent []exEntry
}

// jobParams are what every job of a JobManager shares.
type jobParams struct {
	v       Version
	cluster string
	seed    string
	par     int
}

func (p jobParams) newJob(name string, serial int, g graphKind, s Scenario, k FailureKind, at int64) *job {
	id := hexID(p.seed, p.cluster, name, fmt.Sprint(serial))
	j := &job{
		v: p.v, id: id, name: name, scenario: s, failure: k, serial: serial, cluster: p.cluster,
		seed:  hash64(id),
		topic: name + ".v1",
		graph: g,
	}
	j.vertices, j.keyed, j.neck = p.graph(g, id, name)
	j.start(at)
	return j
}

// start (re)starts the job's JobMaster at t with fresh counts.
func (j *job) start(at int64) {
	j.submitted, j.segStart = at, at
	j.stamps = [numStates]int64{}
	j.stamps[stInitializing] = at
	j.stamps[stCreated] = at + 120
	j.stamps[stRunning] = at + 850
	j.prevState = stRunning
	j.base = counters{}
	j.pastCP, j.lastDone, j.lastFail, j.pastEx, j.exMemo = nil, nil, nil, nil, nil
	for i := range j.vertices {
		j.vertices[i].base = ioCounters{}
	}
}

func (j *job) subtasks() int {
	n := 0
	for _, v := range j.vertices {
		n += v.par
	}
	return n
}

func (j *job) maxPar() int {
	m := 0
	for _, v := range j.vertices {
		m = max(m, v.par)
	}
	return m
}

// terminal reports a globally terminal job.
func (j *job) terminal() bool { return j.ended || j.scenario == Failed }

// switchAt freezes the job at t and begins scenario s there.
func (j *job) switchAt(t int64, s Scenario, tm timing) {
	st := j.status(t, tm)
	cp := j.checkpoints(t, tm, st, checkpointHistorySize)
	// An in-flight checkpoint is aborted by whatever changed.
	cp.abortInFlight(t)
	for i := range j.vertices {
		j.vertices[i].base = j.counters(i, t, st)
	}
	j.pressured = j.pressure(t)
	j.pastEx = j.exceptions(t, tm)
	j.exMemo = nil
	j.base = cp.counts
	j.base.restarts = st.restarts
	j.lastID = cp.lastID
	j.pastCP, j.lastDone, j.lastFail, j.restored = cp.history, cp.completed, cp.failed, cp.restored
	j.stamps, j.prevState = st.stamps, st.state
	j.segStart, j.scenario = t, s
}

// end marks the job CANCELED at t (replaced by a resubmission).
func (j *job) end(t int64, tm timing) {
	if j.terminal() {
		return
	}
	j.switchAt(t, j.scenario, tm)
	j.ended = true
	j.stamps[stCancelling] = t
	j.stamps[stCanceled] = t
}

// failover restarts the JobMaster at t: counts and the exception history
// start again from nothing, the job id stays, and the job restores the
// last completed checkpoint, whose id sequence continues (it lives in HA).
func (j *job) failover(t int64, tm timing) {
	if j.terminal() {
		return
	}
	cp := j.checkpoints(t, tm, j.status(t, tm), 2)
	s := j.scenario
	j.start(t)
	j.scenario = s
	j.lastID = cp.lastID
	j.restored = nil
	if cp.completed != nil {
		j.base.restored = 1
		j.restored = &restore{id: cp.completed.id, at: t, jobID: j.id}
	}
}
