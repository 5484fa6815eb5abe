package kafka

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// measure turns one cycle's input into group views and advances the
// evaluation state. Groups, partitions and topics not seen this cycle are
// forgotten, so their series vanish.
func (p *poller) measure(in *input) map[string]*GroupLag {
	p.updateTables(in)
	out := make(map[string]*GroupLag, len(in.commits))
	for g, r := range in.commits {
		out[g] = p.measureGroup(g, r, in)
	}
	for g := range p.parts {
		if _, ok := out[g]; !ok {
			delete(p.parts, g)
			delete(p.status, g)
		}
	}
	return out
}

// updateTables adds this cycle's end offsets to the offset→time tables and
// drops the tables of topics no group commits to any more.
func (p *poller) updateTables(in *input) {
	for t := range p.tables {
		if _, ok := in.ends[t]; !ok || topicDeleted(in.ends, t) {
			delete(p.tables, t)
		}
	}
	for t, ps := range in.ends {
		if topicDeleted(in.ends, t) {
			continue
		}
		if p.tables[t] == nil {
			p.tables[t] = map[int32]*timeTable{}
		}
		for part, lo := range ps {
			if part < 0 || lo.Err != nil || lo.Offset < 0 {
				continue
			}
			tt := p.tables[t][part]
			if tt == nil {
				tt = &timeTable{}
				p.tables[t][part] = tt
			}
			tt.add(lo.Offset, in.at)
		}
	}
	var n int
	for _, ps := range p.tables {
		n += len(ps)
	}
	p.tableCount.Store(int64(n))
}

// topicDeleted: the listing answered that the topic does not exist.
func topicDeleted(ends kadm.ListedOffsets, topic string) bool {
	lo, ok := ends.Lookup(topic, -1)
	return ok && errors.Is(lo.Err, kerr.UnknownTopicOrPartition)
}

func (p *poller) measureGroup(g string, r kadm.FetchOffsetsResponse, in *input) *GroupLag {
	states := p.parts[g]
	if states == nil {
		states = map[tp]*partState{}
		p.parts[g] = states
	}
	byTopic := make(map[string][]PartitionLag, len(r.Fetched))
	seen := make(map[tp]bool, len(states))
	if groupFetchFailed(r, true) {
		for key, st := range states {
			byTopic[key.topic] = append(byTopic[key.topic], p.carry(key, st, in.at))
			seen[key] = true
		}
	} else {
		r.Fetched.Each(func(o kadm.OffsetResponse) {
			key := tp{o.Topic, o.Partition}
			if pl, ok := p.measurePartition(key, o, states, in); ok {
				byTopic[key.topic] = append(byTopic[key.topic], pl)
				seen[key] = true
			}
		})
		addUncommitted(byTopic, seen, in.ends)
	}
	for key := range states {
		if !seen[key] {
			delete(states, key)
		}
	}
	gl := assemble(p.name, g, in.at, byTopic)
	p.setStatus(gl)
	return gl
}

// measurePartition measures one committed partition; ok is false for a
// partition of a deleted topic, which is dropped.
func (p *poller) measurePartition(key tp, o kadm.OffsetResponse, states map[tp]*partState, in *input) (PartitionLag, bool) {
	if topicDeleted(in.ends, key.topic) {
		return PartitionLag{}, false
	}
	if o.Err == nil && o.At < 0 {
		return PartitionLag{Partition: key.partition, State: PartitionUncommitted, Committed: -1, End: -1, Status: StatusUnknown}, true
	}
	end, ok := in.ends.Lookup(key.topic, key.partition)
	if o.Err != nil || !ok || end.Err != nil || end.Offset < 0 {
		return p.carry(key, states[key], in.at), true
	}
	st := states[key]
	if st == nil {
		st = &partState{}
		states[key] = st
	}
	st.observe(in.at, o.At, end.Offset, p.set.window)
	est := p.timeLag(key, o.At, end.Offset, in)
	pl := PartitionLag{
		Partition: key.partition, State: PartitionMeasured,
		Committed: o.At, End: end.Offset, Records: max(0, end.Offset-o.At),
		Seconds: est.seconds, SecondsError: est.errBound, SecondsKnown: est.known, SecondsCapped: est.capped,
		Status: st.status(in.at, p.set.window),
	}
	st.last, st.lastAt = pl, in.at
	return pl, true
}

