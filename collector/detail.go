package collector

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/health"
)

// The detail reads: what the per-job detail signals and the TaskManagers'
// memory need (docs/flink-detail-endpoints.md), read when the target's
// slot of the detail schedule comes (detailsched.go), never every cycle.
// Only RUNNING jobs are read; per job, one GET /jobs/:jobid, the subtask
// metrics of at most detailMaxVertices running vertices, the watermarks of
// as many sinks, and — only when the sources' count stood still and no
// Kafka lag says whether input waits — their pendingRecords; per
// JobManager, one aggregated TaskManager metrics request (and a listing of
// the TaskManager metric names until it names the GC metrics), and only
// with perTaskManagerMetrics the TaskManagers' listing and a request per
// TaskManager (at most detailMaxTaskManagers). Between
// reads the signals carry the last read over, until it is stale.

// detailStale is how old a detail read may be and still count: two
// intervals, so one failed read does not blank the signals.
func (l *Loop) detailStale() time.Duration { return 2*l.cfg.DetailInterval + l.cfg.Interval }

// detailRequest gathers the requests and failures of the detail reads of
// one target, from several goroutines.
type detailRequest struct {
	mu   sync.Mutex
	n    int
	errs []error
}

func (r *detailRequest) count(err error) {
	r.mu.Lock()
	r.n++
	if err != nil {
		r.errs = append(r.errs, err)
	}
	r.mu.Unlock()
}

// readDetails reads the target's RUNNING jobs and its TaskManagers in
// detail, all at once, and keeps what it read in their states.
func (l *Loop) readDetails(ctx context.Context, c *flink.Client, t fleet.Target, st *targetState, ov flink.Overview, obs []jobObservation, rs *fleet.TargetStatus) {
	var req detailRequest
	var wg sync.WaitGroup
	for _, o := range obs {
		if o.vanished || o.Overview.State != fleet.StateRunning {
			continue
		}
		js := st.jobs[o.Overview.Name]
		wg.Go(func() {
			if d := l.readJobDetail(ctx, c, t, o.Overview, js, &req); d != nil {
				js.detail = d
			}
		})
	}
	if t.JobID == "" {
		// A session job's target shares its cluster's TaskManagers: the
		// cluster's own target reads them.
		wg.Go(func() { l.readTaskManagers(ctx, c, t, st, ov, &req) })
	}
	wg.Wait()
	rs.Requests += req.n
	for _, err := range req.errs {
		l.countError(rs, st, err)
	}
}

