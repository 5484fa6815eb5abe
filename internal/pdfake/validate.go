package pdfake

import (
	"fmt"
	"time"
)

// routingKeyLen: PagerDuty integration keys are 32 characters.
const routingKeyLen = 32

// validate checks an event against the Events API v2 rules
// (developer.pagerduty.com, "Send an Alert Event"): the errors PagerDuty
// would answer 400 with.
func validate(e Event) []string {
	var errs []string
	if len(e.RoutingKey) != routingKeyLen {
		errs = append(errs, fmt.Sprintf("'routing_key' must be %d characters", routingKeyLen))
	}
	if len(e.DedupKey) > 255 {
		errs = append(errs, "'dedup_key' must be at most 255 characters")
	}
	switch e.Action {
	case "trigger":
		errs = append(errs, validatePayload(e.Payload)...)
	case "acknowledge", "resolve":
		if e.DedupKey == "" {
			errs = append(errs, "'dedup_key' is required for "+e.Action)
		}
	default:
		errs = append(errs, "'event_action' must be one of trigger, acknowledge, resolve")
	}
	for _, l := range e.Links {
		if l.Href == "" {
			errs = append(errs, "'links.href' is required")
		}
	}
	return errs
}

func validatePayload(p *Payload) []string {
	if p == nil {
		return []string{"'payload' is required for trigger"}
	}
	var errs []string
	if p.Summary == "" || len([]rune(p.Summary)) > 1024 {
		errs = append(errs, "'payload.summary' is required and at most 1024 characters")
	}
	if p.Source == "" {
		errs = append(errs, "'payload.source' is required")
	}
	switch p.Severity {
	case "critical", "error", "warning", "info":
	default:
		errs = append(errs, "'payload.severity' must be one of critical, error, warning, info")
	}
	if p.Timestamp != "" {
		if _, err := time.Parse(time.RFC3339Nano, p.Timestamp); err != nil {
			errs = append(errs, "'payload.timestamp' must be ISO 8601")
		}
	}
	return errs
}
