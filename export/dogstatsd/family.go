package dogstatsd

import (
	"slices"
	"strings"

	"github.com/flinkslo/flinkslo/export"
	"github.com/flinkslo/flinkslo/fleet"
)

// dogFamily is a table family the emitter sends, with what sending needs.
type dogFamily struct {
	*export.Family
	name string
	// base are the level's tag keys; extra the indexes (into the
	// family's labels) of the labels sent as further tags, keys their
	// names.
	base  []string
	extra []int
	keys  []string
	// dog are the table's DogStatsD-only tags, sent after those.
	dog []export.DogTag
	// slot is the family's index among its level's families of its kind,
	// for the memo's per-family state.
	slot int
}

func newDogFamily(f *export.Family) *dogFamily {
	df := &dogFamily{Family: f, name: f.DogStatsD.Name, base: jobTags, dog: f.DogStatsD.Tags}
	if f.Level == export.PerTarget {
		df.base = targetTags
	}
	for i, l := range f.Labels {
		if !slices.Contains(df.base, l) {
			df.extra = append(df.extra, i)
			df.keys = append(df.keys, l)
		}
	}
	return df
}

// families is the table's DogStatsD part.
type families struct {
	byIndex     []*dogFamily // by Family.Index; nil for a family not sent
	target, job []*dogFamily
	// plain and present count the slots each level's memo needs.
	plain, present [2]int
}

func newFamilies() *families {
	table := export.Families()
	fs := &families{byIndex: make([]*dogFamily, len(table))}
	for _, f := range table {
		if f.DogStatsD.Kind == export.NotSent {
			continue
		}
		df := newDogFamily(f)
		switch {
		case f.DogStatsD.Kind == export.DogCount && len(df.extra) == 0:
			df.slot = fs.plain[f.Level]
			fs.plain[f.Level]++
		case f.DogStatsD.Kind == export.DogPresence:
			df.slot = fs.present[f.Level]
			fs.present[f.Level]++
		}
		fs.byIndex[f.Index] = df
		if f.Level == export.PerTarget {
			fs.target = append(fs.target, df)
		} else {
			fs.job = append(fs.job, df)
		}
	}
	return fs
}

// sender is the export.Sink of a batch: it turns the table's series into
// gauges, counts and presence gauges for the target or job being sent.
type sender struct {
	b    *batch
	fams *families
	// the current target or job (nil for a target), its memo and tags.
	t    *fleet.TargetStatus
	j    *fleet.JobStatus
	m    *seriesMemo
	tags []string
	// dv holds the DogStatsD-only tag values of the series being sent.
	dv [export.MaxDogTags]string
}

var _ export.Sink = (*sender)(nil)

func (s *sender) Add(f *export.Family, v float64, lv []string) {
	df := s.fams.byIndex[f.Index]
	if df == nil {
		return
	}
	if f.DogStatsD.Kind == export.DogPresence && v != 1 {
		return // a presence family sends its 1s only: no tags to work out
	}
	dv := s.dogValues(df, lv)
	switch f.DogStatsD.Kind {
	case export.DogGauge:
		s.b.gauge(df.name, v, s.tagsOf(df, lv, dv))
	case export.DogCount:
		s.count(df, v, lv, dv)
	case export.DogPresence:
		s.present(df, lv, dv)
	}
}

// dogValues returns the values of df's DogStatsD-only tags for the series
// lv, in s's buffer.
func (s *sender) dogValues(df *dogFamily, lv []string) []string {
	dv := s.dv[:len(df.dog)]
	for i, d := range df.dog {
		dv[i] = d.Value(s.t, s.j, lv)
	}
	return dv
}

// tagsOf returns the level's tags plus df's further labels and its
// DogStatsD-only tags (values dv). The client may hold the slice: a new one
// whenever there is more than the level's.
func (s *sender) tagsOf(df *dogFamily, lv, dv []string) []string {
	if len(df.extra) == 0 && len(dv) == 0 {
		return s.tags
	}
	t := make([]string, len(s.tags), len(s.tags)+len(df.extra)+len(dv))
	copy(t, s.tags)
	for n, i := range df.extra {
		t = append(t, tag(df.keys[n], lv[i]))
	}
	for n, v := range dv {
		t = append(t, tag(df.dog[n].Key, v))
	}
	return t
}

// count sends the increase of a counter since the last snapshot sent. The
// first sight of a target or job sets every baseline and sends nothing:
// the increments before it are history Datadog never saw. A series new to
// a known target or job started from zero: all of it is new.
func (s *sender) count(df *dogFamily, v float64, lv, dv []string) {
	var c *counter
	if len(df.extra) == 0 {
		c = &s.m.plain[df.slot]
	} else {
		k := countKey{slot: df.Index}
		k.a = lv[df.extra[0]]
		if len(df.extra) > 1 {
			k.b = lv[df.extra[1]]
		}
		if c = s.m.counts[k]; c == nil {
			c = &counter{}
			s.m.counts[k] = c
		}
	}
	if !c.seen {
		c.seen = true
		if s.m.first {
			c.base = v
			return
		}
	}
	if n := c.delta(v); n > 0 {
		s.b.count(df.name, n, s.tagsOf(df, lv, dv))
	}
}

// present sends a series of value 1 and remembers it; end sends 0 for
// those of the last snapshot that are gone. The value 0 members of a
// state-set are not sent (Add drops them): Datadog graphs the state that
// is, not every state that is not. A series is its last label's value and
// its DogStatsD-only tags: one whose tag changed (explained:false to true)
// is gone, and ends with its 0 like any other.
func (s *sender) present(df *dogFamily, lv, dv []string) {
	g := sentGauge{value: lv[len(lv)-1], dog: dogKey(dv), gen: s.m.gen}
	prev := &s.m.present[df.slot]
	for i := range prev.last {
		if p := &prev.last[i]; p.same(g) {
			g.tags = p.tags
			break
		}
	}
	if g.tags == nil {
		g.tags = s.tagsOf(df, lv, dv)
	}
	prev.cur = append(prev.cur, g)
	s.b.gauge(df.name, 1, g.tags)
}

// dogKey is the identity of the DogStatsD-only tag values dv: one value
// is its own key, so the usual single tag costs no allocation.
func dogKey(dv []string) string {
	switch len(dv) {
	case 0:
		return ""
	case 1:
		return dv[0]
	}
	return strings.Join(dv, "\x00")
}

// end closes df's series for the current target or job.
func (s *sender) end(df *dogFamily) {
	if df.DogStatsD.Kind != export.DogPresence {
		return
	}
	p := &s.m.present[df.slot]
	for _, old := range p.last {
		if !slices.ContainsFunc(p.cur, old.same) {
			s.b.gauge(df.name, 0, old.tags)
		}
	}
	p.last, p.cur = p.cur, p.last[:0]
}

// sendTarget sends t's families.
func (s *sender) sendTarget(o *export.Out, t *fleet.TargetStatus, m *seriesMemo, tags []string) {
	s.t, s.j, s.m, s.tags = t, nil, m, tags
	for _, f := range s.fams.target {
		f.Target(o, t)
		s.end(f)
	}
	m.first = false
}

// sendJob sends j's families.
func (s *sender) sendJob(o *export.Out, t *fleet.TargetStatus, j *fleet.JobStatus, m *seriesMemo, tags []string) {
	s.t, s.j, s.m, s.tags = t, j, m, tags
	for _, f := range s.fams.job {
		f.Job(o, t, j)
		s.end(f)
	}
	m.first = false
}
