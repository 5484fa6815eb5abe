package dashboards

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"
	"github.com/google/go-cmp/cmp"

	"github.com/flinkslo/flinkslo/export/dogstatsd"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/rules"
)

// The strict decoder must catch what the client's Unmarshal lets through;
// otherwise the tests of the shipped files below could not fail.
func TestStrictDecodeCatchesMistakes(t *testing.T) {
	tests := []struct {
		file    string
		model   func() any
		problem string
	}{
		{"dd-dashboard-misspelt-key.json", func() any { return new(datadogV1.Dashboard) }, "unknown fields [titel]"},
		{"dd-dashboard-unknown-widget.json", func() any { return new(datadogV1.Dashboard) }, "unparsed object"},
		{"dd-dashboard-legacy-screenboard.json", func() any { return new(datadogV1.Dashboard) }, "unparsed object"},
		{"dd-monitor-misspelt-option.json", func() any { return new(datadogV1.Monitor) }, "unknown fields [notify_no_dat]"},
		{"dd-monitor-bad-type.json", func() any { return new(datadogV1.Monitor) }, "unparsed object"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(path.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got := decodeStrict(b, tt.model())
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tt.problem) }) {
				t.Errorf("got problems %q, want one containing %q", got, tt.problem)
			}
		})
	}
}

func embedded(t *testing.T, pattern string) map[string][]byte {
	t.Helper()
	names, err := fs.Glob(Files, pattern)
	if err != nil || len(names) == 0 {
		t.Fatalf("no files match %s: %v", pattern, err)
	}
	files := map[string][]byte{}
	for _, n := range names {
		if files[n], err = Files.ReadFile(n); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// The template variables each dashboard's job queries must honour, so that
// picking a team, namespace, deployment or job filters every job widget.
var jobQueryVars = map[string][]string{
	"datadog/fleet-overview.json": {"$team", "$namespace", "$deployment"},
	"datadog/job-drilldown.json":  {"$namespace", "$deployment", "$job_name"},
}

func TestDatadogDashboards(t *testing.T) {
	files := embedded(t, "datadog/*.json")
	if len(files) != len(jobQueryVars) {
		t.Errorf("got dashboards %v, want the ones of jobQueryVars", slices.Sorted(maps.Keys(files)))
	}
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			var d datadogV1.Dashboard
			if problems := decodeStrict(b, &d); len(problems) > 0 {
				t.Fatalf("does not decode cleanly into datadogV1.Dashboard:\n%s", strings.Join(problems, "\n"))
			}
			vars := map[string]bool{}
			for _, v := range d.TemplateVariables {
				vars["$"+v.Name] = true
			}
			for _, want := range jobQueryVars[name] {
				if !vars[want] {
					t.Errorf("no template variable %s; got %v", want, vars)
				}
			}
			var doc any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			for _, q := range datadogMetricQueries(doc) {
				if !strings.Contains(q, "flinkslo.job.") {
					continue
				}
				for _, v := range jobQueryVars[name] {
					if !strings.Contains(q, v) {
						t.Errorf("query %q ignores the template variable %s", q, v)
					}
				}
			}
		})
	}
}

var monitorThreshold = regexp.MustCompile(`(?:>=|<=|>|<|==|!=)\s*(-?[0-9.]+)\s*$`)

// Handles per route; the names are placeholders to adapt (see README).
var routeHandle = map[string]string{
	"page":    "@pagerduty-flinkslo-platform",
	"monitor": "@slack-flink-platform",
	"notify":  "@slack-flink-{{team.name}}",
}

func TestDatadogMonitors(t *testing.T) {
	for name, b := range embedded(t, "datadog/monitors/*.json") {
		t.Run(path.Base(name), func(t *testing.T) {
			var m datadogV1.Monitor
			if problems := decodeStrict(b, &m); len(problems) > 0 {
				t.Fatalf("does not decode cleanly into datadogV1.Monitor:\n%s", strings.Join(problems, "\n"))
			}
			if m.Type != datadogV1.MONITORTYPE_QUERY_ALERT {
				t.Errorf("got type %q, want %q", m.Type, datadogV1.MONITORTYPE_QUERY_ALERT)
			}
			// The API rejects a monitor whose query threshold differs from
			// options.thresholds.critical.
			sub := monitorThreshold.FindStringSubmatch(m.Query)
			if sub == nil {
				t.Fatalf("query %q ends in no comparison", m.Query)
			}
			threshold, _ := strconv.ParseFloat(sub[1], 64)
			switch c := m.GetOptions().Thresholds; {
			case c == nil || c.Critical == nil:
				t.Errorf("no options.thresholds.critical")
			case *c.Critical != threshold:
				t.Errorf("query threshold %v differs from options.thresholds.critical %v", threshold, *c.Critical)
			}
			route := tagValue(m.Tags, "route")
			handle, ok := routeHandle[route]
			if !ok {
				t.Fatalf("tag route:%s is not a route", route)
			}
			msg := m.GetMessage()
			if !strings.Contains(msg, handle) {
				t.Errorf("route %s, but the message does not notify %s:\n%s", route, handle, msg)
			}
			for r, h := range routeHandle {
				if r != route && strings.Contains(msg, h) {
					t.Errorf("route %s, but the message also notifies %s (route %s)", route, h, r)
				}
			}
			if !strings.Contains(msg, rules.DefaultRunbookURL+"#"+tagValue(m.Tags, "alert")) {
				t.Errorf("message does not link the runbook section of alert %s", tagValue(m.Tags, "alert"))
			}
		})
	}
}

