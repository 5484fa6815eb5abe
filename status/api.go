package status

import (
	"encoding/json"
	"net/http"

	"github.com/flinkslo/flinkslo/fleet"
)

// writeJSON writes v as indented JSON; the API is for people with curl
// as much as for scripts.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

type apiError struct {
	Error string `json:"error"`
}

func notFound(w http.ResponseWriter, what string) {
	writeJSON(w, http.StatusNotFound, apiError{Error: what + " not found"})
}

func (h *Handler) fleetAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.view(true).fleet(filterOf(r.URL.Query())))
}

func (h *Handler) teamsAPI(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, h.view(true).teams())
}

func (h *Handler) teamAPI(w http.ResponseWriter, r *http.Request) {
	t, ok := h.view(true).team(unsegment(r.PathValue("team")))
	if !ok {
		notFound(w, "team")
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func refOf(r *http.Request) fleet.JobRef {
	return fleet.JobRef{Namespace: unsegment(r.PathValue("namespace")), Deployment: unsegment(r.PathValue("deployment")), Job: r.PathValue("job")}
}

func (h *Handler) jobAPI(w http.ResponseWriter, r *http.Request) {
	j, ok := h.view(false).job(refOf(r))
	if !ok {
		notFound(w, "job")
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func (h *Handler) incidentsAPI(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, h.view(false).incidentList())
}
