package promexport

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/export"
	"github.com/flinkslo/flinkslo/fleet"
)

// Exporter is a prometheus.Collector over the latest snapshot. Collect
// never touches a JobManager: it renders what the background loop saw, so
// the series of a vanished target or job vanish with it. The same table
// (package export) also writes the text exposition directly (see
// Exposition), which is what /metrics serves: a fleet of thousands of jobs
// has ~200k series, too many to push through a registry's sorting and
// checks on every scrape. The Collector stays as the oracle the direct
// text is tested against.
type Exporter struct {
	store *fleet.Store
	table []*export.Family // README order
	fams  []*family        // by Family.Index
}

var _ prometheus.Collector = (*Exporter)(nil)

// NewExporter returns an exporter reading store.
func NewExporter(store *fleet.Store) *Exporter {
	table := export.Families()
	return &Exporter{store: store, table: table, fams: newFamilies(table)}
}

// Describe sends every descriptor.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range e.fams {
		ch <- f.desc
	}
}

// Collect renders the latest snapshot.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	if snap := e.store.Load(); snap != nil {
		e.emit(chanSink{ch: ch, fams: e.fams}, snap)
	}
}

// chanSink feeds client_golang.
type chanSink struct {
	ch   chan<- prometheus.Metric
	fams []*family
}

func (c chanSink) Add(f *export.Family, v float64, lv []string) {
	c.ch <- prometheus.MustNewConstMetric(c.fams[f.Index].desc, c.fams[f.Index].typ, v, lv...)
}

func (e *Exporter) emit(s export.Sink, snap *fleet.Snapshot) {
	export.Walk(export.NewOut(s), e.table, snap)
}

// Names lists the metric names the exporter can expose, sorted.
func (e *Exporter) Names() []string {
	out := make([]string, len(e.fams))
	for i, f := range e.fams {
		out[i] = f.Name
	}
	return out
}
