package collector

import "github.com/flinkslo/flinkslo/fleet"

// TargetSource yields the deployments to scrape. The loop asks every cycle,
// so targets appear and disappear as the source's view changes.
type TargetSource interface {
	Targets() []fleet.Target
}

// StaticSource is a fixed list of targets.
type StaticSource []fleet.Target

// Targets returns the list.
func (s StaticSource) Targets() []fleet.Target { return s }