// carry reports a partition that could not be read: its last measurement
// while younger than staleCycles poll intervals, otherwise unmeasured.
func (p *poller) carry(key tp, st *partState, now time.Time) PartitionLag {
	if st != nil && !st.lastAt.IsZero() && now.Sub(st.lastAt) <= p.set.staleAfter() {
		pl := st.last
		pl.State = PartitionStale
		return pl
	}
	return PartitionLag{Partition: key.partition, State: PartitionUnmeasured, Committed: -1, End: -1, Status: StatusUnknown}
}

// timeLag prefers the timestamp of the record at the committed offset
// (timeLag: record) and falls back to the offset→time table.
func (p *poller) timeLag(key tp, committed, end int64, in *input) estimate {
	if committed >= end {
		return estimate{known: true}
	}
	if bt, ok := in.records[tpOffset{key, committed}]; ok {
		return estimate{seconds: max(0, in.at.Sub(bt.at).Seconds()), errBound: bt.span.Seconds(), known: true}
	}
	if tt := p.tables[key.topic][key.partition]; tt != nil {
		return tt.lookup(committed, in.at, p.set.window)
	}
	return estimate{}
}

// addUncommitted lists the partitions of each committed topic that the
// group never committed.
func addUncommitted(byTopic map[string][]PartitionLag, seen map[tp]bool, ends kadm.ListedOffsets) {
	for t := range byTopic {
		for part := range ends[t] {
			if part >= 0 && !seen[tp{t, part}] {
				byTopic[t] = append(byTopic[t], PartitionLag{Partition: part, State: PartitionUncommitted, Committed: -1, End: -1, Status: StatusUnknown})
			}
		}
	}
}

// setStatus sets the group's status to its worst partition's and keeps
// StatusSince across cycles while the status holds.
func (p *poller) setStatus(gl *GroupLag) {
	status := StatusUnknown
	for _, t := range gl.Topics {
		for _, pl := range t.Partitions {
			if pl.Status.rank() > status.rank() {
				status = pl.Status
			}
		}
	}
	prev, ok := p.status[gl.Group]
	if !ok || prev.status != status {
		prev = groupStatus{status: status, since: gl.At}
		p.status[gl.Group] = prev
	}
	gl.Status, gl.StatusSince = prev.status, prev.since
}

// assemble sums partitions into topics and topics into the group.
func assemble(cluster, group string, at time.Time, byTopic map[string][]PartitionLag) *GroupLag {
	gl := &GroupLag{Cluster: cluster, Group: group, At: at, Partitions: map[PartitionState]int{}}
	gl.Known, gl.SecondsKnown = len(byTopic) > 0, len(byTopic) > 0
	for _, t := range slices.Sorted(maps.Keys(byTopic)) {
		parts := byTopic[t]
		slices.SortFunc(parts, func(a, b PartitionLag) int { return cmp.Compare(a.Partition, b.Partition) })
		tl := topicLag(t, parts)
		for _, pl := range parts {
			gl.Partitions[pl.State]++
		}
		gl.Known = gl.Known && tl.Complete
		gl.SecondsKnown = gl.SecondsKnown && tl.SecondsKnown
		gl.SecondsCapped = gl.SecondsCapped || tl.SecondsCapped
		gl.Records += tl.Records
		gl.Seconds = max(gl.Seconds, tl.Seconds)
		gl.Topics = append(gl.Topics, tl)
	}
	gl.SecondsKnown = gl.SecondsKnown && gl.Known
	return gl
}

func topicLag(topic string, parts []PartitionLag) TopicLag {
	tl := TopicLag{Topic: topic, Partitions: parts, Complete: true, SecondsKnown: true}
	var counted int
	for _, pl := range parts {
		switch pl.State {
		case PartitionUncommitted:
			continue
		case PartitionUnmeasured:
			tl.Complete, tl.SecondsKnown = false, false
			continue
		}
		counted++
		tl.Records += pl.Records
		tl.Seconds = max(tl.Seconds, pl.Seconds)
		tl.SecondsKnown = tl.SecondsKnown && pl.SecondsKnown
		tl.SecondsCapped = tl.SecondsCapped || pl.SecondsCapped
	}
	if counted == 0 {
		tl.Complete, tl.SecondsKnown = false, false
	}
	return tl
}
