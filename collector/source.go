package collector

import "github.com/flinkslo/flinkslo/classify"

// TargetSource yields the deployments to scrape. The loop asks every cycle,
// so targets appear and disappear as the source's view changes.
type TargetSource interface {
	Targets() []Target
}

// StaticSource is a fixed list of targets.
type StaticSource []Target

// Targets returns the list.
func (s StaticSource) Targets() []Target { return s }

// FailureReport is a failure seen outside the REST scrape: a pod
// terminated OOMKilled, an image that cannot be pulled, the operator's
// status.error. Job is empty when the failure concerns the deployment.
type FailureReport struct {
	Target Target
	Job    string
	Input  classify.Input
	// Fingerprint identifies the occurrence: the same fingerprint reported
	// twice is counted and routed once.
	Fingerprint string
}
