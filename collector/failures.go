package collector

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/collector/flink"
	"github.com/flinkslo/flinkslo/fleet"
)

// excerptLines is how much of a stack trace travels with a failure.
const excerptLines = 12

// jobFailures classifies the failures of a job not seen before: exception
// history entries and failed checkpoints (whose cause is only in the
// checkpoint statistics' failure_message).
func (l *Loop) jobFailures(t fleet.Target, js *jobState, o jobObservation, now time.Time) []fleet.Failure {
	var out []fleet.Failure
	cpMsg := latestCheckpointFailure(o.Checkpoints)
	if ex := o.exceptions; ex != nil {
		// Oldest first, so escalation counts occurrences in order.
		for i := len(ex.Entries) - 1; i >= 0; i-- {
			e := ex.Entries[i]
			fp := "rest/" + strconv.FormatInt(int64(e.Timestamp), 10) + "/" + e.ExceptionName
			if !js.seen.add(fp) {
				continue
			}
			ev := fleet.Evidence{
				Source: fleet.SourceFlinkREST, ExceptionName: e.ExceptionName, Stacktrace: e.Stacktrace,
				TaskName: e.TaskName, Timestamp: e.Timestamp.Time(), FailureLabels: e.FailureLabels,
				CheckpointFailure: cpMsg, State: o.Overview.State,
			}
			out = append(out, l.classified(t, o.Overview, js, ev, fp, now))
		}
	}
	if cp := o.Checkpoints; cp != nil {
		for _, c := range failedCheckpoints(cp) {
			fp := "checkpoint/" + strconv.FormatInt(c.ID, 10) + "/" + strconv.FormatInt(int64(c.FailureTimestamp), 10)
			if c.FailureMessage == "" || !js.seen.add(fp) {
				continue
			}
			ev := fleet.Evidence{Source: fleet.SourceCheckpoint, Stacktrace: c.FailureMessage, Timestamp: c.FailureTimestamp.Time(),
				State: o.Overview.State, JobFailedAt: runFailedAt(js, o.Overview.ID)}
			out = append(out, l.classified(t, o.Overview, js, ev, fp, now))
		}
	}
	return out
}

// runFailedAt is when the job's current run last failed with an exception,
// or zero: the policy takes a checkpoint failing soon after for its echo.
func runFailedAt(js *jobState, jobID string) time.Time {
	if f := js.lastFailure; f != nil && f.JobID == jobID && f.Source == fleet.SourceFlinkREST {
		return f.Time
	}
	return time.Time{}
}

