package config

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as a string such as "15s", "5m" or
// "3d" (Prometheus duration syntax, so "1h30m" and days work too).
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML accepts Prometheus-style duration strings.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalYAML writes the duration back in the same syntax.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// String formats the duration the way it is written in config files.
func (d Duration) String() string { return model.Duration(d).String() }

// ParseDuration parses "15s", "1m30s", "3d" and the like.
func ParseDuration(s string) (Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	v, err := model.ParseDuration(s)
	if err != nil {
		// Accept Go syntax such as "1.5s" as well, which model rejects.
		g, gerr := time.ParseDuration(s)
		if gerr != nil {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 15s, 5m, 1h, 3d", s)
		}
		return Duration(g), nil
	}
	return Duration(v), nil
}
