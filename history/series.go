package history

import (
	"github.com/flinkslo/flinkslo/fleet"
)

// chunkLen is the number of cycles in a chunk: at the default 15 s
// interval, 16 minutes. Longer chunks pack better; shorter ones leave less
// in the open chunk, which is kept unpacked.
const chunkLen = 64

// coarseChunks chunks make one bucket beyond Retention: two hours at the
// default 15 s interval.
const coarseChunks = 8

// chunk is one job's cycles of one span, packed.
type chunk struct {
	span uint64
	// off is the cycle within the span of the first value, n the count.
	off, n uint8
	// healthy and expected count cycles, for the uptime without unpacking.
	healthy, expected uint8
	data              []byte
}

// bucket sums the cycles of up to coarseChunks chunks.
type bucket struct {
	from, to                    int64 // unix ms of the first and last cycle
	cycles, expected, healthy   uint32
	restarts, completed, failed uint32
	lagRecords, lagSeconds      uint16 // the largest, quantized
	reasons                     Reasons
	flags                       uint16 // every flag seen
	state                       uint16 // at the last cycle
	chunks                      uint8
}

// series is one job's history.
type series struct {
	ref  fleet.JobRef
	team string

	chunks []chunk
	coarse []bucket
	// cur holds the open span's cycles, unpacked, from curOff to curN.
	cur          [numColumns][chunkLen]uint16
	curOff, curN int
	last         counters
	// healthy and expected count the cycles of everything retained.
	healthy, expected int
}

// record stores the cycle at index i of the open span.
func (s *series) record(i int, v [numColumns]uint16) {
	if s.curN == 0 {
		s.curOff = i
	}
	for c := range v {
		s.cur[c][i] = v[c]
	}
	s.curN = i + 1
	if v[colFlags]&flagExpected != 0 {
		s.expected++
		if v[colFlags]&flagHealthy != 0 {
			s.healthy++
		}
	}
}

// close packs the open span's cycles into a chunk.
func (s *series) close(span uint64) {
	if s.curN == 0 {
		return
	}
	s.chunks = append(s.chunks, packChunk(span, &s.cur, s.curOff, s.curN))
	s.cur = [numColumns][chunkLen]uint16{}
	s.curOff, s.curN = 0, 0
}

func packChunk(span uint64, cols *[numColumns][chunkLen]uint16, off, end int) chunk {
	c := chunk{span: span, off: uint8(off), n: uint8(end - off)}
	for _, f := range cols[colFlags][off:end] {
		if f&flagExpected != 0 {
			c.expected++
			if f&flagHealthy != 0 {
				c.healthy++
			}
		}
	}
	var b []byte
	for col := range cols {
		b = appendColumn(b, cols[col][off:end])
	}
	c.data = append([]byte(nil), b...) // exact size: it is kept for hours
	return c
}

// unpack decodes the chunk's columns into cols[·][off:off+n].
func (c *chunk) unpack(cols *[numColumns][chunkLen]uint16) error {
	b := c.data
	var err error
	for col := range cols {
		if b, err = readColumn(b, cols[col][c.off:int(c.off)+int(c.n)]); err != nil {
			return err
		}
	}
	if len(b) != 0 {
		return errCorrupt
	}
	return nil
}

// downsample moves the oldest chunk, of the span whose cycle times are
// times, into the coarse buckets.
func (s *series) downsample(times []int64) {
	c := s.chunks[0]
	s.chunks[0] = chunk{} // the backing array outlives the slice's start
	s.chunks = s.chunks[1:]
	if len(s.chunks) == 0 {
		s.chunks = nil // let the backing array go
	}
	var cols [numColumns][chunkLen]uint16
	if err := c.unpack(&cols); err != nil {
		s.healthy -= int(c.healthy)
		s.expected -= int(c.expected)
		return
	}
	var b *bucket
	if n := len(s.coarse); n > 0 && s.coarse[n-1].chunks < coarseChunks {
		b = &s.coarse[n-1]
	} else {
		s.coarse = append(s.coarse, bucket{})
		b = &s.coarse[len(s.coarse)-1]
	}
	b.chunks++
	for i := int(c.off); i < int(c.off)+int(c.n) && i < len(times); i++ {
		f := cols[colFlags][i]
		if f&flagPresent == 0 {
			continue
		}
		if b.cycles == 0 {
			b.from = times[i]
		}
		b.to = times[i]
		b.cycles++
		if f&flagExpected != 0 {
			b.expected++
			if f&flagHealthy != 0 {
				b.healthy++
			}
		}
		b.flags |= f
		b.state = cols[colState][i]
		b.reasons |= Reasons(cols[colReasons][i])
		b.restarts += uint32(cols[colRestarts][i])
		b.completed += uint32(cols[colCheckpoints][i])
		b.failed += uint32(cols[colCheckpointFailures][i])
		b.lagRecords = max(b.lagRecords, cols[colLagRecords][i])
		b.lagSeconds = max(b.lagSeconds, cols[colLagSeconds][i])
	}
}

// expire drops the buckets that ended before the cut (unix ms).
func (s *series) expire(cut int64) {
	n := 0
	for n < len(s.coarse) && s.coarse[n].to < cut {
		s.healthy -= int(s.coarse[n].healthy)
		s.expected -= int(s.coarse[n].expected)
		n++
	}
	if n > 0 {
		s.coarse = append([]bucket(nil), s.coarse[n:]...)
	}
}

func (s *series) empty() bool { return len(s.chunks) == 0 && len(s.coarse) == 0 && s.curN == 0 }

// bytes is what the series holds in memory, roughly: the struct, the
// packed chunks and the buckets.
func (s *series) bytes() int {
	n := seriesSize + len(s.ref.Namespace) + len(s.ref.Deployment) + len(s.ref.Job) + len(s.team)
	n += cap(s.chunks)*chunkSize + cap(s.coarse)*bucketSize
	for _, c := range s.chunks {
		n += cap(c.data)
	}
	return n
}
