package dashboards

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDatadogMetricNames(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"dashboard query with template variables and group-by", "avg:flinkslo.job.healthy{$team,$namespace} by {team}", []string{"flinkslo.job.healthy"}},
		{"monitor query with arithmetic", "avg(last_1h):1 - avg:flinkslo.job.healthy{*} > 0.072", []string{"flinkslo.job.healthy"}},
		{"count with as_count and rollup", "sum:flinkslo.job.restarts{deployment:a}.as_count().rollup(sum, 60)", []string{"flinkslo.job.restarts"}},
		{"two metrics, one repeated", "sum:a.b{*} / sum:c.d{x:y} + max:a.b{*}", []string{"a.b", "c.d"}},
		{"no tag scope is no metric", "avg(last_5m):foo.bar > 1", nil},
		{"group-by braces are not metrics", "max:flinkslo.job.state{*} by {state}", []string{"flinkslo.job.state"}},
		{"service check query", `"flinkslo.job.healthy".over("*").by("job").last(3).count_by_status()`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, DatadogMetricNames(tt.query)); d != "" {
				t.Errorf("DatadogMetricNames(%q) (-want +got):\n%s", tt.query, d)
			}
		})
	}
}

var dottedName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$`)

func FuzzDatadogMetricNames(f *testing.F) {
	for _, s := range []string{
		"avg:flinkslo.job.healthy{$team} by {team}", "avg(last_1h):1 - avg:a.b{*} > 0.072",
		"sum:a.b{*}.as_count()", "a.b.c{d.e{f}}", "{.}", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		names := DatadogMetricNames(q)
		if len(slices.Compact(slices.Clone(names))) != len(names) {
			t.Errorf("DatadogMetricNames(%q) = %q: repeats a name", q, names)
		}
		for _, n := range names {
			if !dottedName.MatchString(n) || !strings.Contains(q, n+"{") {
				t.Errorf("DatadogMetricNames(%q) returned %q, not a dotted name followed by a tag scope", q, n)
			}
		}
	})
}
