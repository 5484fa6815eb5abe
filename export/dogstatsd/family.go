package dogstatsd

import (
	"slices"

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
	// slot is the family's index among its level's families of its kind,
	// for the memo's per-family state.
	slot int
}

func newDogFamily(f *export.Family) *dogFamily {
	df := &dogFamily{Family: f, name: f.DogStatsD.Name, base: jobTags}
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
	// the current target's or job's memo and tags.
	m    *seriesMemo
	tags []string
}

var _ export.Sink = (*sender)(nil)

func (s *sender) Add(f *export.Family, v float64, lv []string) {
	df := s.fams.byIndex[f.Index]
	if df == nil {
		return
	}
	switch f.DogStatsD.Kind {
	case export.DogGauge:
		s.b.gauge(df.name, v, s.tagsOf(df, lv))
	case export.DogCount:
		s.count(df, v, lv)
	case export.DogPresence:
		s.present(df, v, lv)
	}
}

// tagsOf returns the level's tags plus df's further labels. The client
// may hold the slice: a new one whenever there is more than the level's.
func (s *sender) tagsOf(df *dogFamily, lv []string) []string {
	if len(df.extra) == 0 {
		return s.tags
	}
	t := make([]string, len(s.tags), len(s.tags)+len(df.extra))
	copy(t, s.tags)
	for n, i := range df.extra {
		t = append(t, tag(df.keys[n], lv[i]))
	}
	return t
}

// count sends the increase of a counter since the last snapshot sent. The
// first sight of a target or job sets every baseline and sends nothing:
// the increments before it are history Datadog never saw. A series new to
// a known target or job started from zero: all of it is new.
func (s *sender) count(df *dogFamily, v float64, lv []string) {
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
		s.b.count(df.name, n, s.tagsOf(df, lv))
	}
}

// present sends a series of value 1 and remembers it; end sends 0 for
// those of the last snapshot that are gone. The value 0 members of a
// state-set are not sent: Datadog graphs the state that is, not every
// state that is not.
func (s *sender) present(df *dogFamily, v float64, lv []string) {
	if v != 1 {
		return
	}
	value := lv[len(lv)-1]
	prev := &s.m.present[df.slot]
	var tags []string
	for i := range prev.last {
		if p := &prev.last[i]; p.value == value && p.gen == s.m.gen {
			tags = p.tags
			break
		}
	}
	if tags == nil {
		tags = s.tagsOf(df, lv)
	}
	prev.cur = append(prev.cur, sentGauge{value: value, tags: tags, gen: s.m.gen})
	s.b.gauge(df.name, 1, tags)
}

// end closes df's series for the current target or job.
func (s *sender) end(df *dogFamily) {
	if df.DogStatsD.Kind != export.DogPresence {
		return
	}
	p := &s.m.present[df.slot]
	for _, old := range p.last {
		if !slices.ContainsFunc(p.cur, func(c sentGauge) bool { return c.value == old.value && c.gen == old.gen }) {
			s.b.gauge(df.name, 0, old.tags)
		}
	}
	p.last, p.cur = p.cur, p.last[:0]
}

// sendTarget sends t's families.
func (s *sender) sendTarget(o *export.Out, t *fleet.TargetStatus, m *seriesMemo, tags []string) {
	s.m, s.tags = m, tags
	for _, f := range s.fams.target {
		f.Target(o, t)
		s.end(f)
	}
	m.first = false
}

// sendJob sends j's families.
func (s *sender) sendJob(o *export.Out, t *fleet.TargetStatus, j *fleet.JobStatus, m *seriesMemo, tags []string) {
	s.m, s.tags = m, tags
	for _, f := range s.fams.job {
		f.Job(o, t, j)
		s.end(f)
	}
	m.first = false
}
