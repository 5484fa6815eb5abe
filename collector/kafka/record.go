package kafka

import (
	"cmp"
	"context"
	"encoding/binary"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	// fetchPartitionBytes is asked per partition. A broker cuts the batch
	// holding the offset to this size, and only its 61-byte header is
	// read; kfake returns only whole batches, so it is large enough for
	// small ones too.
	fetchPartitionBytes = 1 << 10
	// fetchChunk bounds the partitions of one Fetch (≈1 MiB responses).
	fetchChunk = 1000
	// batchHeaderLen is the v2 record batch header up to maxTimestamp.
	batchHeaderLen = 43
	// maxTimestampMs (year 2200) rejects garbage timestamps; spans up to it
	// fit in a time.Duration (292 years).
	maxTimestampMs = 7258118400000
)

type tpOffset struct {
	tp
	offset int64
}

// batchTime is the estimated timestamp of one record and its error bound.
type batchTime struct {
	at   time.Time
	span time.Duration
}

// recordTimes reads the timestamp of the record at each lagging committed
// offset: one Fetch per leader and chunk, asking for the first bytes of
// the batch that holds the offset. Partitions it cannot read fall back to
// the offset→time table.
func (p *poller) recordTimes(ctx context.Context, in *input) map[tpOffset]batchTime {
	want := lagging(in)
	if len(want) == 0 {
		return nil
	}
	mctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
	defer cancel()
	meta, err := p.adm.Metadata(mctx, in.topics...)
	if err != nil {
		p.log.Debug("read topic leaders failed; time lag from the offset table", "err", err)
		return nil
	}
	out := map[tpOffset]batchTime{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for leader, reqs := range fetchRequests(want, meta.Topics) {
		wg.Go(func() {
			for _, req := range reqs {
				got := p.fetchTimes(ctx, leader, req, meta.Topics)
				mu.Lock()
				for k, v := range got {
					out[k] = v
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// lagging lists the committed offsets behind their end offset.
func lagging(in *input) []tpOffset {
	var out []tpOffset
	for _, r := range in.commits {
		r.Fetched.Each(func(o kadm.OffsetResponse) {
			end, ok := in.ends.Lookup(o.Topic, o.Partition)
			if o.Err == nil && o.At >= 0 && ok && end.Err == nil && o.At < end.Offset {
				out = append(out, tpOffset{tp{o.Topic, o.Partition}, o.At})
			}
		})
	}
	slices.SortFunc(out, func(a, b tpOffset) int {
		return cmp.Or(cmp.Compare(a.topic, b.topic), cmp.Compare(a.partition, b.partition), cmp.Compare(a.offset, b.offset))
	})
	return slices.Compact(out)
}

// fetchRequests groups the wanted offsets by leader. A Fetch names each
// partition once, so a partition several groups commit at different
// offsets goes into as many rounds.
func fetchRequests(want []tpOffset, topics kadm.TopicDetails) map[int32][]*kmsg.FetchRequest {
	rounds := map[int32][][]tpOffset{}
	round := 0
	for i, w := range want {
		if i > 0 && want[i-1].tp == w.tp {
			round++
		} else {
			round = 0
		}
		pd, ok := topics[w.topic].Partitions[w.partition]
		if !ok || pd.Err != nil || pd.Leader < 0 {
			continue
		}
		rs := rounds[pd.Leader]
		for len(rs) <= round {
			rs = append(rs, nil)
		}
		rs[round] = append(rs[round], w)
		rounds[pd.Leader] = rs
	}
	out := map[int32][]*kmsg.FetchRequest{}
	for leader, rs := range rounds {
		for _, r := range rs {
			for chunk := range slices.Chunk(r, fetchChunk) {
				out[leader] = append(out[leader], fetchRequest(chunk, topics))
			}
		}
	}
	return out
}

func fetchRequest(ws []tpOffset, topics kadm.TopicDetails) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 0
	req.MinBytes = 1
	req.MaxBytes = int32(len(ws) * fetchPartitionBytes)
	idx := map[string]int{}
	for _, w := range ws {
		i, ok := idx[w.topic]
		if !ok {
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic, rt.TopicID = w.topic, topics[w.topic].ID
			req.Topics = append(req.Topics, rt)
			i = len(req.Topics) - 1
			idx[w.topic] = i
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = w.partition, w.offset, fetchPartitionBytes
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	return req
}

// fetchTimes sends one Fetch and decodes the timestamps it can.
func (p *poller) fetchTimes(ctx context.Context, leader int32, req *kmsg.FetchRequest, topics kadm.TopicDetails) map[tpOffset]batchTime {
	offsets := map[tp]int64{}
	for _, rt := range req.Topics {
		for _, rp := range rt.Partitions {
			offsets[tp{rt.Topic, rp.Partition}] = rp.FetchOffset
		}
	}
	fctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
	defer cancel()
	kresp, err := p.kcl.Broker(int(leader)).Request(fctx, req)
	if err != nil {
		p.log.Debug("fetch record timestamps failed; time lag from the offset table", "broker", leader, "err", err)
		return nil
	}
	byID := map[[16]byte]string{}
	for name, td := range topics {
		byID[td.ID] = name
	}
	out := map[tpOffset]batchTime{}
	for _, rt := range kresp.(*kmsg.FetchResponse).Topics {
		name := rt.Topic
		if name == "" {
			name = byID[rt.TopicID]
		}
		for _, rp := range rt.Partitions {
			key := tp{name, rp.Partition}
			off, ok := offsets[key]
			if !ok || rp.ErrorCode != 0 {
				continue
			}
			if bt, ok := recordTime(rp.RecordBatches, off); ok {
				out[tpOffset{key, off}] = bt
			}
		}
	}
	return out
}

// recordTime finds, in raw fetched record batches, the batch holding
// offset (or the first one after it, when the offset was compacted away
// or is a transaction marker) and estimates the record's timestamp from
// the batch header alone, so a batch cut short by the broker is enough.
// Within a batch the timestamp is placed linearly between the first and
// the largest timestamp; the span between them bounds the error. With
// LogAppendTime every record carries the batch's append time.
func recordTime(raw []byte, offset int64) (batchTime, bool) {
	for len(raw) >= batchHeaderLen {
		base := int64(binary.BigEndian.Uint64(raw[0:]))
		length := int64(int32(binary.BigEndian.Uint32(raw[8:])))
		magic := raw[16]
		attrs := binary.BigEndian.Uint16(raw[21:])
		lastDelta := int64(int32(binary.BigEndian.Uint32(raw[23:])))
		first := int64(binary.BigEndian.Uint64(raw[27:]))
		maxTS := int64(binary.BigEndian.Uint64(raw[35:]))
		if magic != 2 || length < batchHeaderLen-12 || lastDelta < 0 || !plausible(first) || !plausible(maxTS) {
			return batchTime{}, false
		}
		const control, logAppendTime = 0x20, 0x08
		if attrs&control == 0 && base+lastDelta >= offset {
			return estimateInBatch(base, lastDelta, first, maxTS, offset, attrs&logAppendTime != 0), true
		}
		if 12+length > int64(len(raw)) {
			return batchTime{}, false
		}
		raw = raw[12+length:]
	}
	return batchTime{}, false
}

func plausible(ms int64) bool { return ms >= 0 && ms <= maxTimestampMs }

func estimateInBatch(base, lastDelta, first, maxTS, offset int64, appendTime bool) batchTime {
	switch {
	case appendTime:
		return batchTime{at: time.UnixMilli(maxTS)}
	case offset <= base || lastDelta == 0:
		return batchTime{at: time.UnixMilli(first)}
	}
	lo, hi := min(first, maxTS), max(first, maxTS)
	frac := float64(offset-base) / float64(lastDelta)
	ms := float64(first) + frac*float64(maxTS-first)
	return batchTime{at: time.UnixMilli(int64(ms)), span: time.Duration(hi-lo) * time.Millisecond}
}
