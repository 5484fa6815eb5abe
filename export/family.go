// Package export declares, once, every metric family flinkslo derives from
// the snapshot: its name, help, type, labels, the function that reads its
// series from a target or a job, and its DogStatsD name and kind. The
// /metrics renderer and its client_golang oracle (export/promexport), the
// DogStatsD emitter (export/dogstatsd), the README's metrics table and the
// rules' list of metrics all iterate this table, so a metric is named in
// one place, the way kube-state-metrics declares its families.
//
// The package imports only fleet: rules and dashboards may import it
// without pulling in an exporter.
package export

import (
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// Type is a family's Prometheus type.
type Type uint8

const (
	Gauge Type = iota
	Counter
)

func (t Type) String() string {
	if t == Counter {
		return "counter"
	}
	return "gauge"
}

// Level says what one call of a family's function covers.
type Level uint8

const (
	// PerTarget families read a TargetStatus; their first labels are
	// deployment and namespace.
	PerTarget Level = iota
	// PerJob families read a JobStatus; their first labels are JobLabels.
	PerJob
)

// TargetLabels and JobLabels lead the labels of every family of their level.
var (
	TargetLabels = []string{"deployment", "namespace"}
	JobLabels    = []string{"deployment", "namespace", "team", "job_name"}
)

// Kind is how a family is sent over DogStatsD.
type Kind uint8

const (
	// NotSent: the family is on /metrics only.
	NotSent Kind = iota
	// DogGauge sends each value as a gauge.
	DogGauge
	// DogCount sends a counter as a count of its increase since the last
	// snapshot sent; the first sight of a series sets its baseline.
	DogCount
	// DogPresence sends the series whose value is 1 as gauges, and a series
	// that was 1 and no longer is as 0 once, so a graph sees it end instead
	// of the last 1 lingering (reasons, the state of a state-set).
	DogPresence
)

// DogStatsD is a family's name and kind on the DogStatsD wire.
type DogStatsD struct {
	// Name is without the namespace prefix (datadog.namespace).
	Name string
	Kind Kind
	// Tags are sent after the family's labels, on DogStatsD only.
	Tags []DogTag
}

// DogTag is a tag only DogStatsD sends, read from the job rather than a
// label of its own: what a Datadog monitor must filter on and cannot
// compute from other series, since arithmetic between two grouped queries
// fails for a group that has no series on one side. /metrics has no need
// of it (PromQL joins the series), so the Prometheus series do not change.
//
// A tag is part of its series' identity: a presence series whose tag
// changes ends (its 0, under the old tag) and starts again under the new.
type DogTag struct {
	Key string
	// Value is the tag's value for the series with label values lv (in
	// the order of the family's Labels) of job j of t; j is nil for a
	// PerTarget family.
	Value func(t *fleet.TargetStatus, j *fleet.JobStatus, lv []string) string
}

// MaxDogTags bounds a family's DogStatsD-only tags, so that the emitter
// keeps their values in a fixed buffer.
const MaxDogTags = 2

// maxLabels bounds the labels of a family (target_info has five).
const maxLabels = 8

// Family is one metric family read from the snapshot.
type Family struct {
	Name string
	// Help is the HELP text; Doc is the README's shorter meaning.
	Help, Doc string
	Type      Type
	Level     Level
	// Labels are every label name, the level's first, in the order the
	// family's function gives the values.
	Labels    []string
	DogStatsD DogStatsD
	// Index is the family's position in name order, for consumers that
	// keep per-family state in a slice.
	Index int

	target func(o *Out, t *fleet.TargetStatus)
	job    func(o *Out, t *fleet.TargetStatus, j *fleet.JobStatus)
}

// Sink receives the series of families. lv holds the label values in the
// order of f.Labels; it is reused after Add returns.
type Sink interface {
	Add(f *Family, v float64, lv []string)
}

// Out hands a family's series to a sink. One Out serves a whole rendering:
// it owns the label buffer, so a series costs no allocation.
type Out struct {
	sink Sink
	now  time.Time
	f    *Family
	lv   [maxLabels]string
	n    int // values of the level's labels in lv
}

// NewOut returns an Out writing to s.
func NewOut(s Sink) *Out { return &Out{sink: s} }

// SetNow sets the time ages are measured at (a checkpoint's age).
func (o *Out) SetNow(t time.Time) { o.now = t }

// Now is the time ages are measured at.
func (o *Out) Now() time.Time { return o.now }

// Add sends one series: v with the level's label values and extra.
func (o *Out) Add(v float64, extra ...string) {
	n := o.n + copy(o.lv[o.n:], extra)
	o.sink.Add(o.f, v, o.lv[:n])
}

// StateSet sends 1 for cur and 0 for the other members of set; an unknown
// cur (a newer Flink or operator) is added. The state is the last label.
func (o *Out) StateSet(set []string, cur string) {
	known := false
	for _, v := range set {
		known = known || v == cur
		o.Add(b2f(v == cur), v)
	}
	if !known && cur != "" {
		o.Add(1, cur)
	}
}

// Target sends f's series for t; f must be PerTarget.
func (f *Family) Target(o *Out, t *fleet.TargetStatus) {
	o.f, o.lv[0], o.lv[1], o.n = f, t.Deployment, t.Namespace, 2
	f.target(o, t)
}

// Job sends f's series for j of t; f must be PerJob.
func (f *Family) Job(o *Out, t *fleet.TargetStatus, j *fleet.JobStatus) {
	o.f, o.n = f, 4
	o.lv[0], o.lv[1], o.lv[2], o.lv[3] = t.Deployment, t.Namespace, t.Team, j.Name
	f.job(o, t, j)
}

// Walk sends every series of snap: target by target, the target's
// families then each job's, so within a family the series keep the
// snapshot's order. Ages are measured at the end of the cycle. A suspended
// deployment has no JobManager and so no jobs to send.
func Walk(o *Out, fams []*Family, snap *fleet.Snapshot) {
	o.SetNow(snap.Finished)
	for i := range snap.Targets {
		t := &snap.Targets[i]
		for _, f := range fams {
			if f.Level == PerTarget {
				f.Target(o, t)
			}
		}
		if t.Suspended {
			continue
		}
		for k := range t.Jobs {
			for _, f := range fams {
				if f.Level == PerJob {
					f.Job(o, t, &t.Jobs[k])
				}
			}
		}
	}
}

// WalkFamily sends f's series of snap, in the snapshot's order, as Walk
// does for f alone: a renderer that writes one family at a time (the text
// exposition) needs no buffer for the others.
func WalkFamily(o *Out, f *Family, snap *fleet.Snapshot) {
	o.SetNow(snap.Finished)
	for i := range snap.Targets {
		t := &snap.Targets[i]
		switch {
		case f.Level == PerTarget:
			f.Target(o, t)
		case f.Level == PerJob && !t.Suspended:
			for k := range t.Jobs {
				f.Job(o, t, &t.Jobs[k])
			}
		}
	}
}

// Names lists the names of fams.
func Names(fams []*Family) []string {
	out := make([]string, len(fams))
	for i, f := range fams {
		out[i] = f.Name
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
