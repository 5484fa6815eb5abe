package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// listOffsetsChunk bounds the partitions of one ListOffsets request, so a
// leader's answer arrives in pieces of a few megabytes.
const listOffsetsChunk = 20000

// offsetFetchChunk bounds the groups of one OffsetFetch request: each
// answer is taken in and dropped before the next, so only a chunk per
// coordinator is in memory at once.
const offsetFetchChunk = 1000

// readCommits fetches every group's committed offsets, all topics, in
// batched OffsetFetch requests per coordinator, coordinators in parallel,
// and registers each answer as it arrives (see register). Coordinators are
// cached across polls; a group whose coordinator moved is asked again,
// once, after finding it anew. The requests go to the coordinators
// directly rather than through franz-go's sharding, which would read and
// cache the metadata of every committed topic. Topics answered by ID
// (OffsetFetch v10) are named from the poller's metadata. A group the
// answers lack stays failed. It returns the topics to read end offsets
// of.
func (p *poller) readCommits(ctx context.Context, groups []*groupState) []*topicState {
	var mu sync.Mutex
	var topics []*topicState
	take := func(resp *kmsg.OffsetFetchResponse) {
		mu.Lock()
		defer mu.Unlock()
		p.nameTopics(ctx, resp)
		topics = p.register(resp, topics)
	}
	if retry := p.fetchCommits(ctx, groups, take); len(retry) > 0 {
		p.fetchCommits(ctx, retry, take)
	}
	return topics
}

