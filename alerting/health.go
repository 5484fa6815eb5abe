package alerting

import (
	"fmt"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// jobHealth is what the router knows of one job's (or, Job empty, one
// deployment's) health over time.
type jobHealth struct {
	healthy bool
	// healthySince / unhealthySince: start of the current streak.
	healthySince, unhealthySince time.Time
	// lastHealthy: last snapshot that saw it healthy; lastSeen: last
	// snapshot that had it at all.
	lastHealthy, lastSeen time.Time
	reasons               []fleet.Reason
	// verdict is the policy's view of the outage; nil while healthy.
	verdict *fleet.Verdict
	// owner, url and jobID are what a health incident's detail starts
	// from (thousands of jobs are remembered: not the whole detail).
	owner      fleet.Owner
	url, jobID string
}

// snapshot updates every job's health and opens or escalates incidents for
// unexplained unhealthy jobs.
func (e *engine) snapshot(s *fleet.Snapshot, now time.Time) {
	if e.firstSnapshot.IsZero() {
		e.firstSnapshot = now
	}
	for i := range s.Targets {
		e.target(&s.Targets[i], now)
	}
}

func (e *engine) target(ts *fleet.TargetStatus, now time.Time) {
	d := detail{Owner: ts.Owner, URL: ts.URL}
	all := ts.Up
	for i := range ts.Jobs {
		js := &ts.Jobs[i]
		healthy := js.Healthy || !js.Expected
		all = all && healthy
		jd := d
		jd.JobID = js.ID
		jh := e.observe(ts.Job(js.Name), healthy, js.Reasons, jd, now)
		jh.verdict = js.Verdict
		e.unhealthy(ts.Job(js.Name), jh, now)
	}
	e.observe(ts.Job(""), all, nil, d, now)
}

func reasonStrings(rs []fleet.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func (e *engine) observe(jk fleet.JobRef, healthy bool, reasons []fleet.Reason, d detail, now time.Time) *jobHealth {
	jh, ok := e.jobs[jk]
	if !ok {
		jh = &jobHealth{healthy: !healthy} // so that the first sight starts a streak
		e.jobs[jk] = jh
	}
	switch {
	case healthy && !jh.healthy:
		jh.healthySince = now
	case !healthy && jh.healthy:
		jh.unhealthySince = now
	}
	jh.healthy, jh.reasons, jh.lastSeen = healthy, reasons, now
	jh.owner, jh.url, jh.jobID = d.Owner, d.URL, d.JobID
	if healthy {
		jh.lastHealthy = now
		jh.reasons, jh.verdict = nil, nil
	}
	return jh
}

// unhealthy carries out the policy's verdict on an unhealthy job: an
// outage nothing explains opens a health incident after the health wait,
// on the route the policy gave; an open one moves up only when the policy
// now says something more urgent and still nothing explains it. An outage
// a classified failure explains is that failure's incident: it was or
// will be notified on the failure's route, and a second message would
// only repeat it, or worse, send it to someone else.
func (e *engine) unhealthy(jk fleet.JobRef, jh *jobHealth, now time.Time) {
	if jh.healthy || jh.verdict == nil {
		return
	}
	key := incident.Key{JobRef: jk, Category: fleet.CategoryUnhealthy}
	if inc := e.open[key]; inc != nil {
		v := jh.verdict
		if v.ExplainedBy != nil || e.failureOpen(jk) {
			return
		}
		inc.detail.Decision = v.Decision
		if rank(v.Decision.Route) > rank(inc.route) {
			e.escalate(inc, v.Decision.Route, now)
		}
		return
	}
	if now.Sub(jh.unhealthySince) < e.cfg.healthWait || e.failureOpen(jk) {
		return
	}
	dec, ok := e.healthDecision(jh)
	if !ok {
		return
	}
	d := detail{Decision: dec, Owner: jh.owner, URL: jh.url, JobID: jh.jobID, Source: fleet.SourceHealth, FailureTime: jh.unhealthySince}
	inc := &openIncident{key: key, route: dec.Route, health: true, detail: d, opened: jh.unhealthySince,
		lastFailure: jh.unhealthySince, total: 1, threads: map[string]string{}, reached: map[string]bool{}}
	e.occurrence(key, dec.Route, d, now)
	e.add(inc)
	e.push(inc, e.notification(inc, incident.Trigger, now), now)
}

// healthDecision is what a new health incident says, and false when none
// is needed: the policy's decision for an unexplained outage, or — when
// the failure that explains it happened before this process's lookback
// and so was never sent — that failure's own decision, which is what its
// owner needs to act on.
func (e *engine) healthDecision(jh *jobHealth) (fleet.Decision, bool) {
	v := jh.verdict
	f := v.ExplainedBy
	if f == nil {
		return v.Decision, true
	}
	if !f.Time.Before(e.cfg.since) {
		return fleet.Decision{}, false
	}
	d := f.Decision
	d.Category = fleet.CategoryUnhealthy
	d.Reason = fmt.Sprintf("unhealthy (%s) since before flinkslo started; last failure %s: %s",
		joinReasons(jh.reasons), f.Decision.Category, f.Decision.Reason)
	return d, true
}

// failureOpen: a failure incident of the job or its deployment is open, so
// the outage has its audience already.
func (e *engine) failureOpen(jk fleet.JobRef) bool {
	return e.failuresByJob[jk] > 0 || e.failuresByJob[jk.DeploymentRef()] > 0
}

func joinReasons(rs []fleet.Reason) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += ", "
		}
		out += string(r)
	}
	return out
}
