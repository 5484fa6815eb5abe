package status

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/history"
)

// view is what one request reads: the snapshot and incidents taken once,
// so that every part of a page agrees.
type view struct {
	h         *Handler
	now       time.Time
	snap      *fleet.Snapshot
	incidents []alerting.IncidentView
	uptimes   map[fleet.JobRef]history.Uptime
	window    *Window
}

func (h *Handler) view(withUptimes bool) *view {
	v := &view{h: h, now: h.o.Now().UTC(), snap: h.o.Snapshots.Load()}
	if v.snap == nil {
		v.snap = &fleet.Snapshot{}
	}
	if h.o.Incidents != nil {
		v.incidents = h.o.Incidents.Incidents()
	}
	if h.o.History != nil {
		if from, to := h.o.History.Window(); !from.IsZero() {
			v.window = &Window{From: from, To: to}
		}
		if withUptimes {
			v.uptimes = map[fleet.JobRef]history.Uptime{}
			h.o.History.Uptimes(func(r fleet.JobRef, u history.Uptime) { v.uptimes[r] = u })
		}
	}
	return v
}

func (v *view) cycle() *Cycle {
	if v.snap.Seq == 0 {
		return nil
	}
	return &Cycle{Seq: v.snap.Seq, Finished: v.snap.Finished.UTC()}
}

// jobPath is the path of a job under /ui/jobs/ or /api/v1/jobs/.
func jobPath(r fleet.JobRef) string {
	return url.PathEscape(segment(r.Namespace)) + "/" + url.PathEscape(segment(r.Deployment)) + "/" + url.PathEscape(r.Job)
}

func teamPath(team string) string { return url.PathEscape(segment(team)) }

func healthOf(js *fleet.JobStatus) Health {
	switch {
	case !js.Expected:
		return Suspended
	case js.Healthy:
		return Healthy
	}
	return Unhealthy
}

// decisionOf is who must act on an unhealthy job: the failure that
// explains it, else the verdict's own decision.
func decisionOf(js *fleet.JobStatus) *fleet.Decision {
	if js.Healthy || !js.Expected || js.Verdict == nil {
		return nil
	}
	if f := js.Verdict.ExplainedBy; f != nil {
		return &f.Decision
	}
	return &js.Verdict.Decision
}

func summarize(ts *fleet.TargetStatus, js *fleet.JobStatus) JobSummary {
	ref := ts.Job(js.Name)
	s := JobSummary{
		Namespace: ts.Namespace, Deployment: ts.Deployment, Job: js.Name, Team: ts.Owner.Team,
		Health: healthOf(js), State: string(js.State), Stale: js.Stale,
		Page: "/ui/jobs/" + jobPath(ref), API: "/api/v1/jobs/" + jobPath(ref),
	}
	for _, r := range js.Reasons {
		s.Reasons = append(s.Reasons, string(r))
	}
	if d := decisionOf(js); d != nil {
		s.Route, s.Category, s.Why = string(d.Route), d.Category, d.Reason
	}
	return s
}

// targetJobs summarizes the jobs of a target. A suspended deployment is
// not scraped, so it reports no job: it is shown as one suspended job,
// named as the target expects it (or not at all), without a page.
func targetJobs(ts *fleet.TargetStatus) []JobSummary {
	if len(ts.Jobs) == 0 && ts.Suspended {
		return []JobSummary{{Namespace: ts.Namespace, Deployment: ts.Deployment, Job: ts.JobName, Team: ts.Owner.Team, Health: Suspended}}
	}
	out := make([]JobSummary, len(ts.Jobs))
	for j := range ts.Jobs {
		out[j] = summarize(ts, &ts.Jobs[j])
	}
	return out
}

