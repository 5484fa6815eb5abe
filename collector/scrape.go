package collector

import (
	"context"
	"errors"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/health"
)

// targetState is what the loop remembers about a target between cycles.
// Only the target's own scrape goroutine touches it during a cycle.
type targetState struct {
	client    *flink.Client
	clientKey string
	// jobs is keyed by job name: ids change on resubmission, names do not.
	jobs map[string]*jobState
	// errors counts failed requests per kind, for the errors counter.
	errors map[fleet.ErrorKind]float64
	// last is the previous cycle's result, to carry jobs over while the
	// JobManager is unreachable.
	last *fleet.TargetStatus
	// deployFailures counts deployment-level failures (pods, operator).
	deployFailures map[fleet.FailureKey]float64
	lastDeployFail *fleet.Failure
	seen           fingerprints
	// streaks is each job's current healthy or unhealthy streak, by name.
	streaks map[string]streak
	// down: the last scrape failed (the outage was logged once).
	down bool
	// detailSlot is the target's slot in the detail schedule; tm what the
	// detail reads last saw of its TaskManagers.
	detailSlot int
	tm         tmState
	// overview is the last /overview read, nil until one succeeds or
	// after a failed read (overviewDue); lastOverview keeps its counts.
	overview     *flink.Overview
	lastOverview flink.Overview
	overviewAt   time.Time
	overviewJobs uint64 // jobsSignature when it was read
}

// jobMetricNames are read from /jobs/:jobid/metrics every cycle. Both
// restart names are asked for: 1.15/1.16 may only show fullRestarts
// (FLINK-30558) and 2.x only has numRestarts.
var jobMetricNames = []string{
	"numRestarts", "fullRestarts", "uptime",
	"numberOfCompletedCheckpoints", "numberOfFailedCheckpoints", "lastCheckpointCompletedTimestamp",
	"lastCheckpointDuration",
}

// jobObservation is the raw data of one job in one cycle: what the signals
// read, and the exception history the failures come from.
type jobObservation struct {
	health.Observation
	exceptions *flink.Exceptions
	// vanished: the job disappeared between /jobs/overview and its details.
	vanished bool
	// changed: first sight, or a new id, state or restart count.
	changed bool
	// requests made, and those that failed.
	requests int
	errs     []error
}

func (l *Loop) scrapeTarget(ctx context.Context, t fleet.Target, st *targetState, detailDue bool) (fleet.TargetStatus, []fleet.Failure) {
	start := l.now()
	rs := fleet.TargetStatus{Target: t, ScrapedAt: start, Failures: copyCounts(st.deployFailures), LastFailure: st.lastDeployFail}
	if st.errors == nil {
		st.errors = map[fleet.ErrorKind]float64{}
	}
	if t.Suspended {
		// The operator removes a suspended deployment's JobManager: there
		// is nothing to scrape and nothing expected to run.
		rs.Up = true
		return rs, nil
	}
	c, err := l.clientFor(t, st)
	if err != nil {
		l.down(&rs, st, err)
		rs.ErrorCounts = copyErrors(st.errors)
		return rs, nil
	}
	jobs, err := c.JobsOverview(ctx)
	rs.Requests++
	if err != nil {
		l.down(&rs, st, err)
		rs.ScrapeDuration = l.now().Sub(start)
		rs.ErrorCounts = copyErrors(st.errors)
		return rs, nil
	}
	rs.Up = true
	wasDown := st.down
	if st.down {
		st.down = false
		l.log.Info("target up again", "namespace", rs.Namespace, "deployment", rs.Deployment)
	}

	selected := selectJobs(t, jobs)
	obs, changed := l.scrapeJobs(ctx, c, t, st, &rs, selected)
	if sig := jobsSignature(jobs); st.overviewDue(start, l.cfg.Interval, sig, changed || wasDown) {
		rs.Requests++
		if ov, err := c.Overview(ctx); err != nil {
			// The last counts stand; the next cycle asks again.
			st.overview = nil
			l.countError(&rs, st, err)
		} else {
			st.overview, st.overviewAt, st.overviewJobs, st.lastOverview = &ov, start, sig, ov
		}
	}
	ov := st.lastOverview
	rs.FlinkVersion, rs.TaskManagers = ov.FlinkVersion, ov.TaskManagers
	rs.SlotsTotal, rs.SlotsAvailable = ov.SlotsTotal, ov.SlotsAvailable
	if detailDue {
		l.readDetails(ctx, c, t, st, ov, obs, &rs)
	}

	var failures []fleet.Failure
	now := l.now()
	rs.Memory, rs.PerTaskManager = st.tm.current(now, l.detailStale())
	lag := l.lagOf(t)
	for _, o := range obs {
		if o.vanished {
			continue
		}
		js := st.jobs[o.Overview.Name]
		o.Detail = js.currentDetail(o.Overview, now, l.detailStale())
		job, fs := l.evaluate(t, js, o, lag, now)
		rs.Jobs = append(rs.Jobs, job)
		failures = append(failures, fs...)
	}
	if len(rs.Jobs) == 0 {
		rs.Jobs = st.withFailures(health.Missing(t, st.expectedJob(t)))
	}
	st.forgetJobs(rs.Jobs)
	sort.Slice(rs.Jobs, func(i, j int) bool { return rs.Jobs[i].Name < rs.Jobs[j].Name })
	rs.ScrapeDuration = l.now().Sub(start)
	rs.ErrorCounts = copyErrors(st.errors)
	st.last = &rs
	return rs, failures
}

