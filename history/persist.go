package history

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/flinkslo/flinkslo/fleet"
)

// The saved form is binary: chunks are already packed, and JSON would
// grow them by a third and cost a parse of tens of megabytes at start-up.
// It starts with a magic and a version; every length is checked against
// what is left, so a truncated or foreign file is an error, never a panic
// or a huge allocation.
const (
	magic          = "flinkslo-history"
	persistVersion = 1
)

// Encode is the history in its saved form. The open span is saved as if
// closed: after a restore, recording resumes in a new span.
func (h *History) Encode() []byte {
	h.mu.RLock()
	defer h.mu.RUnlock()
	b := append([]byte(magic), persistVersion)
	b = binary.AppendUvarint(b, uint64(len(h.spans)))
	for _, sp := range h.spans {
		b = binary.AppendUvarint(b, sp.id)
		b = binary.AppendUvarint(b, uint64(len(sp.times)))
		prev := int64(0)
		for _, t := range sp.times {
			b = binary.AppendVarint(b, t-prev)
			prev = t
		}
	}
	b = binary.AppendUvarint(b, uint64(len(h.jobs)))
	var open uint64
	if n := len(h.spans); n > 0 && !h.spans[n-1].closed {
		open = h.spans[n-1].id
	}
	for _, s := range h.jobs {
		b = appendString(b, s.ref.Namespace)
		b = appendString(b, s.ref.Deployment)
		b = appendString(b, s.ref.Job)
		b = appendString(b, s.team)
		chunks := s.chunks
		if s.curN > 0 && open != 0 {
			chunks = append(chunks[:len(chunks):len(chunks)], packChunk(open, &s.cur, s.curOff, s.curN))
		}
		b = binary.AppendUvarint(b, uint64(len(chunks)))
		for _, c := range chunks {
			b = binary.AppendUvarint(b, c.span)
			b = append(b, c.off, c.n, c.healthy, c.expected)
			b = binary.AppendUvarint(b, uint64(len(c.data)))
			b = append(b, c.data...)
		}
		b = binary.AppendUvarint(b, uint64(len(s.coarse)))
		for _, k := range s.coarse {
			b = binary.AppendVarint(b, k.from)
			b = binary.AppendVarint(b, k.to-k.from)
			for _, v := range []uint32{k.cycles, k.expected, k.healthy, k.restarts, k.completed, k.failed} {
				b = binary.AppendUvarint(b, uint64(v))
			}
			for _, v := range []uint16{k.lagRecords, k.lagSeconds, uint16(k.reasons), k.flags, k.state} {
				b = binary.AppendUvarint(b, uint64(v))
			}
			b = append(b, k.chunks)
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// Restore replaces the history with a saved one. On error the history is
// left as it was.
func (h *History) Restore(b []byte) error {
	spans, jobs, lastAt, err := decode(b)
	if err != nil {
		return fmt.Errorf("restore history: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.spans, h.jobs, h.lastAt = spans, jobs, lastAt
	h.nextID = 1
	if n := len(spans); n > 0 {
		h.nextID = spans[n-1].id + 1
	}
	return nil
}

var errTruncated = errors.New("truncated")

// reader reads the saved form, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint(limit uint64) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	if v > limit {
		r.err = fmt.Errorf("value %d over %d", v, limit)
		return 0
	}
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)) < n {
		r.err = errTruncated
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) string() string { return string(r.bytes(r.uvarint(1 << 16))) }

// count reads a length no larger than what is left, each item taking at
// least one byte: a corrupt count cannot make a large allocation.
func (r *reader) count() int { return int(r.uvarint(uint64(len(r.b)))) }

func decode(b []byte) ([]span, map[fleet.JobRef]*series, int64, error) {
	if len(b) < len(magic)+1 || string(b[:len(magic)]) != magic {
		return nil, nil, 0, errors.New("not a flinkslo history")
	}
	if v := b[len(magic)]; v != persistVersion {
		return nil, nil, 0, fmt.Errorf("version %d, this build reads %d", v, persistVersion)
	}
	r := &reader{b: b[len(magic)+1:]}
	spans := make([]span, r.count())
	var lastAt int64
	for i := range spans {
		sp := span{id: r.uvarint(1 << 62), closed: true}
		if i > 0 && sp.id != spans[i-1].id+1 && r.err == nil {
			r.err = errors.New("spans not consecutive")
		}
		n := r.uvarint(chunkLen)
		if n == 0 && r.err == nil {
			r.err = errors.New("empty span")
		}
		sp.times = make([]int64, n)
		var t int64
		for j := range sp.times {
			t += r.varint()
			sp.times[j] = t
		}
		lastAt = max(lastAt, t)
		spans[i] = sp
	}
	jobs := map[fleet.JobRef]*series{}
	for range r.count() {
		s := &series{ref: fleet.JobRef{Namespace: r.string(), Deployment: r.string(), Job: r.string()}, team: r.string()}
		s.chunks = make([]chunk, r.count())
		for i := range s.chunks {
			c := chunk{span: r.uvarint(1 << 62)}
			if hdr := r.bytes(4); hdr != nil {
				c.off, c.n, c.healthy, c.expected = hdr[0], hdr[1], hdr[2], hdr[3]
			}
			c.data = append([]byte(nil), r.bytes(r.uvarint(1<<20))...)
			if r.err == nil {
				r.err = checkChunk(&c, spans)
			}
			s.chunks[i] = c
			s.healthy += int(c.healthy)
			s.expected += int(c.expected)
		}
		s.coarse = make([]bucket, r.count())
		for i := range s.coarse {
			k := bucket{from: r.varint()}
			k.to = k.from + r.varint()
			for _, p := range []*uint32{&k.cycles, &k.expected, &k.healthy, &k.restarts, &k.completed, &k.failed} {
				*p = uint32(r.uvarint(1<<32 - 1))
			}
			for _, p := range []*uint16{&k.lagRecords, &k.lagSeconds, (*uint16)(&k.reasons), &k.flags, &k.state} {
				*p = uint16(r.uvarint(1<<16 - 1))
			}
			if c := r.bytes(1); c != nil {
				k.chunks = c[0]
			}
			s.coarse[i] = k
			s.healthy += int(k.healthy)
			s.expected += int(k.expected)
		}
		if r.err != nil {
			break
		}
		if _, dup := jobs[s.ref]; dup {
			r.err = fmt.Errorf("job %s twice", s.ref)
			break
		}
		jobs[s.ref] = s
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return nil, nil, 0, r.err
	}
	return spans, jobs, lastAt, nil
}

// checkChunk verifies that c belongs to one of spans and unpacks.
func checkChunk(c *chunk, spans []span) error {
	if len(spans) == 0 || c.span < spans[0].id || c.span-spans[0].id >= uint64(len(spans)) {
		return fmt.Errorf("chunk of unknown span %d", c.span)
	}
	sp := spans[c.span-spans[0].id]
	if c.n == 0 || int(c.off)+int(c.n) > len(sp.times) {
		return fmt.Errorf("chunk beyond its span %d", c.span)
	}
	var cols [numColumns][chunkLen]uint16
	if err := c.unpack(&cols); err != nil {
		return err
	}
	var healthy, expected uint8
	for _, f := range cols[colFlags][c.off : c.off+c.n] {
		if f&flagExpected != 0 {
			expected++
			if f&flagHealthy != 0 {
				healthy++
			}
		}
	}
	if healthy != c.healthy || expected != c.expected {
		return errors.New("chunk counts disagree with its cycles")
	}
	return nil
}
