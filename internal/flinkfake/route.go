package flinkfake

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// newBufPool lends out response buffers, so a busy fleet does not allocate
// a fresh one per response. A Fleet shares one among its JobManagers.
func newBufPool() *sync.Pool {
	return &sync.Pool{New: func() any { return &jw{b: make([]byte, 0, 4096)} }}
}

// serve answers one request; path has any fleet prefix removed.
func (jm *JobManager) serve(w http.ResponseWriter, r *http.Request, path string) {
	jm.requests.Add(1)
	buf := jm.bufs.Get().(*jw)
	buf.b = buf.b[:0]
	code, fault := jm.render(buf, r, path)
	jm.write(w, r, code, buf.b, fault)
	if cap(buf.b) <= 256<<10 {
		jm.bufs.Put(buf)
	}
}

// render writes the body of the response to r into w under the lock and
// returns the status and the transport scenario acting on it.
func (jm *JobManager) render(w *jw, r *http.Request, path string) (int, Scenario) {
	p := path
	if rest, ok := strings.CutPrefix(p, "/v1"); ok && (rest == "" || rest[0] == '/') {
		p = rest
	}
	jm.mu.Lock()
	defer jm.mu.Unlock()
	fault := jm.transport
	if r.Method != http.MethodGet {
		return errNotFound(w, path), fault
	}
	now := jm.now()
	switch p {
	case "/overview":
		jm.renderOverview(w, now)
	case "/config":
		jm.renderConfig(w)
	case "/jobs":
		jm.renderJobIDs(w, now)
	case "/jobs/overview":
		jm.renderJobsOverview(w, now)
	default:
		if p == "/taskmanagers" || strings.HasPrefix(p, "/taskmanagers/") {
			return jm.renderTaskManagerPath(w, r, path, p, now), fault
		}
		rest, ok := strings.CutPrefix(p, "/jobs/")
		if !ok {
			return errNotFound(w, path), fault
		}
		return jm.renderJobPath(w, r, path, rest, now, fault)
	}
	return http.StatusOK, fault
}

// jobEndpoints are the endpoints under /jobs/:jobid the fake serves.
func (jm *JobManager) jobEndpoint(sub string) bool {
	switch sub {
	case "", "checkpoints", "checkpoints/config", "exceptions", "metrics":
		return true
	case "status":
		return jm.opts.Version.hasJobStatus()
	}
	return false
}

func (jm *JobManager) renderJobPath(w *jw, r *http.Request, path, rest string, now int64, fault Scenario) (int, Scenario) {
	id, sub, _ := strings.Cut(rest, "/")
	vsub, isVertex := strings.CutPrefix(sub, "vertices/")
	vid, vsub, _ := strings.Cut(vsub, "/")
	if isVertex && vsub != "subtasks/metrics" && vsub != "watermarks" || !isVertex && !jm.jobEndpoint(sub) {
		return errNotFound(w, path), fault
	}
	if !isJobID(id) {
		return errBadJobID(w, id), fault
	}
	j := jm.byID(strings.ToLower(id))
	if j != nil && fault == Healthy && j.scenario.transport() {
		fault = j.scenario
	}
	if isVertex {
		if !isJobID(vid) {
			return errBadVertexID(w, vid), fault
		}
		return jm.renderVertexPath(w, r, id, j, strings.ToLower(vid), vsub, now), fault
	}
	if j == nil || j.vanished {
		if sub == "metrics" {
			// The metric store simply has nothing for an unknown job.
			w.openArr().closeArr()
			return http.StatusOK, fault
		}
		return errJobNotFound(w, id), fault
	}
	v := jm.opts.Version
	switch sub {
	case "":
		jm.renderJob(w, j, now)
	case "status":
		w.open().kStr("status", j.stateString(j.status(now, jm.timing)))
		w.close()
	case "checkpoints":
		if j.scenario == CheckpointingDisabled {
			return errCheckpointingDisabled(w, j.id, false), fault
		}
		renderCheckpoints(w, v, j.checkpoints(now, jm.timing, j.status(now, jm.timing), checkpointHistorySize))
	case "checkpoints/config":
		if j.scenario == CheckpointingDisabled {
			return errCheckpointingDisabled(w, j.id, true), fault
		}
		jm.renderCheckpointConfig(w)
	case "exceptions":
		q := r.URL.Query()
		max := 20 // JobExceptionsHandler.MAX_NUMBER_EXCEPTION_TO_REPORT
		if s := q.Get("maxExceptions"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return errBadQuery(w, "maxExceptions", s), fault
			}
			max = n
		}
		jm.renderExceptions(w, j, now, max, q.Get("failureLabelFilter"))
	case "metrics":
		jm.renderMetrics(w, j, now, r.URL.Query().Get("get"))
	}
	return http.StatusOK, fault
}
