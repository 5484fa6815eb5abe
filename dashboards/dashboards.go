// Package dashboards ships flinkslo's dashboards and monitors as the JSON
// files users import: a Grafana fleet overview and per-job drill-down over
// the Prometheus metrics and recording rules (grafana/), and Datadog dashboards and monitors over the
// DogStatsD metrics (datadog/). The package embeds them, so the binary can
// write them out, and names the Datadog metrics they query, so a test can
// hold them to what flinkslo's emitter sends.
//
// The files are the source: edit them, and `go test ./dashboards` checks
// that Grafana's PromQL parses (promtool), queries only flinkslo's metrics
// and recordings and counts each job once however many replicas of
// flinkslo export it, and that the Datadog JSON decodes into the
// official datadog-api-client models with no unknown fields.
package dashboards

import "embed"

// Files holds grafana/*.json, datadog/*.json and datadog/monitors/*.json.
//
//go:embed grafana/*.json datadog/*.json datadog/monitors/*.json
var Files embed.FS
