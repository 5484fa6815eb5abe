package status

import (
	"html"
	"html/template"
	"strconv"
	"strings"
)

// gridHTML writes the fleet page's grid of every job. At 5,000 jobs the
// template's per-field escaping (a reflective call for each of twenty
// fields of each tile) was most of the page's time, so the grid is
// written here; every value goes through html.EscapeString, which is
// right for text and for double-quoted attributes alike.
func gridHTML(groups []group) template.HTML {
	var b strings.Builder
	b.Grow(len(groups)*200 + 260*countJobs(groups))
	esc := html.EscapeString
	for _, g := range groups {
		team := esc(g.Team)
		b.WriteString(`<section class="group" aria-label="`)
		b.WriteString(esc(teamName(g.Team)))
		b.WriteString(`"><h3><a href="/ui/teams/`)
		b.WriteString(esc(teamPath(g.Team)))
		b.WriteString(`">`)
		b.WriteString(esc(teamName(g.Team)))
		b.WriteString(`</a> <span class="count">`)
		b.WriteString(strconv.Itoa(len(g.Jobs)))
		b.WriteString("</span></h3>\n<ul class=\"grid\">")
		for i := range g.Jobs {
			j := &g.Jobs[i]
			reasons := esc(strings.Join(j.Reasons, " "))
			health := string(j.Health)
			b.WriteString(`<li class="tile `)
			b.WriteString(health)
			b.WriteString(`" data-team="`)
			b.WriteString(team)
			b.WriteString(`" data-ns="`)
			b.WriteString(esc(j.Namespace))
			b.WriteString(`" data-route="`)
			b.WriteString(esc(j.Route))
			b.WriteString(`" data-reasons="`)
			b.WriteString(reasons)
			b.WriteString(`" data-health="`)
			b.WriteString(health)
			b.WriteString(`" data-name="`)
			b.WriteString(esc(j.Namespace + "/" + j.Deployment + "/" + j.Job + " " + j.Team))
			b.WriteString(`">`)
			if j.Page != "" {
				b.WriteString(`<a href="`)
				b.WriteString(esc(j.Page))
				b.WriteString(`"`)
				if reasons != "" {
					b.WriteString(` title="`)
					b.WriteString(reasons)
					b.WriteString(`"`)
				}
				b.WriteString(`>`)
			} else {
				b.WriteString(`<span class="nolink" title="suspended, not scraped">`)
			}
			b.WriteString(`<span aria-hidden="true">`)
			b.WriteString(iconOf(j.Health))
			b.WriteString(`</span> `)
			b.WriteString(esc(j.Deployment))
			if j.Job != "" && j.Job != j.Deployment {
				b.WriteString(" / ")
				b.WriteString(esc(j.Job))
			}
			b.WriteString(`<span class="visually-hidden"> `)
			b.WriteString(health)
			b.WriteString(`</span>`)
			if j.Page != "" {
				b.WriteString(`</a>`)
			} else {
				b.WriteString(`</span>`)
			}
			b.WriteString("</li>")
		}
		b.WriteString("</ul>\n</section>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every value is escaped above
}

func countJobs(gs []group) int {
	n := 0
	for _, g := range gs {
		n += len(g.Jobs)
	}
	return n
}

func iconOf(h Health) string {
	switch h {
	case Healthy:
		return "✓"
	case Unhealthy:
		return "✗"
	}
	return "‖"
}
