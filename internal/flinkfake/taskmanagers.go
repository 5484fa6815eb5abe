package flinkfake

import (
	"fmt"
	"strings"
)

// The TaskManagers follow the jobs that can still run: their slots fill
// two per TaskManager in submission order (as /overview counts them), so
// TaskManager n of a one-job cluster runs subtasks 2n-2 and 2n-1, where the
// exception history places them. A TaskManager running a MemoryPressure job
// has its heap nearly full and collects garbage most of the time.

const (
	heapMax     = 512 << 20 // -Xmx: framework heap 128 MiB + task heap 384 MiB
	managedSize = 512 << 20
	// Garbage collection, ms per second: the young collector's normal
	// pace, and what memory pressure adds to the young and old ones.
	gcYoung, gcYoungPressure, gcOldPressure = 8.0, 90.0, 360.0
)

// taskManager is one TaskManager at one instant.
type taskManager struct {
	n           int   // 1-based, as in "<cluster>-taskmanager-1-<n>"
	used        int   // slots in use
	pressure    bool  // runs a job under memory pressure now
	pressuredMs int64 // how long its jobs have been under pressure
}

// taskManagers returns the TaskManagers at now.
func (jm *JobManager) taskManagers(now int64, out []taskManager) []taskManager {
	out = out[:0]
	slot := 0
	for _, j := range jm.jobs {
		switch j.status(now, jm.timing).state {
		case stFailed, stCanceled, stFinished:
			continue
		}
		p := j.maxPar()
		for s := slot; s < slot+p; s++ {
			n := s/slotsPerTaskManager + 1
			if len(out) < n {
				out = append(out, taskManager{n: n})
			}
			tm := &out[n-1]
			tm.used++
			tm.pressure = tm.pressure || j.scenario == MemoryPressure && !j.terminal()
			tm.pressuredMs = max(tm.pressuredMs, j.pressure(now))
		}
		slot += p
	}
	if len(out) == 0 {
		out = append(out, taskManager{n: 1})
	}
	return out
}

func (jm *JobManager) tmID(n int) string {
	return fmt.Sprintf("%s-taskmanager-1-%d", jm.opts.Cluster, n)
}

// tmStore is the metric store's view of the TaskManagers: the JVM and
// Flink status metrics each registers.
type tmStore struct {
	v   Version
	gcs []string
	tms []taskManager
	up  int64 // ms since the TaskManagers started
	now int64
}

func (jm *JobManager) tmStore(now int64) *tmStore {
	return &tmStore{v: jm.opts.Version, gcs: jm.opts.GarbageCollectors, tms: jm.taskManagers(now, nil), up: max(now-jm.born, 0), now: now}
}

// index returns the member of TaskManager id, or -1.
func (s *tmStore) index(jm *JobManager, id string) int {
	for k, tm := range s.tms {
		if jm.tmID(tm.n) == id {
			return k
		}
	}
	return -1
}

func (s *tmStore) members() int { return len(s.tms) }

// tmMetrics are the ids every TaskManager registers, besides the garbage
// collectors'.
var tmMetrics = [...]string{
	"Status.JVM.Memory.Heap.Used", "Status.JVM.Memory.Heap.Committed", "Status.JVM.Memory.Heap.Max",
	"Status.JVM.Memory.NonHeap.Used", "Status.JVM.Memory.NonHeap.Committed", "Status.JVM.Memory.NonHeap.Max",
	"Status.JVM.Memory.Metaspace.Used", "Status.JVM.Memory.Metaspace.Committed", "Status.JVM.Memory.Metaspace.Max",
	"Status.JVM.Memory.Direct.Count", "Status.JVM.Memory.Direct.MemoryUsed", "Status.JVM.Memory.Direct.TotalCapacity",
	"Status.JVM.CPU.Load", "Status.JVM.CPU.Time", "Status.JVM.Threads.Count",
	"Status.Flink.Memory.Managed.Used", "Status.Flink.Memory.Managed.Total",
}

func (s *tmStore) ids(out []string) []string {
	out = append(out, tmMetrics[:]...)
	gcs := s.gcs
	if s.v.hasGCRates() {
		gcs = append(append([]string(nil), gcs...), "All")
	}
	for _, gc := range gcs {
		out = append(out, "Status.JVM.GarbageCollector."+gc+".Count", "Status.JVM.GarbageCollector."+gc+".Time")
		if s.v.hasGCRates() {
			out = append(out, "Status.JVM.GarbageCollector."+gc+".TimeMsPerSecond")
		}
	}
	return out
}

