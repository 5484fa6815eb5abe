package flinkfake

import "strings"

// renderExceptions writes GET /jobs/:jobid/exceptions: the legacy
// top-level fields up to 1.20, then the exception history, newest first,
// at most max entries, filtered by failureLabelFilter on 1.18+.
func (jm *JobManager) renderExceptions(w *jw, j *job, now int64, max int, filter string) {
	v := jm.opts.Version
	st := j.status(now, jm.timing)
	all := j.exceptions(now, jm.timing)
	if v.hasFailureLabels() && filter != "" {
		all = jm.filterLabels(all, filter)
	}
	w.open()
	if !v.isV2() {
		jm.writeLegacy(w, all, st)
	}
	w.kOpen("exceptionHistory")
	w.kOpenArr("entries")
	for i := range min(max, len(all)) {
		jm.writeEntry(w, &all[i], true)
	}
	w.closeArr()
	w.kBool("truncated", len(all) > max)
	w.close()
	w.close()
}

// writeLegacy writes root-exception, timestamp, all-exceptions and
// truncated, deprecated since 1.13 and removed in 2.0. all-exceptions
// lists the failed task of the current failure only.
func (jm *JobManager) writeLegacy(w *jw, all []exEntry, st jobStatus) {
	v := jm.opts.Version
	if len(all) == 0 {
		w.kNull("root-exception")
		w.kNull("timestamp")
		w.kEmptyArr("all-exceptions")
		w.kBool("truncated", false)
		return
	}
	e := &all[0]
	w.kStr("root-exception", e.trace)
	w.kInt("timestamp", e.at)
	w.kOpenArr("all-exceptions")
	if e.task != "" && (st.state == stRestarting || st.state == stFailed) {
		w.open()
		w.kStr("exception", e.trace)
		w.kStr("task", e.task)
		w.kStr("location", e.host)
		if v.hasEndpoint() {
			w.kStr("endpoint", e.host)
		}
		if v.hasTaskManagerID() {
			w.kStr("taskManagerId", e.tmID)
		}
		w.kInt("timestamp", e.at)
		w.close()
	}
	w.closeArr()
	w.kBool("truncated", false)
}

// writeEntry writes a RootExceptionInfo. Task fields are left out of
// global failures (NON_NULL), and each field appears from its version on.
// Concurrent exceptions (top false) have no concurrentExceptions of their
// own.
func (jm *JobManager) writeEntry(w *jw, e *exEntry, top bool) {
	v := jm.opts.Version
	w.open()
	w.kStr("exceptionName", e.name)
	w.kStr("stacktrace", e.trace)
	w.kInt("timestamp", e.at)
	if v.hasFailureLabels() {
		w.kOpen("failureLabels")
		if jm.opts.FailureLabels {
			w.kStr("TYPE", e.label())
		}
		w.close()
	}
	if e.task != "" {
		w.kStr("taskName", e.task)
		if !v.isV2() {
			w.kStr("location", e.host)
		}
		if v.hasEndpoint() {
			w.kStr("endpoint", e.host)
		}
		if v.hasTaskManagerID() {
			w.kStr("taskManagerId", e.tmID)
		}
	}
	if top {
		w.kOpenArr("concurrentExceptions")
		for i := range e.concurrent {
			jm.writeEntry(w, &e.concurrent[i], false)
		}
		w.closeArr()
	}
	w.close()
}

func (e *exEntry) label() string {
	if e.user {
		return "USER"
	}
	return "SYSTEM"
}

// filterLabels keeps the entries carrying every key:value pair of filter.
func (jm *JobManager) filterLabels(all []exEntry, filter string) []exEntry {
	var out []exEntry
	for _, e := range all {
		keep := true
		for _, pair := range strings.Split(filter, ",") {
			k, val, _ := strings.Cut(pair, ":")
			if !jm.opts.FailureLabels || k != "TYPE" || val != e.label() {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, e)
		}
	}
	return out
}
