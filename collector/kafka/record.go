package kafka

import (
	"cmp"
	"context"
	"encoding/binary"
	"slices"
	"sync"
	"time"

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

// readWant is one committed offset whose record timestamp is wanted,
// and the partition state that gets it.
type readWant struct {
	t      *topicState
	part   int32
	offset int64
	st     *partState
}

// batchTime is the estimated timestamp of one record and its error bound.
type batchTime struct {
	at   time.Time
	span time.Duration
}

// readRecords reads the timestamp of the record at each wanted offset:
// one Fetch per leader and chunk, asking for the first bytes of the batch
// that holds the offset, with the cached metadata. A result is written
// into its partition state; partitions it cannot read keep the estimate
// from the offset→time table.
func (p *poller) readRecords(ctx context.Context, want []readWant, at time.Time) {
	if len(want) == 0 {
		return
	}
	slices.SortFunc(want, func(a, b readWant) int {
		return cmp.Or(cmp.Compare(a.t.name, b.t.name), cmp.Compare(a.part, b.part), cmp.Compare(a.offset, b.offset))
	})
	var mu sync.Mutex
	var got []readResult
	var wg sync.WaitGroup
	for leader, reqs := range fetchRequests(want) {
		wg.Go(func() {
			var mine []readResult
			for _, r := range reqs {
				mine = p.fetchTimes(ctx, leader, r, mine)
			}
			mu.Lock()
			got = append(got, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	// The slab of read timestamps is the poller's: fill it here, not from
	// the leaders' goroutines.
	for _, r := range got {
		p.setRead(r.w.st, r.w.offset, r.bt, at)
	}
}

// readResult is one decoded record timestamp.
type readResult struct {
	w  readWant
	bt batchTime
}

// fetchRound is one Fetch and the wants it answers, in request order.
type fetchRound struct {
	req   *kmsg.FetchRequest
	wants []readWant
}

// fetchRequests groups the wanted offsets by leader. A Fetch names each
// partition once, so a partition several groups commit at different
// offsets goes into as many rounds.
func fetchRequests(want []readWant) map[int32][]fetchRound {
	rounds := map[int32][][]readWant{}
	round := 0
	for i, w := range want {
		if i > 0 && want[i-1].t == w.t && want[i-1].part == w.part {
			round++
		} else {
			round = 0
		}
		leader := w.t.parts[w.part].leader
		if leader < 0 {
			continue
		}
		rs := rounds[leader]
		for len(rs) <= round {
			rs = append(rs, nil)
		}
		rs[round] = append(rs[round], w)
		rounds[leader] = rs
	}
	out := map[int32][]fetchRound{}
	for leader, rs := range rounds {
		for _, r := range rs {
			for chunk := range slices.Chunk(r, fetchChunk) {
				out[leader] = append(out[leader], fetchRound{req: fetchRequest(chunk), wants: chunk})
			}
		}
	}
	return out
}

func fetchRequest(ws []readWant) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 0
	req.MinBytes = 1
	req.MaxBytes = int32(len(ws) * fetchPartitionBytes)
	for i, w := range ws {
		if i == 0 || ws[i-1].t != w.t {
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic, rt.TopicID = w.t.name, w.t.id
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = w.part, w.offset, fetchPartitionBytes
		rt := &req.Topics[len(req.Topics)-1]
		rt.Partitions = append(rt.Partitions, rp)
	}
	return req
}

// fetchTimes sends one Fetch and appends the timestamps it can decode.
func (p *poller) fetchTimes(ctx context.Context, leader int32, r fetchRound, out []readResult) []readResult {
	fctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
	defer cancel()
	kresp, err := p.kcl.Broker(int(leader)).Request(fctx, r.req)
	if err != nil {
		p.log.Debug("fetch record timestamps failed; time lag from the offset table", "broker", leader, "err", err)
		return out
	}
	type key struct {
		t    *topicState
		part int32
	}
	wants := make(map[key]readWant, len(r.wants))
	byName := map[string]*topicState{}
	byID := map[[16]byte]*topicState{}
	for _, w := range r.wants {
		wants[key{w.t, w.part}] = w
		byName[w.t.name], byID[w.t.id] = w.t, w.t
	}
	for _, rt := range kresp.(*kmsg.FetchResponse).Topics {
		t := byName[rt.Topic]
		if rt.Topic == "" {
			t = byID[rt.TopicID]
		}
		for _, rp := range rt.Partitions {
			w, ok := wants[key{t, rp.Partition}]
			if !ok || rp.ErrorCode != 0 {
				continue
			}
			if bt, ok := recordTime(rp.RecordBatches, w.offset); ok {
				out = append(out, readResult{w: w, bt: bt})
			}
		}
	}
	return out
}

// readTime is a record timestamp read at a group's committed offset:
// the record at offset was produced at ms, ±span ms.
type readTime struct {
	offset int64
	ms     int64
	span   uint32
}

// readSlab keeps the record timestamps read for partitions, three words
// each, in a wordSlab: timeLag auto reads most partitions of a fleet
// already behind at start-up, and gives the reads back once the tables
// bracket the commits, so their blocks must be given back too (18 MB at
// a million partitions), which a free list alone does not do.
type readSlab struct{ wordSlab }

const readWords = 3

func (s *readSlab) alloc(r readTime) int32 {
	i := s.wordSlab.alloc(readWords)
	s.set(i, r)
	return i
}

func (s *readSlab) get(i int32) readTime {
	w := s.slot(i)
	return readTime{offset: int64(w[0]), ms: int64(w[1]), span: uint32(w[2])}
}

func (s *readSlab) set(i int32, r readTime) {
	w := s.slot(i)
	w[0], w[1], w[2] = uint64(r.offset), uint64(r.ms), uint64(r.span)
}

// release frees slot i (0: none).
func (s *readSlab) release(i int32) {
	if i > 0 {
		s.wordSlab.release(i)
	}
}

// held is how many reads are kept.
func (s *readSlab) held() int {
	n := 0
	for _, l := range s.live {
		n += l
	}
	return n
}

func (r readTime) estimate(at time.Time) estimate {
	return estimate{seconds: max(0, float64(at.UnixNano()-r.ms*1e6)/1e9), errBound: float64(r.span) / 1e3, known: true}
}

// setRead records a read record timestamp: the partition's time lag is
// known from it now, and later polls place commits after it.
func (p *poller) setRead(st *partState, offset int64, bt batchTime, at time.Time) {
	rt := readTime{offset: offset, ms: bt.at.UnixMilli(), span: uint32(min(bt.span.Milliseconds(), 1<<32-1))}
	if st.read == 0 {
		st.read = p.reads.alloc(rt)
	} else {
		p.reads.set(st.read, rt)
	}
	st.setEstimate(rt.estimate(at))
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
