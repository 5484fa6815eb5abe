package incident

import (
	"net/url"
	"strings"
)

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
	esc := url.PathEscape
	r := strings.NewReplacer(
		"{deployment}", esc(d.Deployment),
		"{namespace}", esc(d.Namespace),
		"{team}", esc(d.Team),
		"{job}", esc(d.Job),
		"{job_id}", esc(d.JobID),
		"{category}", esc(d.Category),
		"{route}", esc(d.Route),
		"{url}", strings.TrimSuffix(d.URL, "/"),
	)
	return r.Replace(tmpl)
}
