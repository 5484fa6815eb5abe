package otlp

import (
	"fmt"
	"iter"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/flinkslo/flinkslo/fleet"
)

// seriesPerTarget is about how many series one deployment with a job
// has; parts of a snapshot are sized so that one fills about one request.
const seriesPerTarget = 40

// snapshotSource renders a store's latest snapshot a part at a time.
type snapshotSource struct {
	store        *fleet.Store
	newCollector func(*fleet.Store) prometheus.Collector
}

// WithSnapshot adds the series of store's latest snapshot, rendered by
// the collector newCollector returns for a store (collector.NewExporter,
// what /metrics serves). The snapshot is gathered a few hundred targets at
// a time, each part converted and sent before the next: gathering a
// 5,000-job fleet whole through a registry and the bridge would hold
// ~200k series at once and raise the resident memory by ~300 MB for each
// push.
func WithSnapshot(store *fleet.Store, newCollector func(*fleet.Store) prometheus.Collector) Option {
	return func(o *options) { o.snapshot = &snapshotSource{store: store, newCollector: newCollector} }
}

// parts yields the gatherers of one push: each of e.gatherers, then the
// snapshot's parts.
func (e *Exporter) parts() iter.Seq[prometheus.Gatherer] {
	return func(yield func(prometheus.Gatherer) bool) {
		for _, g := range e.gatherers {
			if !yield(g) {
				return
			}
		}
		if e.snapshot != nil {
			e.snapshot.parts(max(1, e.maxBatch/seriesPerTarget))(yield)
		}
	}
}

// parts yields a gatherer per n targets of the latest snapshot. Each
// renders a copy of the snapshot that holds only its targets (the rest of
// the snapshot is shared, never modified).
func (s *snapshotSource) parts(n int) iter.Seq[prometheus.Gatherer] {
	return func(yield func(prometheus.Gatherer) bool) {
		snap := s.store.Load()
		if snap == nil {
			return
		}
		for lo := 0; lo < len(snap.Targets); lo += n {
			part := *snap
			part.Targets = snap.Targets[lo:min(lo+n, len(snap.Targets))]
			store := fleet.NewStore()
			store.Publish(&part)
			reg := prometheus.NewRegistry()
			var g prometheus.Gatherer = reg
			if err := reg.Register(s.newCollector(store)); err != nil {
				g = failedGatherer{fmt.Errorf("register snapshot collector: %w", err)}
			}
			if !yield(g) {
				return
			}
		}
	}
}

// failedGatherer gathers nothing but its error.
type failedGatherer struct{ err error }

func (f failedGatherer) Gather() ([]*dto.MetricFamily, error) { return nil, f.err }
