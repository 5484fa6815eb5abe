package status

import (
	"bytes"
	"cmp"
	"embed"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the parsed templates, one set per page.
type pages struct {
	fleet, team, job, incidents, notFound *template.Template
}

func newPages() *pages {
	funcs := template.FuncMap{
		"utc": utc, "ratio": formatRatio, "count": formatCount, "seconds": formatSeconds,
		"reasonText": reasonText, "routeText": routeText, "teamName": teamName, "targetName": targetName,
		"seg":   segment,
		"join":  func(s []string) string { return strings.Join(s, " ") },
		"icon":  iconOf,
		"grid":  gridHTML,
		"chart": func(t *Timeline) template.HTML { return timelineSVG("tl", t) },
		"last": func(ns []Notification) *Notification {
			if len(ns) == 0 {
				return nil
			}
			return &ns[len(ns)-1]
		},
		"resultClass": func(r string) string {
			switch r {
			case "sent":
				return "ok"
			case "dry_run":
				return "dry"
			}
			return "bad"
		},
		"byRoute": func(is []Incident, route string) []Incident {
			var out []Incident
			for _, i := range is {
				if i.Route == route {
					out = append(out, i)
				}
			}
			return out
		},
		"rows": func(l []Incident, resolved bool) incidentRows { return incidentRows{List: l, Resolved: resolved} },
	}
	parse := func(page string) *template.Template {
		return template.Must(template.New(page).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+page+".html"))
	}
	notFound := template.Must(template.Must(template.New("notfound").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")).New("content").
		Parse(`<h1>Not found</h1><p>{{.Data}}</p><p><a href="/ui/">Back to the fleet</a></p>`))
	return &pages{fleet: parse("fleet"), team: parse("team"), job: parse("job"), incidents: parse("incidents"), notFound: notFound}
}

type incidentRows struct {
	List     []Incident
	Resolved bool
}

// page is what the layout needs besides the page's own data.
type page struct {
	Title, Nav, API string
	Telemetry       string
	Refresh         int
	Cycle           *Cycle
	Now             time.Time
	Data            any
}

// Ago is t relative to the page's time.
func (p page) Ago(t time.Time) string { return ago(p.Now, t) }

func (h *Handler) render(w http.ResponseWriter, t *template.Template, code int, p page) {
	p.Telemetry, p.Refresh = h.o.Telemetry, int(h.o.Refresh.Seconds())
	var b bytes.Buffer
	b.Grow(64 << 10)
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		h.o.Logger.Error("status page not rendered", "page", p.Nav, "err", err)
		http.Error(w, "page not rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

// fleetPage is the fleet page's data.
type fleetPage struct {
	Fleet
	Sel          selection
	Unhealthy    []JobSummary
	Groups       []group
	Namespaces   []string
	Routes       []string
	Reasons      []string
	Healths      []string
	ReasonCounts []keyCount
	// Complete: every job is on the page (no filter), so the browser can
	// filter it without asking again.
	Complete bool
}

// selection is the filter as the form shows it.
type selection struct{ Team, Namespace, Route, Reason, Health, Q string }

type group struct {
	Team string
	Jobs []JobSummary
}

type keyCount struct {
	Key string
	N   int
}

func routes() []string {
	out := make([]string, len(fleet.Routes))
	for i, r := range fleet.Routes {
		out[i] = string(r)
	}
	return out
}

func (h *Handler) fleetPage(w http.ResponseWriter, r *http.Request) {
	v := h.view(true)
	q := r.URL.Query()
	f := filterOf(q)
	doc := v.fleet(f)
	p := fleetPage{
		Fleet: doc, Routes: routes(), Healths: []string{string(Healthy), string(Unhealthy), string(Suspended)},
		Sel:      selection{Team: q.Get("team"), Namespace: q.Get("namespace"), Route: f.Route, Reason: f.Reason, Health: f.Health, Q: f.Query},
		Complete: f == Filter{},
	}
	for _, rs := range fleet.Reasons {
		p.Reasons = append(p.Reasons, string(rs))
	}
	for k, n := range doc.Totals.UnhealthyByReason {
		p.ReasonCounts = append(p.ReasonCounts, keyCount{k, n})
	}
	slices.SortFunc(p.ReasonCounts, func(a, b keyCount) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Key, b.Key)) })
	ns := map[string]bool{}
	for i := range v.snap.Targets {
		ns[v.snap.Targets[i].Namespace] = true
	}
	for n := range ns {
		p.Namespaces = append(p.Namespaces, n)
	}
	slices.Sort(p.Namespaces)
	byTeam := map[string][]JobSummary{}
	for _, j := range doc.Jobs {
		if j.Health == Unhealthy {
			p.Unhealthy = append(p.Unhealthy, j)
		}
		byTeam[j.Team] = append(byTeam[j.Team], j)
	}
	for team, jobs := range byTeam {
		slices.SortFunc(jobs, func(a, b JobSummary) int {
			return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Deployment, b.Deployment), cmp.Compare(a.Job, b.Job))
		})
		p.Groups = append(p.Groups, group{Team: team, Jobs: jobs})
	}
	slices.SortFunc(p.Groups, func(a, b group) int { return cmp.Compare(a.Team, b.Team) })
	api := "/api/v1/fleet"
	if r.URL.RawQuery != "" {
		api += "?" + r.URL.RawQuery
	}
	h.render(w, h.pages.fleet, http.StatusOK, page{Title: "Fleet", Nav: "fleet", API: api, Cycle: doc.Cycle, Now: v.now, Data: p})
}

func (h *Handler) teamPage(w http.ResponseWriter, r *http.Request) {
	v := h.view(true)
	name := unsegment(r.PathValue("team"))
	t, ok := v.team(name)
	if !ok {
		h.notFoundPage(w, v, "No team "+teamName(name)+" in this cycle.")
		return
	}
	h.render(w, h.pages.team, http.StatusOK, page{Title: "Team " + teamName(name), Nav: "team", API: "/api/v1/teams/" + teamPath(name), Cycle: t.Cycle, Now: v.now, Data: t})
}

func (h *Handler) jobPage(w http.ResponseWriter, r *http.Request) {
	v := h.view(false)
	ref := refOf(r)
	j, ok := v.job(ref)
	if !ok {
		h.notFoundPage(w, v, "No job "+ref.String()+" in this cycle.")
		return
	}
	h.render(w, h.pages.job, http.StatusOK, page{Title: ref.Job + " · " + ref.Target(), Nav: "job", API: "/api/v1/jobs/" + jobPath(ref), Cycle: j.Cycle, Now: v.now, Data: j})
}

// incidentsPage is the open and resolved incidents by route.
type incidentsPage struct {
	IncidentList
	Routes []string
}

func (h *Handler) incidentsPage(w http.ResponseWriter, _ *http.Request) {
	v := h.view(false)
	h.render(w, h.pages.incidents, http.StatusOK, page{Title: "Incidents", Nav: "incidents", API: "/api/v1/incidents", Cycle: v.cycle(), Now: v.now,
		Data: incidentsPage{IncidentList: v.incidentList(), Routes: routes()}})
}

// notFoundPage is the fleet page's frame with a message, so that the way
// back is one click.
func (h *Handler) notFoundPage(w http.ResponseWriter, v *view, msg string) {
	h.render(w, h.pages.notFound, http.StatusNotFound, page{Title: "Not found", Nav: "none", API: "/api/v1/fleet", Cycle: v.cycle(), Now: v.now, Data: msg})
}