// jobWorkers bounds the jobs of one target scraped at once: a session
// cluster with many jobs is not read one request at a time, and a target
// with one job is read on its own goroutine.
const jobWorkers = 4

// scrapeJobs scrapes the selected jobs and reports whether any of them
// changed (first sight, a new id, state or restart count).
func (l *Loop) scrapeJobs(ctx context.Context, c *flink.Client, t fleet.Target, st *targetState, rs *fleet.TargetStatus, selected []flink.JobOverview) ([]jobObservation, bool) {
	obs := make([]jobObservation, len(selected))
	states := make([]*jobState, len(selected))
	for i, jo := range selected {
		states[i] = l.jobFor(t, st, jo.Name)
	}
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1) - 1); i < len(selected); i = int(next.Add(1) - 1) {
			obs[i] = l.scrapeJob(ctx, c, selected[i], states[i])
		}
	}
	var wg sync.WaitGroup
	for range min(len(selected), jobWorkers) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	changed := false
	for i := range obs {
		rs.Requests += obs[i].requests
		for _, e := range obs[i].errs {
			l.countError(rs, st, e)
		}
		obs[i].errs = nil
		changed = changed || obs[i].changed
	}
	return obs, changed
}

// scrapeJob reads one job's endpoints. Checkpoint config, details and the
// exception history are read only when they can have changed, which keeps a
// steady job at two requests per cycle.
func (l *Loop) scrapeJob(ctx context.Context, c *flink.Client, jo flink.JobOverview, js *jobState) (o jobObservation) {
	o.Overview = jo
	n, errs := &o.requests, &o.errs
	id := jo.ID
	keep := func(err error) bool {
		if err == nil {
			return true
		}
		if errors.Is(err, flink.ErrNotFound) && !errors.Is(err, flink.ErrCheckpointingDisabled) {
			o.vanished = true
			return false
		}
		*errs = append(*errs, err)
		return false
	}
	*n++
	if m, err := c.JobMetrics(ctx, id, jobMetricNames...); keep(err) {
		o.Metrics = m
	}
	if o.vanished {
		return o
	}
	if js.cpConfigFor != id {
		*n++
		cc, err := c.CheckpointConfig(ctx, id)
		switch {
		case errors.Is(err, flink.ErrCheckpointingDisabled):
			js.cpConfig, js.cpDisabled, js.cpConfigFor = nil, true, id
		case keep(err):
			js.cpConfig, js.cpDisabled, js.cpConfigFor = &cc, false, id
		}
	}
	o.CpConfig, o.CpDisabled = js.cpConfig, js.cpDisabled
	if js.cpConfigFor == id && !js.cpDisabled {
		l.checkpoints(ctx, c, &o, js, keep)
	}
	if js.details == nil || js.details.ID != id || js.details.State != jo.State {
		*n++
		if d, err := c.Job(ctx, id); keep(err) {
			// Only the entry times into RUNNING and into the current state
			// are used; the vertices, the plan and the other states' times
			// would be kept for every job until its state changes.
			ts := make(map[fleet.JobState]flink.Millis, 2)
			for _, s := range []fleet.JobState{fleet.StateRunning, jo.State} {
				if at, ok := d.Timestamps[s]; ok {
					ts[s] = at
				}
			}
			d.Vertices, d.Plan, d.Timestamps = nil, flink.Plan{}, ts
			js.details = &d
		}
	}
	o.Details = js.details
	if js.needsExceptions(jo, o.Metrics) {
		o.changed = true
		*n++
		if ex, err := c.Exceptions(ctx, id, maxExceptions); keep(err) {
			o.exceptions = &ex
			js.exceptionsFor = exceptionsKey(jo, o.Metrics)
		}
	}
	return o
}