// matches reports whether the job passes f.
func (f Filter) matches(s *JobSummary) bool {
	switch {
	case f.Team != nil && *f.Team != s.Team,
		f.Namespace != nil && *f.Namespace != s.Namespace,
		f.Route != "" && f.Route != s.Route,
		f.Health != "" && f.Health != string(s.Health),
		f.Reason != "" && !slices.Contains(s.Reasons, f.Reason):
		return false
	}
	if f.Query == "" {
		return true
	}
	q := strings.ToLower(f.Query)
	for _, x := range []string{s.Namespace, s.Deployment, s.Job, s.Team} {
		if strings.Contains(strings.ToLower(x), q) {
			return true
		}
	}
	return false
}

// filterOf reads a filter from a query string.
func filterOf(q url.Values) Filter {
	f := Filter{Route: q.Get("route"), Reason: q.Get("reason"), Health: q.Get("health"), Query: strings.TrimSpace(q.Get("q"))}
	if q.Has("team") && q.Get("team") != "" {
		t := unsegment(q.Get("team"))
		f.Team = &t
	}
	if q.Has("namespace") && q.Get("namespace") != "" {
		n := unsegment(q.Get("namespace"))
		f.Namespace = &n
	}
	return f
}

// routeRank orders by urgency: page first, healthy last.
func routeRank(r string) int {
	switch fleet.Route(r) {
	case fleet.Page:
		return 0
	case fleet.Monitor:
		return 1
	case fleet.Notify:
		return 2
	}
	return 3
}

func healthRank(h Health) int {
	switch h {
	case Unhealthy:
		return 0
	case Healthy:
		return 1
	}
	return 2
}

// byUrgency sorts unhealthy jobs first, the most urgent route first,
// then by name.
func byUrgency(a, b JobSummary) int {
	return cmp.Or(
		cmp.Compare(healthRank(a.Health), healthRank(b.Health)),
		cmp.Compare(routeRank(a.Route), routeRank(b.Route)),
		cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Deployment, b.Deployment), cmp.Compare(a.Job, b.Job),
	)
}

func newTotals() Totals {
	t := Totals{UnhealthyByReason: map[string]int{}, OpenIncidents: map[string]int{}}
	for _, r := range fleet.Routes {
		t.OpenIncidents[string(r)] = 0
	}
	return t
}

func (t *Totals) add(s *JobSummary) {
	t.Jobs++
	switch s.Health {
	case Suspended:
		t.Suspended++
		return
	case Healthy:
		t.Healthy++
	case Unhealthy:
		t.Unhealthy++
		for _, r := range s.Reasons {
			t.UnhealthyByReason[r]++
		}
	}
	t.Expected++
}

// jobsOf summarizes every job that passes f and counts them, with their
// deployments.
func (v *view) jobsOf(f Filter) ([]JobSummary, Totals) {
	tot := newTotals()
	var out []JobSummary
	for i := range v.snap.Targets {
		ts := &v.snap.Targets[i]
		any := false
		for _, s := range targetJobs(ts) {
			if !f.matches(&s) {
				continue
			}
			any = true
			tot.add(&s)
			out = append(out, s)
		}
		if any || (len(ts.Jobs) == 0 && !ts.Suspended && f == Filter{Team: f.Team, Namespace: f.Namespace} && f.teamOK(ts.Owner.Team) && f.namespaceOK(ts.Namespace)) {
			tot.Deployments++
			if !ts.Up && !ts.Suspended {
				tot.TargetsDown++
			}
		}
	}
	for _, inc := range v.incidents {
		if inc.Open && f.teamOK(inc.Owner.Team) && f.namespaceOK(inc.Key.Namespace) {
			tot.OpenIncidents[string(inc.Route)]++
		}
	}
	return out, tot
}

func (f Filter) teamOK(t string) bool      { return f.Team == nil || *f.Team == t }
func (f Filter) namespaceOK(n string) bool { return f.Namespace == nil || *f.Namespace == n }

