package dashboards

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/flinkslo/flinkslo/rules"
)

// grafanaSpec is what each Grafana dashboard must offer: its filter
// variables, which every job panel honours, and those a user picks one
// value of (a drill-down's job).
type grafanaSpec struct {
	file    string
	filters []string
	single  []string
}

var grafanaDashboards = []grafanaSpec{
	{"grafana/flinkslo-overview.json", []string{"team", "namespace", "deployment"}, nil},
	{"grafana/flinkslo-job.json", []string{"team", "namespace", "deployment", "job_name"}, []string{"deployment", "job_name"}},
}

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
// (rules.ExportedMetrics, and the README's metrics reference, which
// TestMetricsDocumented holds to what the exporter registers) and the
// names the shipped rules record.
func knownPromMetrics(t *testing.T) map[string]bool {
	t.Helper()
	f, err := rules.Build(rules.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, n := range slices.Concat(rules.ExportedMetrics, f.RecordNames(), documentedMetrics(t)) {
		known[n] = true
	}
	return known
}

var metricRow = regexp.MustCompile("(?m)^\\| `(flinkslo_[a-z0-9_]+)` \\|")

// documentedMetrics reads the metric names of the README's metrics table.
func documentedMetrics(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "<!-- metrics:begin -->")
	table, _, ok2 := strings.Cut(table, "<!-- metrics:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no metrics table between <!-- metrics:begin --> and <!-- metrics:end -->")
	}
	var names []string
	for _, m := range metricRow.FindAllStringSubmatch(table, -1) {
		names = append(names, m[1])
	}
	if len(names) < len(rules.ExportedMetrics) {
		t.Fatalf("read %d metrics from the README's table, fewer than rules.ExportedMetrics", len(names))
	}
	return names
}

// checkGrafana lists what would break the dashboard for a user: a missing
// variable, a panel not bound to the chosen data source, a query of a
// metric flinkslo does not have, a job panel that ignores the filters, a
// panel that counts the replicas of flinkslo as separate jobs.
func checkGrafana(b []byte, known map[string]bool, spec grafanaSpec) []string {
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
			single := slices.Contains(spec.single, v.Name)
			if v.Multi == single || v.IncludeAll == single || v.Datasource == nil || v.Datasource.UID != "${datasource}" {
				bad("variable %s must use ${datasource} and be %s", v.Name, map[bool]string{false: "multi-value including All", true: "single-value without All"}[single])
			}
			problems = append(problems, checkExpr("variable "+v.Name, labelValuesExpr(v.Definition), known, nil)...)
		}
	}
	for _, want := range append([]string{"datasource"}, spec.filters...) {
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
			problems = append(problems, checkExpr(fmt.Sprintf("panel %q", p.Title), tg.Expr, known, spec.filters)...)
		}
	}
	return problems
}

// checkExpr checks one query; filters are the variables a job panel must
// honour (none for a variable's own query).
func checkExpr(where, expr string, known map[string]bool, filters []string) []string {
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
		if strings.HasPrefix(n, "flinkslo_job_") || strings.HasPrefix(n, "job:") {
			for _, v := range filters {
				if !strings.Contains(expr, "$"+v) {
					problems = append(problems, fmt.Sprintf("%s ignores $%s: %s", where, v, expr))
				}
			}
		}
	}
	if filters != nil {
		for _, n := range undeduplicated(expr, names) {
			problems = append(problems, fmt.Sprintf("%s counts replicas of flinkslo twice: %s is not folded by max/min/avg without (instance, pod) first: %s", where, n, expr))
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

func TestGrafanaDashboards(t *testing.T) {
	known := knownPromMetrics(t)
	for _, spec := range grafanaDashboards {
		t.Run(spec.file, func(t *testing.T) {
			b, err := Files.ReadFile(spec.file)
			if err != nil {
				t.Fatal(err)
			}
			if problems := checkGrafana(b, known, spec); len(problems) > 0 {
				t.Errorf("%s:\n%s", spec.file, strings.Join(problems, "\n"))
			}
		})
	}
}

// Every shipped Grafana dashboard is checked, and each has its own uid
// (Grafana's sidecar would load only one of two with the same uid).
func TestEveryGrafanaDashboardChecked(t *testing.T) {
	files, err := fs.Glob(Files, "grafana/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var checked []string
	uids := map[string]string{}
	for _, spec := range grafanaDashboards {
		checked = append(checked, spec.file)
		b, err := Files.ReadFile(spec.file)
		if err != nil {
			t.Fatal(err)
		}
		var d grafanaDashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		if other, dup := uids[d.UID]; dup {
			t.Errorf("%s and %s share uid %q", other, spec.file, d.UID)
		}
		uids[d.UID] = spec.file
	}
	slices.Sort(checked)
	if !slices.Equal(files, checked) {
		t.Errorf("Grafana dashboards %v, checked %v: add each to grafanaDashboards", files, checked)
	}
}

func TestCheckGrafanaCatchesMistakes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "grafana-broken.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(checkGrafana(b, knownPromMetrics(t), grafanaDashboards[0]), "\n")
	for _, want := range []string{
		"no template variable deployment",
		"panel id 2 used twice",
		`panel "Typo" queries flinkslo_job_healthyy, which flinkslo neither exports nor records`,
		`panel "Unfiltered" ignores $team`,
		`panel "Unfiltered" counts replicas of flinkslo twice: flinkslo_job_healthy is not folded`,
		`panel "Summed per job" counts replicas of flinkslo twice: flinkslo_job_restarts_total`,
		`panel "Wrong data source": needs targets and the ${datasource} data source`,
		"outside the 24-column grid",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("got problems:\n%s\nwant one containing %q", got, want)
		}
	}
}

var grafanaVar = regexp.MustCompile(`\$(__range|__rate_interval|__interval|team|namespace|deployment|job_name)\b`)

// Every expression of every dashboard must parse as PromQL: they go into a rule file for the
// real promtool, Grafana's variables replaced by what Grafana substitutes.
func TestGrafanaExprsParseWithPromtool(t *testing.T) {
	if testing.Short() {
		t.Skip("runs promtool; skipped with -short")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is required (make test-deps installs Debian's prometheus package): %v", err)
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
	for i, spec := range grafanaDashboards {
		b, err := Files.ReadFile(spec.file)
		if err != nil {
			t.Fatal(err)
		}
		var d grafanaDashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		for _, v := range d.Templating.List {
			if v.Type == "query" {
				add(fmt.Sprintf("grafana:dashboard_%d_variable_%s", i, v.Name), labelValuesExpr(v.Definition))
			}
		}
		for _, p := range flatten(d.Panels) {
			for _, tg := range p.Targets {
				add(fmt.Sprintf("grafana:dashboard_%d_panel_%d_%s", i, p.ID, tg.RefID), tg.Expr)
			}
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
		t.Fatalf("promtool check rules on the dashboards' %d expressions: %v\n%s", len(recs), err, msg)
	}
}
