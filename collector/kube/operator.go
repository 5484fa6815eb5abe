package kube

import (
	"fmt"

	"github.com/flinkslo/flinkslo/fleet"
)

// opError tracks a resource's status.error so that each occurrence is one
// failure: the operator rewrites the status on every reconcile, and the
// informers re-deliver it on every resync.
type opError struct {
	text string
	// n counts occurrences: it grows when the error changes or comes back
	// after being cleared.
	n int
}

// signal is one failure found in a resource, pod or event, ready to report.
type signal struct {
	Input       fleet.Evidence
	Fingerprint string
}

// operatorErrorLocked returns the report of r's status.error, if it has
// one. The same occurrence keeps its fingerprint, so reporting it again on
// every update is counted once; that repetition is what recovers a report
// dropped while its target was not yet scraped.
func (d *Discoverer) operatorErrorLocked(r *resource) (signal, bool) {
	text := r.Operator.Error
	e := d.opErrors[r.key()]
	if text == "" {
		if e != nil {
			e.text = ""
		}
		return signal{}, false
	}
	if e == nil {
		e = &opError{}
		d.opErrors[r.key()] = e
	}
	if e.text != text {
		e.text = text
		e.n++
	}
	return signal{
		Input:       fleet.Evidence{Source: fleet.SourceOperator, OperatorError: text},
		Fingerprint: fmt.Sprintf("operator/%s/%d", r.UID, e.n),
	}, true
}