// teams summarizes every team of the snapshot, in name order.
func (v *view) teams() []TeamSummary {
	by := map[string]*TeamSummary{}
	slo := map[string]*SLO{}
	for i := range v.snap.Targets {
		ts := &v.snap.Targets[i]
		t := by[ts.Owner.Team]
		if t == nil {
			t = &TeamSummary{Team: ts.Owner.Team, Page: "/ui/teams/" + teamPath(ts.Owner.Team), API: "/api/v1/teams/" + teamPath(ts.Owner.Team)}
			by[t.Team] = t
		}
		if len(ts.Jobs) == 0 && ts.Suspended {
			t.Jobs++
			t.Suspended++
		}
		for j := range ts.Jobs {
			js := &ts.Jobs[j]
			t.Jobs++
			switch healthOf(js) {
			case Healthy:
				t.Healthy++
			case Unhealthy:
				t.Unhealthy++
			default:
				t.Suspended++
			}
			if u, ok := v.uptimes[ts.Job(js.Name)]; ok && u.Expected > 0 {
				s := slo[t.Team]
				if s == nil {
					s = &SLO{}
					slo[t.Team] = s
				}
				s.HealthyCycles += u.Healthy
				s.ExpectedCycles += u.Expected
			}
		}
	}
	for _, inc := range v.incidents {
		if t := by[inc.Owner.Team]; t != nil && inc.Open {
			t.OpenIncidents++
		}
	}
	out := make([]TeamSummary, 0, len(by))
	for name, t := range by {
		if s := slo[name]; s != nil && v.window != nil {
			s.Ratio = float64(s.HealthyCycles) / float64(s.ExpectedCycles)
			s.From, s.To = v.window.From, v.window.To
			t.SLO = s
		}
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b TeamSummary) int { return cmp.Compare(a.Team, b.Team) })
	return out
}

func (v *view) fleet(f Filter) Fleet {
	jobs, tot := v.jobsOf(f)
	slices.SortFunc(jobs, byUrgency)
	if jobs == nil {
		jobs = []JobSummary{}
	}
	return Fleet{GeneratedAt: v.now, Cycle: v.cycle(), Filter: f, Totals: tot, Teams: v.teams(), Jobs: jobs, Window: v.window}
}

func (v *view) team(name string) (Team, bool) {
	f := Filter{Team: &name}
	jobs, tot := v.jobsOf(f)
	var sum *TeamSummary
	for _, t := range v.teams() {
		if t.Team == name {
			sum = &t
			break
		}
	}
	var incs []Incident
	var notes []Notification
	for _, inc := range v.incidents {
		if inc.Owner.Team != name {
			continue
		}
		i := incidentOf(inc)
		incs = append(incs, i)
		for _, n := range i.Trail {
			n.Incident = i.Key
			notes = append(notes, n)
		}
	}
	if sum == nil && len(incs) == 0 {
		return Team{}, false
	}
	if sum == nil {
		sum = &TeamSummary{Team: name, Page: "/ui/teams/" + teamPath(name), API: "/api/v1/teams/" + teamPath(name)}
	}
	slices.SortFunc(jobs, byUrgency)
	sortIncidents(incs)
	slices.SortStableFunc(notes, func(a, b Notification) int { return b.At.Compare(a.At) })
	return Team{GeneratedAt: v.now, Cycle: v.cycle(), Summary: *sum, Totals: tot, Jobs: nonNil(jobs), Incidents: nonNil(incs), Notifications: nonNil(notes)}, true
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (v *view) incidentList() IncidentList {
	l := IncidentList{GeneratedAt: v.now, Open: []Incident{}, Resolved: []Incident{}}
	for _, inc := range v.incidents {
		if inc.Open {
			l.Open = append(l.Open, incidentOf(inc))
		} else {
			l.Resolved = append(l.Resolved, incidentOf(inc))
		}
	}
	sortIncidents(l.Open)
	sortIncidents(l.Resolved)
	return l
}

// sortIncidents orders by route, then newest first.
func sortIncidents(is []Incident) {
	slices.SortStableFunc(is, func(a, b Incident) int {
		return cmp.Or(cmp.Compare(routeRank(a.Route), routeRank(b.Route)), b.Opened.Compare(a.Opened), cmp.Compare(a.Key, b.Key))
	})
}
