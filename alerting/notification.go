package alerting

import (
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// occurrence reports one failure, ungrouped, to the sinks that keep them.
func (e *engine) occurrence(key incident.Key, route fleet.Route, d detail, now time.Time) {
	inc := openIncident{key: key, route: route, detail: d, opened: d.FailureTime, total: 1}
	n := e.notification(&inc, incident.Occurrence, now)
	e.out = append(e.out, &n)
	e.outInc = append(e.outInc, nil)
}

// notification builds a notification about inc with its destination.
func (e *engine) notification(inc *openIncident, a incident.Action, now time.Time) incident.Notification {
	d := inc.detail
	n := incident.Notification{
		Key: inc.key, Action: a, Route: inc.route, PastRoutes: append([]fleet.Route(nil), inc.pastRoutes...),
		Decision: d.Decision, Team: d.Owner.Team, JobID: d.JobID, Source: d.Source,
		Exception: d.Exception, Excerpt: d.Excerpt, TaskName: d.TaskName, FailureTime: d.FailureTime,
		Count: 1, Total: inc.total, Opened: inc.opened, At: now,
	}
	if len(inc.threads) > 0 {
		n.Threads = make(map[string]string, len(inc.threads))
		for k, v := range inc.threads {
			n.Threads[k] = v
		}
	}
	if jh := e.jobs[inc.key.JobRef]; jh != nil && !jh.healthy {
		n.Health = reasonStrings(jh.reasons)
	}
	n.SlackChannel, n.Note = e.routes.channel(inc.route, d.Owner)
	n.Links = e.routes.links(n, d.URL)
	return n
}
