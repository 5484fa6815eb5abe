package status

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/history"
)

// Snapshots is where the latest scrape cycle is read (fleet.Store).
type Snapshots interface {
	Load() *fleet.Snapshot
}

// History is the per-job past (history.History).
type History interface {
	Timeline(fleet.JobRef) []history.Point
	Uptimes(func(fleet.JobRef, history.Uptime))
	Window() (from, to time.Time)
}

// Incidents is the router's view of its incidents (alerting.Router).
type Incidents interface {
	Incidents() []alerting.IncidentView
}

var (
	_ Snapshots = (*fleet.Store)(nil)
	_ History   = (*history.History)(nil)
	_ Incidents = (*alerting.Router)(nil)
)

// Links are the configured URL templates (alerting.flinkUIURLTemplate and
// alerting.runbookURLTemplate), rendered per job as notifications do.
type Links struct {
	FlinkUI, Runbook string
}

// Options configures the pages. Snapshots is required; without History
// there are no timelines and no SLO, without Incidents no incidents.
type Options struct {
	Snapshots Snapshots
	History   History
	Incidents Incidents
	Links     Links
	// Telemetry is the metrics path, linked from every page.
	Telemetry string
	// Refresh is how often the pages reload their data in the browser:
	// the scrape interval (default 15s).
	Refresh time.Duration
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Handler serves the pages, their assets and the API.
type Handler struct {
	o     Options
	mux   *http.ServeMux
	pages *pages
}

// New builds the handler; it reads nothing until a request comes.
func New(o Options) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Refresh <= 0 {
		o.Refresh = 15 * time.Second
	}
	if o.Telemetry == "" {
		o.Telemetry = "/metrics"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{o: o, mux: http.NewServeMux(), pages: newPages()}
	h.routes()
	return h
}

func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/", http.StatusFound)
	})
	m.HandleFunc("GET /ui/{$}", h.fleetPage)
	m.HandleFunc("GET /ui/teams/{team}", h.teamPage)
	m.HandleFunc("GET /ui/jobs/{namespace}/{deployment}/{job}", h.jobPage)
	m.HandleFunc("GET /ui/incidents", h.incidentsPage)
	m.Handle("GET /ui/assets/", assetHandler())
	m.HandleFunc("GET /api/v1/fleet", h.fleetAPI)
	m.HandleFunc("GET /api/v1/teams", h.teamsAPI)
	m.HandleFunc("GET /api/v1/teams/{team}", h.teamAPI)
	m.HandleFunc("GET /api/v1/jobs/{namespace}/{deployment}/{job}", h.jobAPI)
	m.HandleFunc("GET /api/v1/incidents", h.incidentsAPI)
}

// ServeHTTP serves /, /ui/… and /api/v1/…; the pages never change
// anything, so every other method is refused.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// segment is how a name appears in a path: "-" for the empty one.
func segment(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// unsegment reads a path segment back.
func unsegment(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
