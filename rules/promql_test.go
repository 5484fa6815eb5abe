package rules

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMetricNames(t *testing.T) {
	tests := []struct {
		name string
		expr string
		want []string
	}{
		{"bare selector", "flinkslo_job_healthy", []string{"flinkslo_job_healthy"}},
		{"matchers with strings that look like metrics", `flinkslo_job_unhealthy_reason{reason="not_running", job=~"a|b{c}"} == 1`,
			[]string{"flinkslo_job_unhealthy_reason"}},
		{"functions, ranges and numbers", "sum_over_time(flinkslo_job_healthy[5m]) / count_over_time(flinkslo_job_healthy[1h30m]) > 1e-3",
			[]string{"flinkslo_job_healthy"}},
		{"recording rule names and subqueries", "sum_over_time(job:flinkslo_job_healthy:sum5m[3d:30m])",
			[]string{"job:flinkslo_job_healthy:sum5m"}},
		{"aggregation with grouping before and after", "sum by (team, job) (a) / sum(b) without (instance)",
			[]string{"a", "b"}},
		{"vector matching", "a * on (deployment, namespace) group_left (team) b unless ignoring (kind) c > bool 0",
			[]string{"a", "b", "c"}},
		{"group_left without labels", "a / on (x) group_left b", []string{"a", "b"}},
		{"keywords in capitals", "a AND b OR c UNLESS d", []string{"a", "b", "c", "d"}},
		{"offset and at", "a offset 5m + b @ 1609746000 - c offset -1h", []string{"a", "b", "c"}},
		{"hex and exponent numbers", "a * 0x1F + 1.5e+3 - .5", []string{"a"}},
		{"string arguments", `label_replace(up2, "dst", "$1", "src", "(.*)") + count_values("state", s)`, []string{"s", "up2"}},
		{"grafana variables", `sum(increase(flinkslo_job_restarts_total{team=~"$team"}[$__rate_interval])) / $scale + ${factor}`,
			[]string{"flinkslo_job_restarts_total"}},
		{"comments", "a # b is commented out\n+ c", []string{"a", "c"}},
		{"scalar and vector literals only", "vector(0.995) * scalar(time())", nil},
		{"deduplicated and sorted", "z + a + z", []string{"a", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MetricNames(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("MetricNames(%q) (-want +got):\n%s", tt.expr, d)
			}
		})
	}
}

func TestMetricNamesErrors(t *testing.T) {
	tests := []struct {
		name string
		expr string
		want error
	}{
		{"unterminated string", `a{x="b}`, errUnterminated},
		{"unterminated matchers", `a{x="b"`, errUnterminated},
		{"unterminated range", `rate(a[5m)`, errUnterminated},
		{"unterminated grouping", `sum by (team a`, errUnterminated},
		{"selector by name", `{__name__="flinkslo_job_healthy"}`, errNameMatcher},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MetricNames(tt.expr)
			if !errors.Is(err, tt.want) {
				t.Errorf("MetricNames(%q) = %v, %v; want error %v", tt.expr, got, err, tt.want)
			}
		})
	}
}

// Every metric the shipped rules read is one flinkslo exports or one they
// record themselves; a typo would make a rule silently select nothing.
func TestRulesReadOnlyExportedOrRecordedMetrics(t *testing.T) {
	f, err := Build(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, n := range append(slices.Clone(ExportedMetrics), f.RecordNames()...) {
		known[n] = true
	}
	read := map[string]bool{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			names, err := MetricNames(r.Expr)
			if err != nil {
				t.Fatalf("rule %s%s: %v", r.Record, r.Alert, err)
			}
			for _, n := range names {
				read[n] = true
				if !known[n] {
					t.Errorf("rule %s%s reads %s, which flinkslo neither exports nor records", r.Record, r.Alert, n)
				}
			}
		}
	}
	for _, m := range []string{"flinkslo_job_healthy", "flinkslo_job_checkpoints_progressing", "flinkslo_job_unhealthy_reason",
		"flinkslo_target_up", "flinkslo_target_scrape_errors_total", "flinkslo_last_scrape_timestamp_seconds"} {
		if !read[m] {
			t.Errorf("no rule reads %s; got %v", m, read)
		}
	}
}

var identifier = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

func FuzzMetricNames(f *testing.F) {
	for _, s := range []string{
		"flinkslo_job_healthy", `a{b="c"}[5m]`, "sum by (team) (x) / on() group_left y", "1e+5 * 0x1f",
		`label_replace(a, "b", "$1", "c", "(.*)")`, "a # comment", "${x} + $y", `{__name__="a"}`, "`raw` + \"q\\\"\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		names, err := MetricNames(expr)
		if err != nil {
			return
		}
		if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
			t.Errorf("MetricNames(%q) = %q: not sorted and unique", expr, names)
		}
		for _, n := range names {
			if !identifier.MatchString(n) || !strings.Contains(expr, n) {
				t.Errorf("MetricNames(%q) returned %q, not an identifier of the input", expr, n)
			}
			if isKeyword(strings.ToLower(n)) {
				t.Errorf("MetricNames(%q) returned the keyword %q", expr, n)
			}
		}
	})
}
