package flinkfake

import (
	"net/http"
	"strconv"
)

// renderVertexPath answers /jobs/:jobid/vertices/:vertexid/<sub> for job
// id, which may not exist (j nil), and a valid vertex id vid.
func (jm *JobManager) renderVertexPath(w *jw, r *http.Request, id string, j *job, vid, sub string, now int64) int {
	i := -1
	if j != nil && !j.vanished {
		for k := range j.vertices {
			if j.vertices[k].id == vid {
				i = k
			}
		}
	}
	if sub == "watermarks" {
		// Read through the execution graph: the job and vertex must exist.
		switch {
		case j == nil || j.vanished:
			return errJobNotFound(w, id)
		case i < 0:
			return errVertexNotFound(w, vid)
		}
		jm.renderWatermarks(w, j, i, now)
		return http.StatusOK
	}
	// Read from the metric store alone: whatever it lacks is just empty.
	var st store
	if i >= 0 {
		if s := jm.subtaskStore(j, i, now); s != nil {
			st = s
		}
	}
	q := r.URL.Query()
	get := q.Get("get")
	if get == "" {
		renderIDs(w, st)
		return http.StatusOK
	}
	a, ok := parseAgg(jm.opts.Version, q.Get("agg"))
	if !ok {
		return errBadQuery(w, "agg", q.Get("agg"))
	}
	var selected []int
	if s := q.Get("subtasks"); s != "" && st != nil {
		selected = parseRanges(s, st.members())
	}
	renderAggregated(w, st, selected, get, a)
	return http.StatusOK
}

// renderWatermarks writes GET /jobs/:jobid/vertices/:vertexid/watermarks:
// each subtask's currentInputWatermark the metric store has, as
// "<subtask>.currentInputWatermark" with the value a string;
// Long.MIN_VALUE means no watermark yet.
func (jm *JobManager) renderWatermarks(w *jw, j *job, i int, now int64) {
	w.openArr()
	if s := jm.subtaskStore(j, i, now); s != nil {
		for k := range s.members() {
			m, ok := s.value(k, "currentInputWatermark")
			if !ok {
				break
			}
			w.open()
			w.key("id").strBytes(append(strconv.AppendInt(w.scratch[:0], int64(k), 10), ".currentInputWatermark"...))
			w.key("value").strBytes(m.append(w.scratch[:0]))
			w.close()
		}
	}
	w.closeArr()
}
