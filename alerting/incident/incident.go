// Package incident holds what the alerting router hands to its sinks: the
// identity of an incident, the notifications about it and how a sink reports
// the outcome of a delivery (including what an HTTP receiver's answer
// means). It has no other behaviour, so that every sink (PagerDuty, Slack,
// Alertmanager, webhooks, Datadog, console) can depend on it without
// depending on the router.
package incident

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/flinkslo/flinkslo/fleet"
)

// Key identifies an incident: one category of failure of one job of one
// deployment. It is built from names only (never from config or random ids)
// so that it is the same after an exporter restart or a leader failover, and
// it is what PagerDuty deduplicates on.
type Key struct {
	fleet.JobRef
	Category string `json:"category"`
}

// String is namespace/deployment/job/category.
func (k Key) String() string { return k.JobRef.String() + "/" + k.Category }

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
