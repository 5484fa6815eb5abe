package status

import (
	"cmp"
	"slices"
	"time"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/history"
)

// find returns the target and job of ref in the snapshot.
func (v *view) find(ref fleet.JobRef) (*fleet.TargetStatus, *fleet.JobStatus) {
	for i := range v.snap.Targets {
		ts := &v.snap.Targets[i]
		if ts.Namespace != ref.Namespace || ts.Deployment != ref.Deployment {
			continue
		}
		for j := range ts.Jobs {
			if ts.Jobs[j].Name == ref.Job {
				return ts, &ts.Jobs[j]
			}
		}
	}
	return nil, nil
}

func (v *view) job(ref fleet.JobRef) (Job, bool) {
	ts, js := v.find(ref)
	if js == nil {
		return Job{}, false
	}
	j := Job{
		GeneratedAt: v.now, Cycle: v.cycle(), JobSummary: summarize(ts, js), ID: js.ID, Expected: js.Expected,
		StartTime: timePtr(js.StartTime), UptimeSeconds: js.Uptime.Seconds(), TasksTotal: js.TasksTotal, TasksRunning: js.TasksRunning,
		Checkpoints: Checkpoints{
			Enabled: js.CheckpointingEnabled, Progressing: js.CheckpointsProgressing,
			IntervalSeconds: js.CheckpointInterval.Seconds(), WindowSeconds: js.CheckpointWindow.Seconds(),
			LastCompleted: timePtr(js.LastCheckpoint), Completed: js.CheckpointsCompleted, Failed: js.CheckpointsFailed,
		},
		Restarts: js.Restarts, RestartsInWindow: js.RestartsInWindow,
		Target: Target{
			URL: ts.URL, Up: ts.Up, Error: ts.Error, FlinkVersion: ts.FlinkVersion, TaskManagers: ts.TaskManagers,
			Slots: ts.SlotsTotal, FreeSlots: ts.SlotsAvailable, Source: ts.Source,
		},
		LastFailure: failureOf(js.LastFailure),
		Incidents:   []Incident{},
	}
	if js.HasKafkaLag {
		j.Kafka = &Lag{Records: js.KafkaLagRecords}
		if js.KafkaLagSecondsKnown {
			s := js.KafkaLagSeconds
			j.Kafka.Seconds = &s
		}
	}
	if js.Verdict != nil && !js.Healthy && js.Expected {
		j.ExplainedBy = failureOf(js.Verdict.ExplainedBy)
		if js.Verdict.ExplainedBy == nil {
			d := decisionDoc(js.Verdict.Decision)
			j.Verdict = &d
		}
	}
	for k, n := range js.Failures {
		j.Failures = append(j.Failures, FailureCount{Route: string(k.Route), Category: k.Category, Count: n})
	}
	slices.SortFunc(j.Failures, func(a, b FailureCount) int {
		return cmp.Or(cmp.Compare(routeRank(a.Route), routeRank(b.Route)), cmp.Compare(a.Category, b.Category))
	})
	for _, inc := range v.incidents {
		if inc.Key.Namespace == ref.Namespace && inc.Key.Deployment == ref.Deployment && (inc.Key.Job == ref.Job || inc.Key.Job == "") {
			j.Incidents = append(j.Incidents, incidentOf(inc))
		}
	}
	sortIncidents(j.Incidents)
	j.Links = v.links(ts, js)
	if h := v.h.o.History; h != nil {
		j.Timeline = timelineOf(h.Timeline(ref))
		if j.Timeline != nil {
			var u history.Uptime
			for _, p := range j.Timeline.Points {
				u = u.Add(history.Uptime{Healthy: p.Healthy, Expected: p.Expected})
			}
			if r, ok := u.Ratio(); ok {
				j.SLO = &SLO{Ratio: r, HealthyCycles: u.Healthy, ExpectedCycles: u.Expected, From: j.Timeline.From, To: j.Timeline.To}
			}
		}
	}
	return j, true
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func decisionDoc(d fleet.Decision) Decision {
	return Decision{
		Route: string(d.Route), Category: d.Category, Reason: d.Reason, Hint: d.Hint, Rule: d.Rule,
		Escalated: d.Escalated, RuleRoute: string(d.RuleRoute), Occurrences: d.Occurrences,
		Root: d.Root, Message: d.Message, Culprit: d.Culprit, CulpritOwner: d.CulpritOwner,
	}
}

func failureOf(f *fleet.Failure) *Failure {
	if f == nil {
		return nil
	}
	return &Failure{
		Time: f.Time.UTC(), Source: string(f.Source), JobID: f.JobID, Exception: f.Exception, TaskName: f.TaskName,
		Excerpt: f.Excerpt, Decision: decisionDoc(f.Decision),
	}
}

// links renders the configured Flink UI and runbook templates for the
// job, as its notifications carry them.
func (v *view) links(ts *fleet.TargetStatus, js *fleet.JobStatus) []Link {
	d := incident.LinkData{
		Deployment: ts.Deployment, Namespace: ts.Namespace, Team: ts.Owner.Team, Job: js.Name, JobID: js.ID, URL: ts.URL,
	}
	if dec := decisionOf(js); dec != nil {
		d.Category, d.Route = dec.Category, string(dec.Route)
	} else if js.LastFailure != nil {
		d.Category, d.Route = js.LastFailure.Decision.Category, string(js.LastFailure.Decision.Route)
	}
	var out []Link
	if u := incident.RenderLink(v.h.o.Links.FlinkUI, d); u != "" {
		out = append(out, Link{Text: "Flink UI", URL: u})
	}
	if u := incident.RenderLink(v.h.o.Links.Runbook, d); u != "" {
		out = append(out, Link{Text: "Runbook", URL: u})
	}
	return out
}

func incidentOf(inc alerting.IncidentView) Incident {
	i := Incident{
		Key: inc.Key.String(), Namespace: inc.Key.Namespace, Deployment: inc.Key.Deployment, Job: inc.Key.Job,
		Category: inc.Key.Category, Team: inc.Owner.Team, Route: string(inc.Route), Open: inc.Open, Health: inc.Health,
		Opened: inc.Opened.UTC(), LastFailure: inc.LastFailure.UTC(), Resolved: timePtr(inc.Resolved), Total: inc.Total,
		Decision: decisionDoc(inc.Decision), Exception: inc.Exception, Excerpt: inc.Excerpt, Trail: []Notification{},
	}
	for _, r := range inc.PastRoutes {
		i.PastRoutes = append(i.PastRoutes, string(r))
	}
	if inc.Key.Job != "" {
		i.JobPage = "/ui/jobs/" + jobPath(inc.Key.JobRef)
	}
	for _, e := range inc.Trail {
		n := Notification{
			Action: string(e.Action), At: e.At.UTC(), Route: string(e.Route), EscalatedFrom: string(e.EscalatedFrom),
			Count: e.Count, Summary: e.Summary, Deliveries: []Delivery{},
		}
		for _, d := range e.Deliveries {
			n.Deliveries = append(n.Deliveries, Delivery{Destination: d.Destination, Result: d.Result, At: d.At.UTC()})
		}
		// Sinks finish in any order; a stable one reads better.
		slices.SortFunc(n.Deliveries, func(a, b Delivery) int { return cmp.Compare(a.Destination, b.Destination) })
		i.Trail = append(i.Trail, n)
	}
	slices.SortStableFunc(i.Trail, func(a, b Notification) int { return a.At.Compare(b.At) })
	return i
}

func timelineOf(pts []history.Point) *Timeline {
	if len(pts) == 0 {
		return nil
	}
	t := &Timeline{From: pts[0].From, To: pts[len(pts)-1].To, Points: make([]Point, len(pts))}
	for i, p := range pts {
		q := Point{
			From: p.From, To: p.To, Cycles: p.Cycles, Expected: p.Expected, Healthy: p.Healthy, State: string(p.State),
			Down: p.Down, Restarts: p.Restarts, Checkpoints: p.Checkpoints, CheckpointFailed: p.CheckpointFailed,
		}
		for _, r := range p.Reasons.List() {
			q.Reasons = append(q.Reasons, string(r))
		}
		if p.HasLag {
			lr := p.LagRecords
			q.LagRecords = &lr
		}
		if p.HasLagSeconds {
			ls := p.LagSeconds
			q.LagSeconds = &ls
		}
		t.Points[i] = q
	}
	return t
}
