// Package status serves flinkslo's status pages and their JSON API: what
// is broken in the fleet, whose it is, who was told and what to do. Every
// page is rendered on the server from what flinkslo already holds — the
// latest snapshot, the per-job history and the router's incidents — read
// through interfaces this package defines; it is read-only and shows only
// redacted text (the classifier's excerpts and messages, the collector's
// one-line errors). The HTML is html/template with a little vanilla
// JavaScript for live filters and refresh; charts are inline SVG drawn
// here; assets are embedded, so it needs no network and no build step.
//
// Paths: /ui/ (the fleet), /ui/teams/{team}, /ui/jobs/{namespace}/
// {deployment}/{job}, /ui/incidents, and the same data as JSON under
// /api/v1/ (fleet, teams, teams/{team}, jobs/{namespace}/{deployment}/
// {job}, incidents). An empty namespace or team is written "-" in a path.
package status
