package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	// metadataMaxAge is how long a topic's leaders are trusted before they
	// are read again, unless a request says a leader moved first.
	metadataMaxAge = 5 * time.Minute
	// metadataAgedPerPoll bounds the topics re-read for age at one poll,
	// so the fleet's metadata is refreshed a slice at a time.
	metadataAgedPerPoll = 5000
	// metadataChunk bounds the topics of one Metadata request.
	metadataChunk = 5000
)

// needsMetadata lists the topics whose metadata must be read this poll:
// never read, flagged, deleted (it may come back), or, up to
// metadataAgedPerPoll, older than metadataMaxAge.
func needsMetadata(topics []*topicState, now time.Time) []*topicState {
	var out []*topicState
	aged := 0
	for _, t := range topics {
		switch {
		case t.metaAt.IsZero() || t.refresh || t.deleted:
			out = append(out, t)
		case aged < metadataAgedPerPoll && now.Sub(t.metaAt) >= metadataMaxAge:
			aged++
			out = append(out, t)
		}
	}
	return out
}

// readMetadata reads the leaders of topics, metadataChunk at a time.
// A failed request leaves its topics as they were, flagged for the next
// poll; their partitions are read with the leaders known, or not at all.
func (p *poller) readMetadata(ctx context.Context, topics []*topicState, now time.Time) error {
	var errs []error
	for chunk := range slices.Chunk(topics, metadataChunk) {
		req := kmsg.NewPtrMetadataRequest()
		for _, t := range chunk {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t.name)
			req.Topics = append(req.Topics, rt)
		}
		resp, err := p.metadata(ctx, req)
		if err != nil {
			for _, t := range chunk {
				t.refresh = true
			}
			errs = append(errs, fmt.Errorf("read metadata of %d topics: %w", len(chunk), err))
			continue
		}
		p.applyMetadata(resp, now)
	}
	return errors.Join(errs...)
}

func (p *poller) applyMetadata(resp *kmsg.MetadataResponse, now time.Time) {
	for _, rt := range resp.Topics {
		if rt.Topic == nil {
			continue
		}
		t := p.topics[*rt.Topic]
		if t == nil {
			continue
		}
		err := kerr.ErrorForCode(rt.ErrorCode)
		t.metaAt, t.refresh, t.deleted = now, err != nil, errors.Is(err, kerr.UnknownTopicOrPartition)
		if err != nil {
			continue
		}
		t.id = rt.TopicID
		p.idNames[rt.TopicID] = t.name
		n := 0
		for _, rp := range rt.Partitions {
			n = max(n, int(rp.Partition)+1)
		}
		t.grow(n)
		for _, rp := range rt.Partitions {
			if rp.Partition < 0 {
				continue
			}
			leader := rp.Leader
			if rp.ErrorCode != 0 && rp.ErrorCode != kerr.ReplicaNotAvailable.Code {
				leader, t.refresh = -1, true
			}
			t.parts[rp.Partition].leader = leader
		}
	}
}

// readTopicNames learns the names of topics known only by ID.
func (p *poller) readTopicNames(ctx context.Context, ids [][16]byte) error {
	req := kmsg.NewPtrMetadataRequest()
	for _, id := range ids {
		rt := kmsg.NewMetadataRequestTopic()
		rt.TopicID = id
		req.Topics = append(req.Topics, rt)
	}
	resp, err := p.metadata(ctx, req)
	if err != nil {
		return fmt.Errorf("read names of %d topic ids: %w", len(ids), err)
	}
	for _, rt := range resp.Topics {
		if rt.Topic != nil && rt.ErrorCode == 0 {
			p.idNames[rt.TopicID] = *rt.Topic
		}
	}
	return nil
}

// metadata sends a Metadata request to one broker, trying up to three.
// It goes to a broker directly: asked through the client, franz-go would
// keep a copy of the whole answer, every partition's replicas included.
// Each try sends its own copy of req: franz-go may still be writing a
// request whose wait was cut short.
func (p *poller) metadata(ctx context.Context, req *kmsg.MetadataRequest) (*kmsg.MetadataResponse, error) {
	brokers := p.kcl.DiscoveredBrokers()
	if len(brokers) == 0 {
		brokers = p.kcl.SeedBrokers()
	}
	err := errors.New("no broker known")
	for i := range min(len(brokers), 3) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		b := brokers[(p.metaNext+i)%len(brokers)]
		mctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
		try := *req
		var resp kmsg.Response
		resp, err = b.Request(mctx, &try)
		cancel()
		if err == nil {
			p.metaNext++
			return resp.(*kmsg.MetadataResponse), nil
		}
	}
	return nil, err
}

// leaderMoved: the partition's leader is not the broker asked, or not
// ready; the topic's metadata must be read again.
func leaderMoved(err error) bool {
	for _, e := range []error{
		kerr.NotLeaderForPartition, kerr.LeaderNotAvailable, kerr.UnknownTopicOrPartition,
		kerr.FencedLeaderEpoch, kerr.UnknownLeaderEpoch, kerr.ReplicaNotAvailable,
		kerr.KafkaStorageError, kerr.OffsetNotAvailable, kerr.NotCoordinator,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