// fetchCommits sends one round, hands every answer to take and returns
// the groups to ask again.
func (p *poller) fetchCommits(ctx context.Context, groups []*groupState, take func(*kmsg.OffsetFetchResponse)) []*groupState {
	p.findCoordinators(ctx, groups)
	byCoord := map[int32][]*groupState{}
	for _, g := range groups {
		if g.coordinator >= 0 {
			byCoord[g.coordinator] = append(byCoord[g.coordinator], g)
		}
	}
	var mu sync.Mutex
	var retry []*groupState
	var wg sync.WaitGroup
	for coord, gs := range byCoord {
		wg.Go(func() {
			for chunk := range slices.Chunk(gs, offsetFetchChunk) {
				resp, again := p.sendOffsetFetch(ctx, coord, chunk)
				if resp != nil {
					take(resp)
				}
				mu.Lock()
				retry = append(retry, again...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return retry
}

// findCoordinators looks up the groups whose coordinator is not known.
func (p *poller) findCoordinators(ctx context.Context, groups []*groupState) {
	var names []string
	for _, g := range groups {
		if g.coordinator < 0 {
			names = append(names, g.name)
		}
	}
	if len(names) == 0 {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
	defer cancel()
	found := p.adm.FindGroupCoordinators(fctx, names...)
	for _, g := range groups {
		if r, ok := found[g.name]; ok && g.coordinator < 0 {
			if r.Err != nil {
				p.setErr(r.Err)
				continue
			}
			g.coordinator = r.NodeID
		}
	}
}

// sendOffsetFetch asks one coordinator for a chunk of groups. A broker
// older than OffsetFetch v8 (Kafka 3.0) answers one group per request:
// franz-go's sharding does that for it.
func (p *poller) sendOffsetFetch(ctx context.Context, coord int32, groups []*groupState) (*kmsg.OffsetFetchResponse, []*groupState) {
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Groups = make([]kmsg.OffsetFetchRequestGroup, len(groups))
	for i, g := range groups {
		req.Groups[i] = kmsg.NewOffsetFetchRequestGroup()
		req.Groups[i].Group = g.name
	}
	rctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
	defer cancel()
	kresp, err := p.kcl.Broker(int(coord)).Request(rctx, req)
	if err != nil {
		p.setErr(err)
		for _, g := range groups {
			g.coordinator = -1
		}
		return nil, groups
	}
	resp := kresp.(*kmsg.OffsetFetchResponse)
	if resp.Version < 8 {
		return p.fetchCommitsSharded(rctx, req), nil
	}
	var retry []*groupState
	byName := make(map[string]*groupState, len(groups))
	for _, g := range groups {
		byName[g.name] = g
	}
	for _, rg := range resp.Groups {
		err := kerr.ErrorForCode(rg.ErrorCode)
		if g := byName[rg.Group]; g != nil && (errors.Is(err, kerr.NotCoordinator) || errors.Is(err, kerr.CoordinatorNotAvailable)) {
			g.coordinator = -1
			retry = append(retry, g)
		}
	}
	return resp, retry
}

// fetchCommitsSharded is the path for old brokers: franz-go splits the
// request per group and merges the answers into Groups.
func (p *poller) fetchCommitsSharded(ctx context.Context, req *kmsg.OffsetFetchRequest) *kmsg.OffsetFetchResponse {
	merged := kmsg.NewPtrOffsetFetchResponse()
	for _, sh := range p.kcl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			p.setErr(sh.Err)
			continue
		}
		merged.Groups = append(merged.Groups, sh.Resp.(*kmsg.OffsetFetchResponse).Groups...)
	}
	return merged
}

func (p *poller) setErr(err error) {
	p.errMu.Lock()
	defer p.errMu.Unlock()
	p.lastErr = err
}

// nameTopics fills in the names of topics answered by ID only, from the
// poller's metadata, reading the metadata of IDs it does not know.
func (p *poller) nameTopics(ctx context.Context, resp *kmsg.OffsetFetchResponse) {
	var unknown [][16]byte
	each := func(fn func(rt *kmsg.OffsetFetchResponseGroupTopic)) {
		for i := range resp.Groups {
			for j := range resp.Groups[i].Topics {
				fn(&resp.Groups[i].Topics[j])
			}
		}
	}
	each(func(rt *kmsg.OffsetFetchResponseGroupTopic) {
		if rt.Topic == "" {
			if name, ok := p.idNames[rt.TopicID]; ok {
				rt.Topic = name
			} else {
				unknown = append(unknown, rt.TopicID)
			}
		}
	})
	if len(unknown) == 0 {
		return
	}
	slices.SortFunc(unknown, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	if err := p.readTopicNames(ctx, slices.Compact(unknown)); err != nil {
		p.log.Debug("read kafka topic names failed; their commits are not measured this poll", "err", err)
	}
	each(func(rt *kmsg.OffsetFetchResponseGroupTopic) {
		if rt.Topic == "" {
			rt.Topic = p.idNames[rt.TopicID]
		}
	})
}

// readEnds reads the end offset (high watermark) of every partition of
// topics from its leader, with the cached metadata: one ListOffsets per
// leader and chunk, leaders in parallel. Partitions whose leader moved are
// asked again, once, after re-reading their topics' metadata.
func (p *poller) readEnds(ctx context.Context, topics []*topicState) {
	if need := needsMetadata(topics, p.set.now()); len(need) > 0 {
		if err := p.readMetadata(ctx, need, p.set.now()); err != nil {
			p.log.Debug("read kafka topic metadata failed; using the leaders known", "err", err)
		}
	}
	moved := p.listOffsets(ctx, topics)
	if len(moved) == 0 {
		return
	}
	if err := p.readMetadata(ctx, moved, p.set.now()); err != nil {
		p.log.Debug("read kafka topic metadata failed; using the leaders known", "err", err)
	}
	for _, t := range p.listOffsets(ctx, moved) {
		t.refresh = true
	}
}

// listOffsets sends one round and returns the topics some of whose
// partitions could not be read because of their leader. The partitions
// are divided between their leaders in one pass; each leader's requests
// are then built one at a time in one reused request, as the previous is
// answered, so only a chunk per leader is in memory at once.
func (p *poller) listOffsets(ctx context.Context, topics []*topicState) []*topicState {
	for _, w := range p.work {
		w.reset()
	}
	for _, t := range topics {
		if t.deleted {
			continue
		}
		for i := range t.parts {
			if tp := &t.parts[i]; tp.leader >= 0 && tp.endPoll != p.seq {
				w := p.work[tp.leader]
				if w == nil {
					w = &leaderWork{}
					p.work[tp.leader] = w
				}
				w.add(t)
			}
		}
	}
	var mu sync.Mutex
	var moved []*topicState
	var wg sync.WaitGroup
	for leader, w := range p.work {
		if len(w.topics) == 0 {
			delete(p.work, leader) // a broker that leads nothing any more
			continue
		}
		wg.Go(func() {
			var mine []*topicState
			var req *kmsg.ListOffsetsRequest
			for lo := 0; lo < len(w.topics); {
				if req == nil {
					req = kmsg.NewPtrListOffsetsRequest()
					req.ReplicaID = -1
					req.TimeoutMillis = int32(p.set.requestTimeout.Milliseconds())
				}
				lo = w.fill(req, lo, leader, p.seq)
				got, ok := p.sendListOffsets(ctx, leader, req)
				mine = append(mine, got...)
				if !ok {
					req = nil // franz-go may still hold it: never reuse it
				}
			}
			mu.Lock()
			moved = append(moved, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return dedupTopics(moved)
}

func dedupTopics(ts []*topicState) []*topicState {
	seen := make(map[*topicState]bool, len(ts))
	out := ts[:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// leaderWork is one leader's share of a round of ListOffsets: the topics
// it leads partitions of still to be read, and how many, kept by the
// poller across rounds and polls so that dividing them allocates nothing
// once grown. Which partitions is read again from the topic when the
// request is built (fill), rather than listed here: four bytes per
// partition, 4 MB at a million.
type leaderWork struct {
	topics []*topicState
	counts []int32
}

func (w *leaderWork) reset() {
	clear(w.topics)
	w.topics, w.counts = w.topics[:0], w.counts[:0]
}

// add counts one more partition of t, which the caller visits partition
// by partition, topic after topic.
func (w *leaderWork) add(t *topicState) {
	if n := len(w.topics); n == 0 || w.topics[n-1] != t {
		w.topics = append(w.topics, t)
		w.counts = append(w.counts, 0)
	}
	w.counts[len(w.counts)-1]++
}

// fill makes req ask for the topics from lo on, whole topics up to about
// listOffsetsChunk partitions, reusing req's slices, and returns the
// first topic left for the next request. A topic's partitions to read
// are those of leader without an end offset this poll, as when they were
// counted: only this leader's requests, one at a time, write their end
// offsets, and a topic is in one request.
func (w *leaderWork) fill(req *kmsg.ListOffsetsRequest, lo int, leader int32, poll uint32) int {
	req.Topics = req.Topics[:0]
	n, hi := 0, lo
	for ; hi < len(w.topics) && n < listOffsetsChunk; hi++ {
		t := w.topics[hi]
		if len(req.Topics) < cap(req.Topics) {
			req.Topics = req.Topics[:len(req.Topics)+1]
		} else {
			req.Topics = append(req.Topics, kmsg.NewListOffsetsRequestTopic())
		}
		rt := &req.Topics[len(req.Topics)-1]
		rt.Topic, rt.Partitions = t.name, rt.Partitions[:0]
		for i := range t.parts {
			if tp := &t.parts[i]; tp.leader == leader && tp.endPoll != poll {
				rp := kmsg.NewListOffsetsRequestTopicPartition()
				rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = int32(i), -1, -1
				rt.Partitions = append(rt.Partitions, rp)
			}
		}
		n += int(w.counts[hi])
	}
	return hi
}

// sendListOffsets sends one request and records the end offsets it
// returns. Only this leader's partitions are written, so leaders can run
// in parallel; the topics to re-read are returned, not flagged. ok: the
// request was answered (and may be reused).
func (p *poller) sendListOffsets(ctx context.Context, leader int32, req *kmsg.ListOffsetsRequest) (moved []*topicState, ok bool) {
	lctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
	defer cancel()
	kresp, err := p.kcl.Broker(int(leader)).Request(lctx, req)
	if err != nil {
		p.log.Debug("list end offsets failed", "broker", leader, "err", err)
		for _, rt := range req.Topics {
			if t := p.topics[rt.Topic]; t != nil {
				moved = append(moved, t)
			}
		}
		return moved, false
	}
	resp := kresp.(*kmsg.ListOffsetsResponse)
	for _, rt := range resp.Topics {
		t := p.topics[rt.Topic]
		if t == nil {
			continue
		}
		flagged := false
		for _, rp := range rt.Partitions {
			if rp.Partition < 0 || int(rp.Partition) >= len(t.parts) || t.parts[rp.Partition].leader != leader {
				continue // not asked of this leader
			}
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				if leaderMoved(err) && !flagged {
					moved, flagged = append(moved, t), true
				}
				continue
			}
			off := rp.Offset
			if resp.Version == 0 && len(rp.OldStyleOffsets) > 0 {
				off = rp.OldStyleOffsets[0]
			}
			if off >= 0 {
				tp := &t.parts[rp.Partition]
				tp.end, tp.endPoll = off, p.seq
			}
		}
	}
	return moved, true
}

// commitsFailed returns an error when no group could be fetched: the
// cluster (or every coordinator) is unreachable. A group that does not
// exist is not a failure: it has no commits.
func commitsFailed(groups []*groupState, poll uint32, lastErr error) error {
	for _, g := range groups {
		if g.fetched == poll {
			return nil
		}
	}
	if lastErr == nil {
		lastErr = errors.New("no group in the responses")
	}
	return fmt.Errorf("fetch committed offsets of %d groups: %w", len(groups), lastErr)
}
