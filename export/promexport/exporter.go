package promexport

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/fleet"
)

// Exporter is a prometheus.Collector over the latest snapshot. Collect
// never touches a JobManager: it renders what the background loop saw, so
// the series of a vanished target or job vanish with it. The same emission
// code also writes the text exposition directly (see Exposition), which is
// what /metrics serves: a fleet of thousands of jobs has ~200k series, too
// many to push through a registry's sorting and checks on every scrape.
type Exporter struct {
	store  *fleet.Store
	f      families
	states []string // the Flink job states, for the state-set
}

var _ prometheus.Collector = (*Exporter)(nil)

// NewExporter returns an exporter reading store.
func NewExporter(store *fleet.Store) *Exporter {
	states := make([]string, len(fleet.JobStates))
	for i, s := range fleet.JobStates {
		states[i] = string(s)
	}
	return &Exporter{store: store, f: newFamilies(), states: states}
}

// Describe sends every descriptor.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range e.f.all {
		ch <- f.desc
	}
}

// Collect renders the latest snapshot.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	if snap := e.store.Load(); snap != nil {
		e.emit(chanSink(ch), snap)
	}
}

// sink receives every series; one implementation feeds client_golang, the
// other writes the text format directly.
type sink interface {
	add(f *family, v float64, lv ...string)
}

type chanSink chan<- prometheus.Metric

func (c chanSink) add(f *family, v float64, lv ...string) {
	c <- prometheus.MustNewConstMetric(f.desc, f.typ, v, lv...)
}

func (e *Exporter) emit(s sink, snap *fleet.Snapshot) {
	for i := range snap.Targets {
		e.emitTarget(s, snap, &snap.Targets[i])
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func (e *Exporter) emitTarget(s sink, snap *fleet.Snapshot, t *fleet.TargetStatus) {
	f := &e.f
	dep, ns := t.Deployment, t.Namespace
	var buf [5]string // label values; no allocation per series
	lv := func(vs ...string) []string { return buf[:copy(buf[:], vs)] }
	s.add(f.suspended, b2f(t.Suspended), lv(dep, ns, t.Team)...)
	if op := t.Operator; op != nil {
		stateSet(s, f.lifecycle, LifecycleStates, op.LifecycleState, lv(dep, ns, ""))
		if op.Kind != "FlinkSessionJob" {
			stateSet(s, f.jmStatus, JobManagerStatuses, op.JobManagerDeploymentStatus, lv(dep, ns, ""))
		}
	}
	for k, v := range t.Failures {
		s.add(f.deployFailures, v, lv(dep, ns, t.Team, string(k.Route), k.Category)...)
	}
	if t.Suspended {
		return
	}
	s.add(f.targetUp, b2f(t.Up), lv(dep, ns)...)
	s.add(f.targetInfo, 1, lv(dep, ns, t.Team, t.Source, t.FlinkVersion)...)
	s.add(f.scrapeDuration, t.ScrapeDuration.Seconds(), lv(dep, ns)...)
	s.add(f.lastScrape, seconds(t.ScrapedAt), lv(dep, ns)...)
	for k, v := range t.ErrorCounts {
		s.add(f.scrapeErrors, v, lv(dep, ns, string(k))...)
	}
	if t.Up {
		s.add(f.taskManagers, float64(t.TaskManagers), lv(dep, ns)...)
		s.add(f.slotsTotal, float64(t.SlotsTotal), lv(dep, ns)...)
		s.add(f.slotsAvailable, float64(t.SlotsAvailable), lv(dep, ns)...)
	}
	for i := range t.Jobs {
		e.emitJob(s, snap, t, &t.Jobs[i])
	}
}

// emitJob writes one job's series.
func (e *Exporter) emitJob(s sink, snap *fleet.Snapshot, t *fleet.TargetStatus, j *fleet.JobStatus) {
	f := &e.f
	buf := [6]string{t.Deployment, t.Namespace, t.Team, j.Name}
	lv := buf[:4]
	// with returns the job labels plus extra values, reusing buf.
	with := func(extra ...string) []string { return buf[:4+copy(buf[4:], extra)] }
	if j.Expected {
		s.add(f.healthy, b2f(j.Healthy), lv...)
		for _, r := range j.Reasons {
			s.add(f.reason, 1, with(string(r))...)
		}
	}
	if j.State != "" {
		stateSet(s, f.state, e.states, string(j.State), buf[:5])
	}
	if j.ID != "" {
		s.add(f.info, 1, with(j.ID, t.FlinkVersion)...)
		s.add(f.completed, j.CheckpointsCompleted, lv...)
		s.add(f.failed, j.CheckpointsFailed, lv...)
		s.add(f.restarts, j.Restarts, lv...)
		s.add(f.recentRestarts, float64(j.RestartsInWindow), lv...)
		s.add(f.uptime, j.Uptime.Seconds(), lv...)
		s.add(f.tasksTotal, float64(j.TasksTotal), lv...)
		s.add(f.tasksRunning, float64(j.TasksRunning), lv...)
	}
	if j.CheckpointingEnabled {
		s.add(f.progressing, b2f(j.CheckpointsProgressing), lv...)
		s.add(f.checkpointWindow, j.CheckpointWindow.Seconds(), lv...)
		s.add(f.checkpointInterval, j.CheckpointInterval.Seconds(), lv...)
		if !j.LastCheckpoint.IsZero() {
			s.add(f.lastCheckpoint, seconds(j.LastCheckpoint), lv...)
			s.add(f.checkpointAge, snap.Finished.Sub(j.LastCheckpoint).Seconds(), lv...)
		}
	}
	for k, v := range j.Failures {
		s.add(f.failures, v, with(string(k.Route), k.Category)...)
	}
	if lf := j.LastFailure; lf != nil {
		s.add(f.lastFailure, seconds(lf.Time), with(string(lf.Decision.Route), lf.Decision.Category)...)
	}
	if j.HasKafkaLag {
		s.add(f.lagRecords, j.KafkaLagRecords, lv...)
		if j.KafkaLagSecondsKnown {
			s.add(f.lagSeconds, j.KafkaLagSeconds, lv...)
		}
	}
}

// stateSet emits 1 for the current value and 0 for the others of a closed
// set; an unknown current value (a newer Flink or operator) is added. The
// last element of lv is overwritten with each state.
func stateSet(s sink, f *family, set []string, cur string, lv []string) {
	last := len(lv) - 1
	known := false
	for _, v := range set {
		known = known || v == cur
		lv[last] = v
		s.add(f, b2f(v == cur), lv...)
	}
	if !known && cur != "" {
		lv[last] = cur
		s.add(f, 1, lv...)
	}
}

// LifecycleStates are the operator's resource lifecycle states.
var LifecycleStates = []string{"CREATED", "SUSPENDED", "UPGRADING", "DEPLOYED", "STABLE", "ROLLING_BACK", "ROLLED_BACK", "FAILED", "DELETING", "DELETED"}

// JobManagerStatuses are the operator's JobManager deployment statuses.
var JobManagerStatuses = []string{"READY", "DEPLOYED_NOT_READY", "DEPLOYING", "MISSING", "ERROR"}
