package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flinkslo/flinkslo/rules"
)

const grafanaOverview = "grafana/flinkslo-overview.json"

type grafanaDashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string     `json:"name"`
			Type       string     `json:"type"`
			Query      any        `json:"query"`
			Datasource *grafanaDS `json:"datasource"`
			Multi      bool       `json:"multi"`
			IncludeAll bool       `json:"includeAll"`
			Definition string     `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaDS struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type grafanaPanel struct {
	ID         int                      `json:"id"`
	Type       string                   `json:"type"`
	Title      string                   `json:"title"`
	Datasource *grafanaDS               `json:"datasource"`
	GridPos    struct{ X, Y, W, H int } `json:"gridPos"`
	Targets    []struct {
		Expr       string     `json:"expr"`
		RefID      string     `json:"refId"`
		Datasource *grafanaDS `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

// knownPromMetrics is what Grafana may query: flinkslo's exported metrics
// and the names the shipped rules record.
func knownPromMetrics(t *testing.T) map[string]bool {
	t.Helper()
	f, err := rules.Build(rules.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, n := range append(slices.Clone(rules.ExportedMetrics), f.RecordNames()...) {
		known[n] = true
	}
	return known
}

var filterVars = []string{"$team", "$namespace", "$deployment"}

// checkGrafana lists what would break the dashboard for a user: a missing
// variable, a panel not bound to the chosen data source, a query of a
// metric flinkslo does not have, a job panel that ignores the filters.
func checkGrafana(b []byte, known map[string]bool) []string {
	var d grafanaDashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return []string{fmt.Sprintf("not a dashboard: %v", err)}
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if d.UID == "" || d.Title == "" || d.SchemaVersion == 0 {
		bad("uid, title and schemaVersion are required")
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		switch {
		case v.Name == "datasource" && (v.Type != "datasource" || v.Query != "prometheus"):
			bad("variable datasource must pick a prometheus data source")
		case v.Type == "query":
			if !v.Multi || !v.IncludeAll || v.Datasource == nil || v.Datasource.UID != "${datasource}" {
				bad("variable %s must be multi-value, include All and use ${datasource}", v.Name)
			}
			problems = append(problems, checkExpr("variable "+v.Name, labelValuesExpr(v.Definition), known, false)...)
		}
	}
	for _, want := range []string{"datasource", "team", "namespace", "deployment"} {
		if !vars[want] {
			bad("no template variable %s", want)
		}
	}
	ids := map[int]bool{}
	for _, p := range flatten(d.Panels) {
		if ids[p.ID] {
			bad("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			bad("panel %q: gridPos %+v outside the 24-column grid", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			bad("panel %q: needs targets and the ${datasource} data source", p.Title)
		}
		for _, tg := range p.Targets {
			if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
				bad("panel %q target %s: not on the ${datasource} data source", p.Title, tg.RefID)
			}
			problems = append(problems, checkExpr(fmt.Sprintf("panel %q", p.Title), tg.Expr, known, true)...)
		}
	}
	return problems
}

func checkExpr(where, expr string, known map[string]bool, filtered bool) []string {
	names, err := rules.MetricNames(expr)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", where, err)}
	}
	if len(names) == 0 {
		return []string{fmt.Sprintf("%s: %q queries no metric", where, expr)}
	}
	var problems []string
	for _, n := range names {
		if !known[n] {
			problems = append(problems, fmt.Sprintf("%s queries %s, which flinkslo neither exports nor records", where, n))
		}
		if filtered && (strings.HasPrefix(n, "flinkslo_job_") || strings.HasPrefix(n, "job:")) {
			for _, v := range filterVars {
				if !strings.Contains(expr, v) {
					problems = append(problems, fmt.Sprintf("%s ignores %s: %s", where, v, expr))
				}
			}
		}
	}
	return problems
}

func flatten(ps []grafanaPanel) []grafanaPanel {
	var out []grafanaPanel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flatten(p.Panels)...)
	}
	return out
}

// labelValuesExpr returns the selector of Grafana's label_values(expr, label).
func labelValuesExpr(def string) string {
	inner := strings.TrimSuffix(strings.TrimPrefix(def, "label_values("), ")")
	if i := strings.LastIndex(inner, ","); i >= 0 {
		return inner[:i]
	}
	return inner
}

func TestGrafanaOverview(t *testing.T) {
	b, err := Files.ReadFile(grafanaOverview)
	if err != nil {
		t.Fatal(err)
	}
	if problems := checkGrafana(b, knownPromMetrics(t)); len(problems) > 0 {
		t.Errorf("%s:\n%s", grafanaOverview, strings.Join(problems, "\n"))
	}
}

func TestCheckGrafanaCatchesMistakes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "grafana-broken.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(checkGrafana(b, knownPromMetrics(t)), "\n")
	for _, want := range []string{
		"no template variable deployment",
		"panel id 2 used twice",
		`panel "Typo" queries flinkslo_job_healthyy, which flinkslo neither exports nor records`,
		`panel "Unfiltered" ignores $team`,
		`panel "Wrong data source": needs targets and the ${datasource} data source`,
		"outside the 24-column grid",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("got problems:\n%s\nwant one containing %q", got, want)
		}
	}
}

var grafanaVar = regexp.MustCompile(`\$(__range|__rate_interval|__interval|team|namespace|deployment)\b`)

// Every expression must parse as PromQL: they go into a rule file for the
// real promtool, Grafana's variables replaced by what Grafana substitutes.
func TestGrafanaExprsParseWithPromtool(t *testing.T) {
	if testing.Short() {
		t.Skip("runs promtool; skipped with -short")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is required (make test-deps installs Debian's prometheus package): %v", err)
	}
	b, err := Files.ReadFile(grafanaOverview)
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	subst := map[string]string{"__range": "1d", "__rate_interval": "5m", "__interval": "1m"}
	var recs []rules.Rule
	add := func(name, expr string) {
		expr = grafanaVar.ReplaceAllStringFunc(expr, func(v string) string {
			if s, ok := subst[v[1:]]; ok {
				return s
			}
			return ".*"
		})
		recs = append(recs, rules.Rule{Record: name, Expr: expr})
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			add("grafana:variable_"+v.Name, labelValuesExpr(v.Definition))
		}
	}
	for _, p := range flatten(d.Panels) {
		for _, tg := range p.Targets {
			add(fmt.Sprintf("grafana:panel_%d_%s", p.ID, tg.RefID), tg.Expr)
		}
	}
	out, err := yaml.Marshal(rules.File{Groups: []rules.Group{{Name: "grafana", Rules: recs}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "grafana-exprs.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.CommandContext(t.Context(), promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules on the dashboard's %d expressions: %v\n%s", len(recs), err, msg)
	}
}