// Every Prometheus alert has Datadog monitors with the same routes (one
// per policy rule of a symptom, and the escalated one where it pages after
// a while), except the ones that watch what only Prometheus sees.
func TestDatadogMonitorsMirrorPrometheusAlerts(t *testing.T) {
	f, err := rules.Build(rules.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	// alert[/tier] -> its routes
	prom := map[string][]string{}
	add := func(m map[string][]string, k, route string) {
		if !slices.Contains(m[k], route) {
			m[k] = append(m[k], route)
			slices.Sort(m[k])
		}
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				add(prom, strings.TrimSuffix(strings.ToLower(r.Alert)+"/"+r.Labels["tier"], "/"), r.Labels["route"])
			}
		}
	}
	dd := map[string][]string{}
	for _, b := range embedded(t, "datadog/monitors/*.json") {
		var m datadogV1.Monitor
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		add(dd, strings.TrimSuffix(tagValue(m.Tags, "alert")+"/"+tagValue(m.Tags, "tier"), "/"), tagValue(m.Tags, "route"))
	}
	// No Datadog metric for scrape errors; a stuck loop stops the emitter,
	// which the no-data monitor flinkslo-exporter-down catches. Only a
	// leader sends to Datadog, so no Datadog metric can say there is none.
	// FlinksloRouterDelivering only feeds Alertmanager's inhibition.
	promOnly := map[string]string{"flinkslotargetscrapeerrors": "monitor", "flinksloscrapeloopstalled": "page", "flinkslonoleader": "page", "flinkslorouterdelivering": ""}
	for k, v := range promOnly {
		add(dd, k, v)
	}
	if d := cmp.Diff(prom, dd); d != "" {
		t.Errorf("Datadog monitors and Prometheus alerts differ (-prometheus +datadog):\n%s", d)
	}
}

// reasonFilter matches the tag filters of the reason series in a query.
var reasonFilter = regexp.MustCompile(regexp.QuoteMeta(config.DefaultDatadogNamespace+".job.unhealthy_reason") + `\{([^}]*)\}`)

// The Datadog monitors yield as the Prometheus alerts do, from the one
// table (fleet.ExplainedBy): the monitor of a reason that another can
// explain counts only its series tagged explained:false, and says so; the
// others filter nothing on explained. Each explaining reason has a monitor
// of its own that does not yield, so a job is never left unheard: a stuck
// job with Kafka lag pages once, as stuck, and does not also notify its
// team that it lags.
func TestDatadogMonitorsYield(t *testing.T) {
	watched := map[fleet.Reason]bool{}
	for name, b := range embedded(t, "datadog/monitors/*.json") {
		var m datadogV1.Monitor
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, sub := range reasonFilter.FindAllStringSubmatch(m.Query, -1) {
			filter := strings.Split(sub[1], ",")
			for i := range filter {
				filter[i] = strings.TrimSpace(filter[i])
			}
			r := fleet.Reason(tagValue(filter, "reason"))
			if !r.Known() {
				t.Errorf("%s: %s filters no known reason", path.Base(name), sub[0])
				continue
			}
			by := fleet.ExplainedBy(r)
			want := ""
			if len(by) > 0 {
				want = "false"
			}
			if got := tagValue(filter, "explained"); got != want {
				t.Errorf("%s: reason %s is explained by %v: got the filter explained:%q, want explained:%q (empty: no filter) in %s", path.Base(name), r, by, got, want, sub[0])
			}
			for _, e := range by {
				if !strings.Contains(m.GetMessage(), string(e)) {
					t.Errorf("%s: the message does not say the monitor yields to %s", path.Base(name), e)
				}
			}
			if len(by) == 0 {
				watched[r] = true
			}
		}
	}
	for _, r := range fleet.Reasons {
		for _, e := range fleet.ExplainedBy(r) {
			if !watched[e] {
				t.Errorf("the monitor of %s yields to %s, which no monitor watches", r, e)
			}
		}
	}
}

// The emitter's own list (export/dogstatsd) is what flinkslo really
// sends; its tests check that list against the lines it writes.
func TestDatadogQueriesOnlySentMetrics(t *testing.T) {
	queried, err := DatadogQueriedMetrics()
	if err != nil {
		t.Fatal(err)
	}
	var sent, checks []string
	for _, m := range dogstatsd.Metrics(config.DefaultDatadogNamespace) {
		if m.Type == dogstatsd.ServiceCheck {
			checks = append(checks, m.Name)
		} else {
			sent = append(sent, m.Name)
		}
	}
	for _, m := range queried {
		if !slices.Contains(sent, m) {
			t.Errorf("a dashboard or monitor queries %s, which flinkslo does not send", m)
		}
	}
	// Each signal flinkslo sends is on a dashboard or behind a monitor.
	for _, m := range sent {
		if !slices.Contains(queried, m) {
			t.Errorf("flinkslo sends %s, but no dashboard or monitor shows it", m)
		}
	}
	for name, b := range embedded(t, "datadog/*.json") {
		var d datadogV1.Dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		for _, check := range serviceChecks(d.Widgets) {
			if !slices.Contains(checks, check) {
				t.Errorf("%s shows service check %s, which flinkslo does not send", name, check)
			}
		}
	}
}

func serviceChecks(ws []datadogV1.Widget) []string {
	var checks []string
	for _, w := range ws {
		if c := w.Definition.CheckStatusWidgetDefinition; c != nil {
			checks = append(checks, c.Check)
		}
		if g := w.Definition.GroupWidgetDefinition; g != nil {
			checks = append(checks, serviceChecks(g.Widgets)...)
		}
	}
	return checks
}

func tagValue(tags []string, key string) string {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t, key+":"); ok {
			return v
		}
	}
	return ""
}
