package kafka

import (
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// assemble is the second half of measuring a cycle: it lays every
// selected group out, in order, into the flat, immutable storage of a new
// fleet.LagView. Topics the group no longer commits to, and deleted topics, are
// forgotten here, so their series vanish.
func (p *poller) assemble(at time.Time) []fleet.GroupLag {
	nt, np := 0, 0
	for _, g := range p.order {
		if !g.failed {
			p.dropUnlisted(g)
		}
		for i := range g.topics {
			nt++
			np += max(len(g.topics[i].parts), len(g.topics[i].t.parts))
		}
	}
	if !p.set.partitions {
		np = 0
	}
	groups := make([]fleet.GroupLag, 0, len(p.order))
	topics := make([]fleet.TopicLag, 0, nt)
	// Partition rows are kept in the view only when they are exported;
	// otherwise each topic's are laid out in a scratch buffer, summed
	// and dropped.
	keep := p.set.partitions
	var parts []fleet.PartitionLag
	if keep {
		parts = make([]fleet.PartitionLag, 0, np)
	}
	for _, g := range p.order {
		t0 := len(topics)
		var worst statusRank
		var counts fleet.PartitionCounts
		for i := range g.topics {
			gt := &g.topics[i]
			buf := p.scratch[:0]
			if keep {
				buf = parts
			}
			p0 := len(buf)
			if g.failed {
				buf = p.carryTopic(buf, gt, at, &worst)
			} else {
				buf = p.topicParts(buf, gt, at, &worst)
			}
			if len(buf) > p0 {
				rows := buf[p0:len(buf):len(buf)]
				for _, pl := range rows {
					counts[pl.State]++
				}
				tl := topicLag(gt.t.name, rows)
				if !keep {
					tl.Partitions = nil
				}
				topics = append(topics, tl)
			}
			if keep {
				parts = buf
			} else {
				p.scratch = buf
			}
		}
		gl := groupLag(p.name, g.name, at, topics[t0:len(topics):len(topics)])
		gl.Partitions, gl.Shadow = counts, g.shadow
		setStatus(g, &gl, worst)
		groups = append(groups, gl)
	}
	return groups
}

// dropUnlisted forgets the topics the group's OffsetFetch no longer lists
// and the deleted ones.
func (p *poller) dropUnlisted(g *groupState) {
	kept := g.topics[:0]
	for _, gt := range g.topics {
		if gt.listed == p.seq && !gt.t.deleted {
			kept = append(kept, gt)
		} else {
			gt.forget(p)
		}
	}
	clear(g.topics[len(kept):])
	g.topics = kept
}

// topicParts lays out every partition of one committed topic of a group
// whose offsets were read.
func (p *poller) topicParts(parts []fleet.PartitionLag, gt *groupTopic, at time.Time, worst *statusRank) []fleet.PartitionLag {
	n := max(len(gt.parts), len(gt.t.parts))
	for i := range n {
		part := int32(i)
		if i >= len(gt.parts) {
			parts = append(parts, uncommitted(part))
			continue
		}
		st := &gt.parts[i]
		var pl fleet.PartitionLag
		switch {
		case st.fetched != p.seq:
			if st.lastAt != 0 || st.hist != 0 || st.read != 0 {
				st.forget(p)
			}
			pl = uncommitted(part)
		case st.has(flagNoCommit):
			pl = uncommitted(part)
		case st.has(flagFresh):
			pl = st.lag(part)
			*worst = max(*worst, st.status)
		default:
			pl = p.carry(st, part, at)
			if pl.State == fleet.PartitionStale {
				*worst = max(*worst, st.status)
			}
		}
		parts = append(parts, pl)
	}
	return parts
}

// carryTopic lays out the measured partitions of a group whose offsets
// could not be read this cycle, from their last measurement.
func (p *poller) carryTopic(parts []fleet.PartitionLag, gt *groupTopic, at time.Time, worst *statusRank) []fleet.PartitionLag {
	for i := range gt.parts {
		st := &gt.parts[i]
		if st.lastAt == 0 {
			continue
		}
		pl := p.carry(st, int32(i), at)
		if pl.State == fleet.PartitionStale {
			*worst = max(*worst, st.status)
		}
		parts = append(parts, pl)
	}
	return parts
}

func uncommitted(part int32) fleet.PartitionLag {
	return fleet.PartitionLag{Partition: part, State: fleet.PartitionUncommitted, Committed: -1, End: -1}
}

// carry reports a partition that could not be read: its last measurement
// while younger than staleCycles poll intervals, otherwise unmeasured.
func (p *poller) carry(st *partState, part int32, now time.Time) fleet.PartitionLag {
	if st.lastAt != 0 && now.UnixNano()-st.lastAt <= int64(p.set.staleAfter()) {
		pl := st.lag(part)
		pl.State = fleet.PartitionStale
		return pl
	}
	return fleet.PartitionLag{Partition: part, State: fleet.PartitionUnmeasured, Committed: -1, End: -1}
}

// setStatus sets the group's status to its worst partition's and keeps
// StatusSince across cycles while the status holds.
func setStatus(g *groupState, gl *fleet.GroupLag, worst statusRank) {
	status := worst.status()
	if g.status.since.IsZero() || g.status.status != status {
		g.status = groupStatus{status: status, since: gl.At}
	}
	gl.Status, gl.StatusSince = g.status.status, g.status.since
}

// groupLag sums topics into the group.
func groupLag(cluster, group string, at time.Time, topics []fleet.TopicLag) fleet.GroupLag {
	gl := fleet.GroupLag{Cluster: cluster, Group: group, At: at, Topics: topics}
	gl.Known, gl.SecondsKnown = len(topics) > 0, len(topics) > 0
	for _, tl := range topics {
		gl.Known = gl.Known && tl.Complete
		gl.SecondsKnown = gl.SecondsKnown && tl.SecondsKnown
		gl.SecondsCapped = gl.SecondsCapped || tl.SecondsCapped
		gl.Records += tl.Records
		gl.Seconds = max(gl.Seconds, tl.Seconds)
	}
	gl.SecondsKnown = gl.SecondsKnown && gl.Known
	return gl
}

// topicLag sums one topic's committed partitions.
func topicLag(topic string, parts []fleet.PartitionLag) fleet.TopicLag {
	tl := fleet.TopicLag{Topic: topic, Partitions: parts, Complete: true, SecondsKnown: true}
	var counted int
	for _, pl := range parts {
		switch pl.State {
		case fleet.PartitionUncommitted:
			continue
		case fleet.PartitionUnmeasured:
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
