package rules

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Every name of ExportedMetrics is a row of the README's metrics table:
// the table's families are generated there (export.TestMetricsTable), the
// self metrics are checked there against a running daemon (cmd/flinkslo),
// so a name in this list that no part exposes fails here.
func TestExportedMetricsDocumented(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start, end := strings.Index(s, "<!-- metrics:begin -->"), strings.Index(s, "<!-- metrics:end -->")
	if start < 0 || end < start {
		t.Fatal("README has no metrics table markers")
	}
	var doc []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(flinkslo_[a-z_]+)` \\|").FindAllStringSubmatch(s[start:end], -1) {
		doc = append(doc, m[1])
	}
	for _, n := range ExportedMetrics {
		if !slices.Contains(doc, n) {
			t.Errorf("%s is in ExportedMetrics but not in the README's metrics table", n)
		}
	}
	if dup := len(ExportedMetrics) - len(slices.Compact(slices.Sorted(slices.Values(ExportedMetrics)))); dup > 0 {
		t.Errorf("ExportedMetrics names %d metrics twice", dup)
	}
}
