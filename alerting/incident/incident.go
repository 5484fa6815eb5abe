// Package incident holds what the alerting router hands to its sinks: the
// identity of an incident, the notifications about it and how a sink reports
// the outcome of a delivery. It has no behaviour of its own so that every
// sink (PagerDuty, Slack, Datadog, console) can depend on it without
// depending on the router.
package incident

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Key identifies an incident: one category of failure of one job of one
// deployment. It is built from names only (never from config or random ids)
// so that it is the same after an exporter restart or a leader failover, and
// it is what PagerDuty deduplicates on.
type Key struct {
	Namespace  string `json:"namespace"`
	Deployment string `json:"deployment"`
	// Job is empty for failures of the deployment itself (pods, operator).
	Job      string `json:"job"`
	Category string `json:"category"`
}

// String is namespace/deployment/job/category.
func (k Key) String() string {
	return k.Namespace + "/" + k.Deployment + "/" + k.Job + "/" + k.Category
}

// Target is namespace/deployment, or the deployment alone without a
// namespace, as people name it.
func (k Key) Target() string {
	if k.Namespace == "" {
		return k.Deployment
	}
	return k.Namespace + "/" + k.Deployment
}

// maxDedupKey is PagerDuty's limit on dedup_key.
const maxDedupKey = 255

// DedupKey is the PagerDuty dedup_key: readable when it fits PagerDuty's
// 255 characters, else a sha256 of the same text, which is just as stable.
func (k Key) DedupKey() string {
	s := "flinkslo/" + k.String()
	if len(s) <= maxDedupKey {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "flinkslo/sha256:" + hex.EncodeToString(sum[:])
}

// JobKey identifies the job an incident belongs to (Job empty: the
// deployment).
func (k Key) JobKey() JobKey {
	return JobKey{Namespace: k.Namespace, Deployment: k.Deployment, Job: k.Job}
}

// JobKey identifies a job, or with Job empty a deployment.
type JobKey struct {
	Namespace, Deployment, Job string
}

func (j JobKey) String() string {
	return strings.Join([]string{j.Namespace, j.Deployment, j.Job}, "/")
}