// failedCheckpoints are the failed entries of the history plus
// latest.failed, oldest first, without duplicates.
func failedCheckpoints(cp *flink.Checkpoints) []flink.CheckpointStats {
	byID := map[int64]flink.CheckpointStats{}
	for _, h := range cp.History {
		if h.Status == "FAILED" {
			byID[h.ID] = h
		}
	}
	if f := cp.Latest.Failed; f != nil {
		byID[f.ID] = *f
	}
	out := make([]flink.CheckpointStats, 0, len(byID))
	for _, c := range byID {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func latestCheckpointFailure(cp *flink.Checkpoints) string {
	if cp == nil || cp.Latest.Failed == nil {
		return ""
	}
	return cp.Latest.Failed.FailureMessage
}

// classified decides one failure of a job, counts it and returns the
// failure to publish. A side effect (a checkpoint failing because the job
// is down) is counted but does not become the job's last failure: it
// explains nothing.
func (l *Loop) classified(t fleet.Target, jo flink.JobOverview, js *jobState, ev fleet.Evidence, fp string, now time.Time) fleet.Failure {
	f := l.decide(t, jo.Name, ev, fp, now)
	f.JobID = jo.ID
	js.failures[fleet.FailureKey{Route: f.Decision.Route, Category: f.Decision.Category}]++
	if !f.Decision.SideEffect && (js.lastFailure == nil || !f.Time.Before(js.lastFailure.Time)) {
		js.lastFailure = &f
	}
	return f
}

// decide asks the policy about one failure of job (empty: the deployment).
func (l *Loop) decide(t fleet.Target, job string, ev fleet.Evidence, fp string, now time.Time) fleet.Failure {
	if ev.Timestamp.IsZero() {
		ev.Timestamp = now
	}
	ref := t.Job(job)
	return fleet.Failure{
		JobRef: ref, Owner: t.Owner, URL: t.URL,
		Time: ev.Timestamp, Seen: now, Source: ev.Source, Decision: l.opts.Policy.Failure(ref, ev),
		Exception: ev.ExceptionName, Excerpt: excerpt(ev), TaskName: ev.TaskName, Fingerprint: t.Key() + "/" + fp,
	}
}

// excerpt is what of the failure's text travels with it, redacted: the
// first line, and when the trace has causes, the root cause with its first
// frames, where the reader finds what failed and whose code threw it
// (the outermost exception is mostly Flink's restart machinery).
func excerpt(ev fleet.Evidence) string {
	text := ev.Stacktrace
	if text == "" {
		text = strings.TrimSpace(ev.K8sReason + " " + ev.K8sMessage)
	}
	if text == "" {
		text = ev.OperatorError
	}
	if i := strings.LastIndex(text, "\nCaused by: "); i >= 0 {
		first, _, _ := strings.Cut(text, "\n")
		text = first + "\n…\n" + text[i+1:]
	}
	lines := strings.SplitN(text, "\n", excerptLines+1)
	if len(lines) > excerptLines {
		lines = lines[:excerptLines]
	}
	out := strings.Join(lines, "\n")
	if len(out) > 4000 {
		out = out[:4000] + "…"
	}
	return classify.Redact(out)
}

// drainReports classifies the failures reported from outside the scrape
// (pods, operator) and counts them on their job or deployment.
func (l *Loop) drainReports(results []fleet.TargetStatus) []fleet.Failure {
	reports := l.pending
	l.pending = nil
	for _, s := range l.opts.Sources {
		if fs, ok := s.(FailureSource); ok {
			for _, r := range fs.Reports() {
				reports = append(reports, pendingReport{FailureReport: r})
			}
		}
	}
	if n := len(reports) - maxPendingReports; n > 0 {
		reports = reports[n:]
	}
	if len(reports) == 0 {
		return nil
	}
	idx := make(map[string]int, len(results))
	for i, r := range results {
		idx[r.Key()] = i
	}
	now := l.now()
	var out []fleet.Failure
	var later []pendingReport
	for _, p := range reports {
		r := p.FailureReport
		i, ok := idx[r.Target.Key()]
		if !ok {
			// Discovery may have reported a new resource's failure while
			// this cycle's targets were already fixed: keep it for the
			// next cycles. After that it is not this replica's shard, or
			// the target is gone.
			if p.cycles < reportCarryCycles {
				p.cycles++
				later = append(later, p)
			}
			continue
		}
		st := l.stateOf(r.Target.Key())
		if st == nil || !st.seen.add(r.Fingerprint) {
			continue
		}
		f := l.decide(results[i].Target, r.Job, r.Evidence, r.Fingerprint, now)
		l.countReported(&results[i], st, f)
		out = append(out, f)
	}
	l.pending = later
	return out
}

// reportCarryCycles is how many further cycles a report waits for its
// target to be scraped.
const reportCarryCycles = 2

// maxPendingReports bounds the reports one cycle handles: past it the
// oldest go.
const maxPendingReports = 10000

// pendingReport is a report waiting for the cycle that scrapes its target.
type pendingReport struct {
	fleet.FailureReport

	cycles int // cycles it has already waited
}

func (l *Loop) stateOf(key string) *targetState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.targets[key]
}

// countReported counts a reported failure on its job when the job is known
// this cycle, else on the deployment.
func (l *Loop) countReported(rs *fleet.TargetStatus, st *targetState, f fleet.Failure) {
	k := fleet.FailureKey{Route: f.Decision.Route, Category: f.Decision.Category}
	if js := st.jobs[f.Job]; f.Job != "" && js != nil {
		js.failures[k]++
		js.lastFailure = &f
		for i := range rs.Jobs {
			if rs.Jobs[i].Name == f.Job {
				rs.Jobs[i].Failures = copyCounts(js.failures)
				rs.Jobs[i].LastFailure = &f
			}
		}
		return
	}
	if st.deployFailures == nil {
		st.deployFailures = map[fleet.FailureKey]float64{}
	}
	st.deployFailures[k]++
	st.lastDeployFail = &f
	rs.Failures = copyCounts(st.deployFailures)
	rs.LastFailure = &f
}
