// Package rules generates flinkslo's Prometheus rules: recording rules for
// the two SLIs (healthy job-time and checkpoint progress) per job, per team
// and fleet-wide; multi-window, multi-burn-rate alerts on the healthy-job SLO;
// and direct alerts on the states flinkslo reports (one per unhealthy reason,
// plus the exporter's own health). Every alert carries `route` and, where
// the series has one, `team`, so Alertmanager can route it the way flinkslo's
// own router routes classified failures.
//
// The checked-in rules/flinkslo-rules.yaml is Generate(DefaultOptions()).
package rules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Options tune the generated rules.
type Options struct {
	// Objective is the healthy-job SLO as a ratio: the share of expected
	// job-time that must be healthy over the SLO period (default 0.995).
	Objective float64
	// CheckpointObjective, when > 0, adds burn-rate alerts for the
	// checkpoint-progress SLO. Off by default: a stalled job is already
	// unhealthy, so both SLOs would page for the same incident.
	CheckpointObjective float64
	// ForScale multiplies every `for:` duration (default 1). End-to-end
	// tests use a small value so alerts fire within seconds.
	ForScale float64
	// RunbookURL is the base of every alert's runbook_url annotation; the
	// alert's name, lower-cased, is appended as the anchor.
	RunbookURL string
	// Health are the policy's health rules the symptom alerts mirror
	// (classify.Classifier.HealthRules); the built-in rules when nil.
	Health []classify.HealthRule
}

// DefaultRunbookURL points at the runbook shipped next to the rules.
const DefaultRunbookURL = "https://github.com/flinkslo/flinkslo/blob/main/rules/runbook.md"

// DefaultOptions returns the options of the checked-in rules file.
func DefaultOptions() Options {
	return Options{Objective: 0.995, ForScale: 1, RunbookURL: DefaultRunbookURL}
}

// withDefaults fills the zero fields, so Options{Objective: 0.999} works.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Objective == 0 {
		o.Objective = d.Objective
	}
	if o.ForScale == 0 {
		o.ForScale = d.ForScale
	}
	if o.RunbookURL == "" {
		o.RunbookURL = d.RunbookURL
	}
	if o.Health == nil {
		o.Health = defaultHealthRules()
	}
	return o
}

// Validate reports options that would produce rules that can never fire or
// never stop firing.
func (o Options) Validate() error {
	var errs []error
	if err := validateObjective("objective", o.Objective); err != nil {
		errs = append(errs, err)
	}
	if o.CheckpointObjective != 0 {
		if err := validateObjective("checkpoint objective", o.CheckpointObjective); err != nil {
			errs = append(errs, err)
		}
	}
	if o.ForScale < 0 {
		errs = append(errs, fmt.Errorf("for scale %v is negative", o.ForScale))
	}
	return errors.Join(errs...)
}

// validateObjective rejects objectives outside (0, 1) and those for which a
// burn tier's threshold, factor × (1 − objective), reaches 1: an error ratio
// cannot exceed 1, so that tier could never fire.
func validateObjective(name string, obj float64) error {
	if !(obj > 0 && obj < 1) {
		return fmt.Errorf("%s %v is not a ratio between 0 and 1 (exclusive)", name, obj)
	}
	for _, t := range burnTiers {
		if t.factor*(1-obj) >= 1 {
			return fmt.Errorf("%s %v leaves an error budget of %v: the %s burn alert (%v× over %s) could never fire; use an objective above %v",
				name, obj, formatFloat(1-obj), t.name, t.factor, t.long, formatFloat(1-1/t.factor))
		}
	}
	return nil
}

// ParseObjective reads an objective written as a percentage ("99.9" or
// "99.9%"), the way the `flinkslo rules --objective` flag takes it, and
// returns it as a ratio.
func ParseObjective(s string) (float64, error) {
	p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("parse objective %q: %w", s, err)
	}
	if !(p > 0 && p < 100) {
		return 0, fmt.Errorf("parse objective %q: a percentage must lie between 0 and 100 (exclusive)", s)
	}
	return p / 100, nil
}

// defaultHealthRules are the built-in policy's health rules.
func defaultHealthRules() []classify.HealthRule {
	c, err := classify.New(config.Classify{})
	if err != nil {
		// The embedded rules are checked by classify's own tests.
		panic("built-in classifier rules: " + err.Error())
	}
	return c.HealthRules()
}
