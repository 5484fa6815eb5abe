package promexport

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// documentedMetrics reads the README's metrics table: name → labels.
func documentedMetrics(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start, end := strings.Index(s, "<!-- metrics:begin -->"), strings.Index(s, "<!-- metrics:end -->")
	if start < 0 || end < start {
		t.Fatal("README has no metrics table markers")
	}
	row := regexp.MustCompile("^\\| `(flinkslo_[a-z_]+)` \\| (gauge|counter) \\| ([^|]*) \\|")
	out := map[string][]string{}
	for _, line := range strings.Split(s[start:end], "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var labels []string
		for _, l := range strings.Split(m[3], ",") {
			switch l = strings.TrimSpace(l); l {
			case "—", "":
			case "job labels":
				labels = append(labels, jobLabels...)
			default:
				labels = append(labels, l)
			}
		}
		slices.Sort(labels)
		out[m[1]] = labels
	}
	return out
}

// TestMetricsDocumented keeps the README's metrics reference and the
// exporter in step: every family is documented with its exact labels.
func TestMetricsDocumented(t *testing.T) {
	doc := documentedMetrics(t)
	for _, f := range newFamilies().all {
		labels, ok := doc[f.name]
		if !ok {
			t.Errorf("%s is exported but not in the README's metrics table", f.name)
			continue
		}
		want := slices.Sorted(slices.Values(f.labels))
		if !slices.Equal(labels, want) {
			t.Errorf("%s: README lists labels %v, the code has %v", f.name, labels, want)
		}
	}
}
