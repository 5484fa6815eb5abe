package incident

import (
	"net/url"
	"strings"
)

// The texts of the links the router renders (routes.links), by which a
// sink that has a field of its own for each (Alertmanager's annotations)
// finds them.
const (
	LinkFlinkUI = "Flink UI"
	LinkRunbook = "Runbook"
)

// Link returns the URL of the link with text, or "".
func (n Notification) Link(text string) string {
	for _, l := range n.Links {
		if l.Text == text {
			return l.URL
		}
	}
	return ""
}

// LinkData is what a link template may refer to.
type LinkData struct {
	Deployment, Namespace, Team, Job, JobID, Category, Route, URL string
}

// RenderLink fills the placeholders {deployment} {namespace} {team} {job}
// {job_id} {category} {route} {url} of a configured URL template. Values are
// path-escaped so that a job name with spaces or slashes cannot change the
// URL's shape; {url}, the JobManager's own URL, is inserted as it is. An
// empty template gives an empty link, which sinks leave out.
func RenderLink(tmpl string, d LinkData) string {
	if tmpl == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(tmpl) + 32)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		tmpl = tmpl[i:]
		j := strings.IndexByte(tmpl, '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		if v, ok := placeholder(tmpl[1:j], d); ok {
			b.WriteString(v)
		} else {
			b.WriteString(tmpl[:j+1])
		}
		tmpl = tmpl[j+1:]
	}
}

func placeholder(name string, d LinkData) (string, bool) {
	esc := url.PathEscape
	switch name {
	case "deployment":
		return esc(d.Deployment), true
	case "namespace":
		return esc(d.Namespace), true
	case "team":
		return esc(d.Team), true
	case "job":
		return esc(d.Job), true
	case "job_id":
		return esc(d.JobID), true
	case "category":
		return esc(d.Category), true
	case "route":
		return esc(d.Route), true
	case "url":
		return strings.TrimSuffix(d.URL, "/"), true
	}
	return "", false
}