// checkpoints sets the job's checkpoint statistics: read when they can
// have changed (needsCheckpoints), else the last ones read.
func (l *Loop) checkpoints(ctx context.Context, c *flink.Client, o *jobObservation, js *jobState, keep func(error) bool) {
	k := checkpointsKey(o.Overview, o.Metrics)
	if !js.needsCheckpoints(k) {
		o.Checkpoints = js.checkpoints
		return
	}
	o.requests++
	cp, err := c.Checkpoints(ctx, o.Overview.ID)
	switch {
	case errors.Is(err, flink.ErrCheckpointingDisabled):
		o.CpDisabled = true
		js.checkpoints = nil
	case keep(err):
		// This cycle reads the whole response (its failed checkpoints are
		// classified now); later ones what the signals still need.
		o.Checkpoints = &cp
		js.checkpoints, js.cpKey = l.health.Load().Kept(cp), k
	default:
		js.checkpoints = nil
	}
}

// maxExceptions is Flink's default exception history size (16).
const maxExceptions = 16

// selectJobs picks the jobs a target reports: the newest job of each name
// (a session cluster keeps cancelled predecessors of a resubmitted job in
// its history), limited to the target's job id when it has one.
func selectJobs(t fleet.Target, jobs []flink.JobOverview) []flink.JobOverview {
	if t.ClusterOnly {
		return nil
	}
	best := map[string]flink.JobOverview{}
	for _, j := range jobs {
		if t.JobID != "" && j.ID != t.JobID {
			continue
		}
		if cur, ok := best[j.Name]; !ok || newer(j, cur) {
			best[j.Name] = j
		}
	}
	out := make([]flink.JobOverview, 0, len(best))
	for _, j := range best {
		out = append(out, j)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out
}

// newer prefers a job that can still run over a terminal one, then the
// later start.
func newer(a, b flink.JobOverview) bool {
	if at, bt := a.State.GloballyTerminal(), b.State.GloballyTerminal(); at != bt {
		return !at
	}
	return a.StartTime > b.StartTime
}

// down marks the target unreachable this cycle.
func (l *Loop) down(rs *fleet.TargetStatus, st *targetState, err error) {
	rs.Up = false
	rs.ErrorKind = errorKind(err)
	rs.Error = classify.Redact(firstLine(err.Error()))
	st.errors[rs.ErrorKind]++
	rs.RequestErrors++
	if !st.down {
		// Once per outage: every cycle it lasts would flood the log.
		st.down = true
		l.log.Warn("target down, its jobs are reported unhealthy (jobmanager_unreachable) until it answers",
			"namespace", rs.Namespace, "deployment", rs.Deployment, "kind", rs.ErrorKind, "err", rs.Error)
	}
	var last []fleet.JobStatus
	if st.last != nil {
		last = st.last.Jobs
	}
	rs.Jobs = st.withFailures(health.Unreachable(rs.Target, last, st.expectedJob(rs.Target)))
}

func (l *Loop) countError(rs *fleet.TargetStatus, st *targetState, err error) {
	k := errorKind(err)
	st.errors[k]++
	rs.RequestErrors++
	l.log.Debug("request failed", "namespace", rs.Namespace, "deployment", rs.Deployment, "kind", k, "err", classify.Redact(firstLine(err.Error())))
}

func errorKind(err error) fleet.ErrorKind {
	var se *flink.StatusError
	var de *flink.DecodeError
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return fleet.ErrCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fleet.ErrTimeout
	case errors.As(err, &se):
		return fleet.ErrHTTP
	case errors.As(err, &de):
		return fleet.ErrDecode
	case errors.As(err, &ne) && ne.Timeout():
		return fleet.ErrTimeout
	case errors.As(err, &ne):
		return fleet.ErrConnect
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return fleet.ErrConnect
	}
	return fleet.ErrOther
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func copyErrors(m map[fleet.ErrorKind]float64) map[fleet.ErrorKind]float64 {
	out := make(map[fleet.ErrorKind]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