func (s *tmStore) value(k int, id string) (mval, bool) {
	if k < 0 || k >= len(s.tms) {
		return mval{}, false
	}
	tm := s.tms[k]
	if rest, ok := strings.CutPrefix(id, "Status.JVM.GarbageCollector."); ok {
		return s.gc(tm, rest)
	}
	switch id {
	case "Status.JVM.Memory.Heap.Used":
		return longVal(s.heapUsed(tm)), true
	case "Status.JVM.Memory.Heap.Committed", "Status.JVM.Memory.Heap.Max":
		return longVal(heapMax), true
	case "Status.JVM.Memory.NonHeap.Used":
		return longVal(118<<20 + int64(tm.n)<<16), true
	case "Status.JVM.Memory.NonHeap.Committed":
		return longVal(124 << 20), true
	case "Status.JVM.Memory.NonHeap.Max":
		return longVal(-1), true
	case "Status.JVM.Memory.Metaspace.Used":
		return longVal(98 << 20), true
	case "Status.JVM.Memory.Metaspace.Committed":
		return longVal(100 << 20), true
	case "Status.JVM.Memory.Metaspace.Max":
		return longVal(256 << 20), true
	case "Status.JVM.Memory.Direct.Count":
		return longVal(42), true
	case "Status.JVM.Memory.Direct.MemoryUsed", "Status.JVM.Memory.Direct.TotalCapacity":
		return longVal(67 << 20), true
	case "Status.JVM.CPU.Load":
		return doubleVal(0.35), true
	case "Status.JVM.CPU.Time":
		return longVal(s.up * 350_000), true // ns: 35% of one core
	case "Status.JVM.Threads.Count":
		return longVal(86), true
	case "Status.Flink.Memory.Managed.Used":
		return longVal(int64(tm.used) * 96 << 20), true
	case "Status.Flink.Memory.Managed.Total":
		return longVal(managedSize), true
	}
	return mval{}, false
}

// heapUsed is a sawtooth with a 20 s period: 35-45% of the heap normally,
// 94-97% under pressure.
func (s *tmStore) heapUsed(tm taskManager) int64 {
	saw := float64((s.now/100+int64(tm.n)*37)%200) / 200
	if tm.pressure {
		return int64(heapMax * (0.94 + 0.03*saw))
	}
	return int64(heapMax * (0.35 + 0.10*saw))
}

// gc is metric "<collector>.<Count|Time|TimeMsPerSecond>". The first
// collector is the young one, the last the old one; All sums them (1.19+).
func (s *tmStore) gc(tm taskManager, m string) (mval, bool) {
	i := strings.LastIndexByte(m, '.')
	if i < 0 {
		return mval{}, false
	}
	name, what := m[:i], m[i+1:]
	var normal, extra float64 // ms per second
	switch {
	case name == "All" && s.v.hasGCRates():
		normal, extra = gcYoung, gcYoungPressure+gcOldPressure
	case len(s.gcs) > 0 && name == s.gcs[0]:
		normal, extra = gcYoung, gcYoungPressure
		if len(s.gcs) == 1 {
			extra += gcOldPressure
		}
	case len(s.gcs) > 1 && name == s.gcs[len(s.gcs)-1]:
		extra = gcOldPressure
	default:
		found := false
		for _, gc := range s.gcs {
			found = found || gc == name
		}
		if !found {
			return mval{}, false
		}
	}
	timeMs := normal*float64(s.up)/1000 + extra*float64(tm.pressuredMs)/1000
	switch what {
	case "Time":
		return longVal(int64(timeMs)), true
	case "Count":
		// A collection takes 16 ms normally, 120 ms under pressure.
		return longVal(int64(normal*float64(s.up)/16000 + extra*float64(tm.pressuredMs)/120000)), true
	case "TimeMsPerSecond":
		if !s.v.hasGCRates() {
			return mval{}, false
		}
		rate := normal
		if tm.pressure {
			rate += extra
		}
		return doubleVal(rate), true
	}
	return mval{}, false
}
