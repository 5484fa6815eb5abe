package alerting

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// CategoryUnhealthy is the category of an incident opened by a health
// transition that no classified failure explains.
const CategoryUnhealthy = "job_unhealthy"

// jobHealth is what the router knows of one job's (or, Job empty, one
// deployment's) health over time.
type jobHealth struct {
	healthy bool
	// healthySince / unhealthySince: start of the current streak.
	healthySince, unhealthySince time.Time
	// lastHealthy: last snapshot that saw it healthy; lastSeen: last
	// snapshot that had it at all.
	lastHealthy, lastSeen time.Time
	reasons               []string
	lastFailure           *fleet.Failure
	detail                detail
}

// reasonRoutes decides the route of an unexplained unhealthy job by who
// has to act on its reason. A job that stopped, vanished, restarts in a
// loop or whose deployment the operator reports broken, with no Flink
// exception to say why, is an unexpected server error: page (as the
// classifier pages what it cannot explain). Unreachable JobManagers, tasks
// waiting for slots, stalled checkpoints and stalled consumers are
// usually temporary: monitor. Lag with progress is the owning team's
// sizing: notify.
var reasonRoutes = map[fleet.Reason]fleet.Route{fleet.ReasonDeploymentError: fleet.Page, fleet.ReasonJobMissing: fleet.Page, fleet.ReasonNotRunning: fleet.Page, fleet.ReasonTooManyRestarts: fleet.Page, fleet.ReasonUnreachable: fleet.Monitor, fleet.ReasonTasksNotRunning: fleet.Monitor, fleet.ReasonCheckpointsStalled: fleet.Monitor, fleet.ReasonKafkaStalled: fleet.Monitor, fleet.ReasonKafkaLagging: fleet.Notify}

var reasonHints = map[fleet.Reason]string{fleet.ReasonDeploymentError: "the operator reports the JobManager deployment in error: check the FlinkDeployment status and events", fleet.ReasonJobMissing: "the JobManager runs but the job is gone and Flink recorded no exception: check the JobManager log and the operator", fleet.ReasonNotRunning: "the job is not running and Flink recorded no exception: check the JobManager log and the operator", fleet.ReasonTooManyRestarts: "the job keeps restarting: look at its exception history and the TaskManager logs", fleet.ReasonUnreachable: "the JobManager REST API does not answer: check the JobManager pod and the network path from flinkslo", fleet.ReasonTasksNotRunning: "tasks are not running: check free task slots and TaskManager pods", fleet.ReasonCheckpointsStalled: "no checkpoint completed within the window: check checkpoint storage and backpressure", fleet.ReasonKafkaStalled: "the consumer group commits no offsets: check checkpoints (offsets commit on checkpoint) and the sources", fleet.ReasonKafkaLagging: "the job falls behind its Kafka input: raise parallelism or resources, or check for backpressure"}

// routeFor is the most urgent route among reasons.
func routeFor(reasons []string) (fleet.Route, string) {
	route, hint := fleet.Route(""), ""
	for _, r := range reasons {
		rt, ok := reasonRoutes[fleet.Reason(r)]
		if !ok {
			rt = fleet.Monitor
		}
		if rank(rt) > rank(route) {
			route, hint = rt, reasonHints[fleet.Reason(r)]
		}
	}
	return route, hint
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
	d := detail{Team: ts.Team, TeamChannel: ts.SlackChannel, URL: ts.URL}
	all := ts.Up
	for i := range ts.Jobs {
		js := &ts.Jobs[i]
		healthy := js.Healthy || !js.Expected
		all = all && healthy
		jk := fleet.JobRef{Namespace: ts.Namespace, Deployment: ts.Deployment, Job: js.Name}
		jd := d
		jd.JobID = js.ID
		jh := e.observe(jk, healthy, reasonStrings(js.Reasons), jd, now)
		jh.lastFailure = js.LastFailure
		e.unhealthy(jk, jh, now)
	}
	e.observe(fleet.JobRef{Namespace: ts.Namespace, Deployment: ts.Deployment}, all, nil, d, now)
}

func reasonStrings(rs []fleet.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func (e *engine) observe(jk fleet.JobRef, healthy bool, reasons []string, d detail, now time.Time) *jobHealth {
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
	jh.healthy, jh.reasons, jh.detail, jh.lastSeen = healthy, reasons, d, now
	if healthy {
		jh.lastHealthy = now
		jh.reasons = nil
	}
	return jh
}

// unhealthy opens an incident for a job that has been unhealthy for the
// health wait with nothing to explain it, and escalates an open one whose
// reasons became more urgent.
func (e *engine) unhealthy(jk fleet.JobRef, jh *jobHealth, now time.Time) {
	if jh.healthy {
		return
	}
	key := incident.Key{JobRef: fleet.JobRef{Namespace: jk.Namespace, Deployment: jk.Deployment, Job: jk.Job}, Category: CategoryUnhealthy}
	route, reason, hint := e.healthCause(jh)
	if inc := e.open[key]; inc != nil {
		inc.detail.Reason, inc.detail.Hint = reason, hint
		if rank(route) > rank(inc.route) {
			e.escalate(inc, route, now)
		}
		return
	}
	if now.Sub(jh.unhealthySince) < e.cfg.healthWait || e.explained(jk, jh) {
		return
	}
	d := jh.detail
	d.Source, d.Reason, d.Hint, d.Rule, d.FailureTime = fleet.SourceHealth, reason, hint, "health", jh.unhealthySince
	inc := &openIncident{key: key, route: route, health: true, detail: d, opened: jh.unhealthySince,
		lastFailure: jh.unhealthySince, total: 1, threads: map[string]string{}}
	e.occurrence(key, route, d, now)
	e.add(inc)
	e.push(inc, e.notification(inc, incident.Trigger, now), now)
}

// healthCause is the route, reason and hint of a health incident: by the
// job's reasons, or — when its last failure happened before flinkslo
// started and so was never sent — by that failure's classification, which
// is what the owner needs to act on.
func (e *engine) healthCause(jh *jobHealth) (fleet.Route, string, string) {
	reasons := strings.Join(jh.reasons, ", ")
	if lf := jh.lastFailure; lf != nil && lf.Time.Before(e.cfg.since) {
		return lf.Decision.Route, fmt.Sprintf("job unhealthy (%s) since before flinkslo started; last failure %s: %s",
			reasons, lf.Decision.Category, lf.Decision.Reason), lf.Decision.Hint
	}
	route, hint := routeFor(jh.reasons)
	return route, fmt.Sprintf("job unhealthy (%s) and no classified failure explains it", reasons), hint
}

// explained: an open failure incident of the job or its deployment, or a
// failure since the job was last seen healthy (give or take a group
// window), accounts for the outage — it was or will be notified on the
// failure's route, and a second message would only repeat it. A failure
// from before this process's lookback is not sent, so it explains nothing:
// a job already failed when flinkslo starts, with no incident open in the
// persisted state, is notified through its health.
func (e *engine) explained(jk fleet.JobRef, jh *jobHealth) bool {
	if e.failuresByJob[jk] > 0 || e.failuresByJob[fleet.JobRef{Namespace: jk.Namespace, Deployment: jk.Deployment}] > 0 {
		return true
	}
	lf := jh.lastFailure
	if lf == nil || lf.Time.Before(e.cfg.since) {
		return false
	}
	return jh.lastHealthy.IsZero() || !lf.Time.Before(jh.lastHealthy.Add(-e.cfg.groupWindow))
}