// readJobDetail reads one RUNNING job in detail; nil when its details
// could not be read (the last read then stays until it is stale).
func (l *Loop) readJobDetail(ctx context.Context, c *flink.Client, t fleet.Target, jo flink.JobOverview, js *jobState, req *detailRequest) *health.Detail {
	at := l.now()
	jd, err := c.Job(ctx, jo.ID)
	req.count(err)
	if err != nil || jd.ID != jo.ID {
		return nil
	}
	// The read is kept until the next one: drop what the signals do not
	// use (the subtask counts by state, a map per vertex; the state
	// timestamps, which the job's kept details carry).
	for i := range jd.Vertices {
		jd.Vertices[i].Tasks = nil
	}
	jd.Timestamps = nil
	sharePlanIDs(&jd)
	d := &health.Detail{At: at, Job: jd, Load: map[string]health.Load{}, Watermarks: map[string]flink.Watermarks{}}
	g := jd.Graph()
	limit := l.cfg.DetailMaxVertices
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, v := range firstRunning(jd.Vertices, nil, limit) {
		wg.Go(func() {
			ms, err := c.SubtaskMetrics(ctx, jo.ID, v.ID, flink.AggMax, flink.MetricBusyTime, flink.MetricBackPressuredTime)
			req.count(err)
			if err == nil {
				mu.Lock()
				d.Load[v.ID] = health.LoadOf(ms)
				mu.Unlock()
			}
		})
	}
	for _, v := range firstRunning(jd.Vertices, g.Sinks(), limit) {
		if len(g.Inputs(v.ID)) == 0 {
			continue // a source chained with its sink has no input watermark
		}
		wg.Go(func() {
			ws, err := c.Watermarks(ctx, jo.ID, v.ID)
			req.count(err)
			if err == nil {
				mu.Lock()
				d.Watermarks[v.ID] = ws
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(t.ConsumerGroups) == 0 && sourcesStill(js.detail, jd, g) {
		d.Pending = l.readPending(ctx, c, jd, g, js, req)
	}
	return d
}

// sharePlanIDs points the plan's vertex ids at the vertices' own strings,
// so that a kept read holds each id once instead of once per node and
// edge.
func sharePlanIDs(jd *flink.JobDetails) {
	share := func(id *string) {
		for _, v := range jd.Vertices {
			if v.ID == *id {
				*id = v.ID
				return
			}
		}
	}
	for i := range jd.Plan.Nodes {
		n := &jd.Plan.Nodes[i]
		share(&n.ID)
		for j := range n.Inputs {
			share(&n.Inputs[j].ID)
		}
	}
}

// firstRunning is up to n RUNNING vertices, in the details' (graph)
// order, among ids when given.
func firstRunning(vs []flink.Vertex, ids []string, n int) []flink.Vertex {
	var out []flink.Vertex
	for _, v := range vs {
		if len(out) == n {
			break
		}
		if v.Status == "RUNNING" && (ids == nil || contains(ids, v.ID)) {
			out = append(out, v)
		}
	}
	return out
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// sourcesStill reports whether the sources wrote nothing between the last
// read and this one, so that only then their backlog is asked for.
func sourcesStill(last *health.Detail, jd flink.JobDetails, g flink.Graph) bool {
	if last == nil || last.Job.ID != jd.ID {
		return false
	}
	written := func(d flink.JobDetails) map[string]int64 {
		out := map[string]int64{}
		for _, v := range d.Vertices {
			out[v.ID] = v.Metrics.WriteRecords
		}
		return out
	}
	before, now := written(last.Job), written(jd)
	for _, id := range g.Sources() {
		if now[id] != before[id] {
			return false
		}
	}
	return len(g.Sources()) > 0
}

// readPending reads the sources' pendingRecords, summed over subtasks,
// finding each source's metric name in its listing once per job id.
func (l *Loop) readPending(ctx context.Context, c *flink.Client, jd flink.JobDetails, g flink.Graph, js *jobState, req *detailRequest) map[string]float64 {
	if js.pendingFor != jd.ID {
		js.pending, js.pendingFor = map[string]string{}, jd.ID
	}
	out := map[string]float64{}
	for _, v := range firstRunning(jd.Vertices, g.Sources(), l.cfg.DetailMaxVertices) {
		name, listed := js.pending[v.ID]
		if !listed {
			names, err := c.SubtaskMetricNames(ctx, jd.ID, v.ID)
			req.count(err)
			if err != nil {
				return nil
			}
			name = pendingMetric(names)
			js.pending[v.ID] = name
		}
		if name == "" {
			return nil
		}
		ms, err := c.SubtaskMetrics(ctx, jd.ID, v.ID, flink.AggSum, name)
		req.count(err)
		m, ok := ms[name]
		if err != nil || !ok || !m.Sum.Valid {
			return nil
		}
		out[v.ID] = m.Sum.Value
	}
	return out
}

// pendingMetric is the "<source operator>.pendingRecords" of a listing.
func pendingMetric(names []string) string {
	for _, n := range names {
		if strings.HasSuffix(n, "."+flink.MetricPendingRecords) {
			return n
		}
	}
	return ""
}

// currentDetail is the job's last detail read while it applies: the same
// job id, still RUNNING, and not stale.
func (js *jobState) currentDetail(jo flink.JobOverview, now time.Time, stale time.Duration) *health.Detail {
	d := js.detail
	if d == nil || d.Job.ID != jo.ID || jo.State != fleet.StateRunning || now.Sub(d.At) > stale {
		return nil
	}
	return d
}

// tmState is what the detail reads keep of a JobManager's TaskManagers.
type tmState struct {
	// gc names the GC metrics, listed for the Flink version gcFor.
	gc    flink.GCMetrics
	gcFor string
	mem   health.GCMemory
	last  fleet.TaskManagerMemory
	at    time.Time
	// each is the last read of each TaskManager (perTaskManagerMetrics),
	// at eachAt; eachMem their GC memory, by id.
	each    []fleet.TaskManagerJVM
	eachAt  time.Time
	eachMem map[string]*health.GCMemory
}

// current is the last memory read while it is not stale, and the last
// read of each TaskManager while that is not.
func (s *tmState) current(now time.Time, stale time.Duration) (fleet.TaskManagerMemory, []fleet.TaskManagerJVM) {
	var m fleet.TaskManagerMemory
	var each []fleet.TaskManagerJVM
	if !s.at.IsZero() && now.Sub(s.at) <= stale {
		m = s.last
	}
	if !s.eachAt.IsZero() && now.Sub(s.eachAt) <= stale {
		each = s.each
	}
	return m, each
}

// readTaskManagers reads the TaskManagers' heap and GC time in one
// aggregated request (max and sum over TaskManagers) and, when
// perTaskManagerMetrics asks, each TaskManager's at the same time. The GC
// metrics' names depend on the JVM's collectors: they are listed once per
// Flink version, and again while a listing finds none (no TaskManager yet).
func (l *Loop) readTaskManagers(ctx context.Context, c *flink.Client, t fleet.Target, st *targetState, ov flink.Overview, req *detailRequest) {
	s := &st.tm
	if s.gcFor != ov.FlinkVersion {
		names, err := c.TaskManagersMetricNames(ctx)
		req.count(err)
		if err != nil {
			return
		}
		s.gc = flink.FindGCMetrics(names)
		if s.gc.TimePerSecond != "" || len(s.gc.Collectors) > 0 {
			s.gcFor = ov.FlinkVersion
		}
	}
	names := []string{flink.MetricHeapUsed, flink.MetricHeapMax}
	if s.gc.TimePerSecond != "" {
		names = append(names, s.gc.TimePerSecond)
	} else {
		names = append(names, s.gc.Collectors...)
	}
	var wg sync.WaitGroup
	if l.cfg.PerTaskManagerMetrics {
		wg.Go(func() { l.readEachTaskManager(ctx, c, s, names, req) })
	} else {
		s.each, s.eachAt, s.eachMem = nil, time.Time{}, nil
	}
	at := l.now()
	ms, err := c.TaskManagersMetrics(ctx, flink.AggMax|flink.AggSum, names...)
	req.count(err)
	if err == nil {
		s.last = health.TaskManagerMemory(&health.TaskManagerRead{At: at, Metrics: ms, GC: s.gc, TaskManagers: ov.TaskManagers}, &s.mem)
		s.at = at
	}
	wg.Wait()
}

// readEachTaskManager reads the heap and GC time of each TaskManager:
// one GET /taskmanagers, then one GET /taskmanagers/:id/metrics for each of
// the first DetailMaxTaskManagers in id order, all at once (the gate bounds
// the requests in flight). It touches only s's per-TaskManager fields, so
// it runs beside the aggregated read. A TaskManager whose read failed is
// left out of this read rather than carried over: its series pause.
func (l *Loop) readEachTaskManager(ctx context.Context, c *flink.Client, s *tmState, names []string, req *detailRequest) {
	tms, err := c.TaskManagers(ctx)
	req.count(err)
	if err != nil {
		return
	}
	ids := make([]string, len(tms))
	for i, tm := range tms {
		ids[i] = tm.ID
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ids = ids[:min(len(ids), l.cfg.DetailMaxTaskManagers)]
	at := l.now()
	values := make([]map[string]float64, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			v, err := c.TaskManagerMetrics(ctx, id, names...)
			req.count(err)
			if err == nil {
				values[i] = v
			}
		})
	}
	wg.Wait()
	mem := make(map[string]*health.GCMemory, len(ids))
	each := make([]fleet.TaskManagerJVM, 0, len(ids))
	for i, id := range ids {
		m := s.eachMem[id]
		if m == nil {
			m = &health.GCMemory{}
		}
		mem[id] = m
		if values[i] != nil {
			each = append(each, health.TaskManagerJVM(id, at, values[i], s.gc, m))
		}
	}
	s.each, s.eachAt, s.eachMem = each, at, mem
}
