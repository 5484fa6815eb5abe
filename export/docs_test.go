package export

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's metrics table")

const (
	readme     = "../README.md"
	tableBegin = "<!-- metrics:begin -->"
	tableEnd   = "<!-- metrics:end -->"
	tableHead  = "| metric | type | labels | meaning |\n|---|---|---|---|\n"
)

// metricRow matches a row of the README's metrics table.
var metricRow = regexp.MustCompile("^\\| `(flinkslo_[a-z_]+)` \\| (gauge|counter) \\| ([^|]*) \\|")

// TestMetricsTable keeps the README's metrics reference generated from
// the table: a row per family with its type, labels and meaning. The rows
// of the process's own metrics (registered with client_golang by the scrape
// loop, the Kafka collector, alerting, the DogStatsD emitter, leader
// election) are kept as written, after the table's; cmd/flinkslo's
// TestEveryMetricDocumented checks them against a running daemon. After
// changing the table: go test ./export -run TestMetricsTable -update.
func TestMetricsTable(t *testing.T) {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start, end := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if start < 0 || end < start {
		t.Fatal("README has no metrics table markers")
	}
	old := doc[start+len(tableBegin) : end]
	want := "\n" + tableHead + tableRows(Families()) + otherRows(t, old, Families())
	if *update {
		doc = doc[:start+len(tableBegin)] + want + doc[end:]
		if err := os.WriteFile(readme, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if old != want {
		t.Errorf("the README's metrics table is not the table's (run go test ./export -run TestMetricsTable -update):\n%s", diffLines(old, want))
	}
}

// tableRows renders a README row per family.
func tableRows(fams []*Family) string {
	var b strings.Builder
	for _, f := range fams {
		labels := strings.Join(f.Labels, ", ")
		if f.Level == PerJob {
			labels = strings.Join(append([]string{"job labels"}, f.Labels[len(JobLabels):]...), ", ")
		}
		b.WriteString("| `" + f.Name + "` | " + f.Type.String() + " | " + labels + " | " + f.Doc + " |\n")
	}
	return b.String()
}

// tablePrefixes are the table's: a README row under one of them that
// names no family is a family renamed or removed, not a self metric.
var tablePrefixes = []string{"flinkslo_target_", "flinkslo_taskmanager_", "flinkslo_deployment_", "flinkslo_job_"}

// otherRows returns the rows of old naming no family of the table and
// under none of its prefixes.
func otherRows(t *testing.T, old string, fams []*Family) string {
	t.Helper()
	inTable := map[string]bool{}
	for _, f := range fams {
		inTable[f.Name] = true
		if !slices.ContainsFunc(tablePrefixes, func(p string) bool { return strings.HasPrefix(f.Name, p) }) {
			t.Errorf("family %s is under none of the table's prefixes %v", f.Name, tablePrefixes)
		}
	}
	var b strings.Builder
	for _, line := range strings.Split(old, "\n") {
		m := metricRow.FindStringSubmatch(line)
		if m == nil || inTable[m[1]] || slices.ContainsFunc(tablePrefixes, func(p string) bool { return strings.HasPrefix(m[1], p) }) {
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// diffLines lists the lines only in one of got and want.
func diffLines(got, want string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	mg, mw := in(got), in(want)
	var out []string
	for _, l := range strings.Split(got, "\n") {
		if !mw[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range strings.Split(want, "\n") {
		if !mg[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
