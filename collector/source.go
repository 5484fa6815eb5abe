package collector

import "github.com/flinkslo/flinkslo/fleet"

// TargetSource yields the deployments to scrape. The loop asks every cycle,
// so targets appear and disappear as the source's view changes.
type TargetSource interface {
	Targets() []fleet.Target
}

// FailureSource is a TargetSource that also sees failures outside the REST
// scrape (Kubernetes discovery: the operator's status, pods). The loop
// drains it every cycle, so that each report is classified with the target
// as that cycle scraped it; Reports returns what is new since the last call.
type FailureSource interface {
	Reports() []fleet.FailureReport
}

// StaticSource is a fixed list of targets.
type StaticSource []fleet.Target

// Targets returns the list.
func (s StaticSource) Targets() []fleet.Target { return s }
