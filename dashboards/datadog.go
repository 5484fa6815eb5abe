package dashboards

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
)

// DatadogQueriedMetrics returns the metric names the shipped Datadog
// dashboards and monitors query, sorted, each once. It fails on a metric
// query in which it finds no metric name, so a query it cannot read is
// never silently left unchecked.
func DatadogQueriedMetrics() ([]string, error) {
	var names []string
	err := fs.WalkDir(Files, "datadog", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := Files.ReadFile(path)
		if err != nil {
			return err
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("decode %s: %w", path, err)
		}
		for _, q := range datadogMetricQueries(doc) {
			found := DatadogMetricNames(q)
			if len(found) == 0 {
				return fmt.Errorf("%s: no metric name in query %q", path, q)
			}
			names = append(names, found...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list queried Datadog metrics: %w", err)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// datadogMetricQueries finds the metric queries in a decoded dashboard or
// monitor: a monitor's query when it is a metric monitor, and in
// dashboards every `query` of a metrics data source and every legacy `q`.
func datadogMetricQueries(doc any) []string {
	if m, ok := doc.(map[string]any); ok {
		if typ, ok := m["type"].(string); ok && m["query"] != nil {
			if q, ok := m["query"].(string); ok && (typ == "query alert" || typ == "metric alert") {
				return []string{q}
			}
			return nil // other monitor types query no metric
		}
	}
	var qs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if q, ok := v["query"].(string); ok && v["data_source"] == "metrics" {
				qs = append(qs, q)
			}
			if q, ok := v["q"].(string); ok {
				qs = append(qs, q)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	return qs
}

// A metric in Datadog's query syntax is the dotted name right before its
// tag scope: `avg:flinkslo.job.healthy{$team} by {team}`. Group-by and
// template-variable braces follow a space or a keyword, never a name.
var datadogMetric = regexp.MustCompile(`([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+)\{`)

// DatadogMetricNames returns the metric names a Datadog metric query
// selects, in order of appearance, each once.
func DatadogMetricNames(query string) []string {
	var names []string
	for _, m := range datadogMetric.FindAllStringSubmatch(query, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	return names
}
