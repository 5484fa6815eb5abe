package console

import (
	"context"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// Describer is a real sink that can say what it would send.
type Describer interface {
	Accepts(incident.Action) bool
	Describe(incident.Notification) []incident.Field
}

// DryRun stands in for a real sink under --alerting.dry-run: it takes the
// same notifications, sends nothing, and prints what the sink would have
// sent, prefixed with DRY-RUN and the sink's name.
type DryRun struct {
	out  *Sink
	name string
	real Describer
}

// NewDryRun prints what real, named name, would send.
func NewDryRun(out *Sink, name string, real Describer) *DryRun {
	return &DryRun{out: out, name: name, real: real}
}

// Transient reports that a printed line is not worth resuming after a
// restart.
func (d *DryRun) Transient() bool { return true }

// Accepts what the real sink accepts.
func (d *DryRun) Accepts(a incident.Action) bool { return d.real.Accepts(a) }

// Send prints the line.
func (d *DryRun) Send(_ context.Context, n incident.Notification) (incident.Receipt, error) {
	fields := append([]incident.Field{{Key: "job", Value: n.Key.Job}, {Key: "category", Value: n.Key.Category}, {Key: "event", Value: string(n.Action)}},
		d.real.Describe(n)...)
	// Whoever reads a dry run checks who would hear what, and what they
	// would be told to do.
	fields = append(fields, incident.Field{Key: "team", Value: n.Team})
	if n.Hint != "" && n.Action != incident.Resolve {
		fields = append(fields, incident.Field{Key: "hint", Value: n.Hint})
	}
	return incident.Receipt{}, d.out.print(n, d.name, fields)
}
