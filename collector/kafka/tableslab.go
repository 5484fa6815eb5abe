package kafka

import (
	"math/bits"
	"slices"
)

// tableClasses are the sizes, in 8-byte words, of the slots a table can
// be stored in: two words for its first point (the base, absolute) and
// one for each later point (relative to it), so a full table takes 17
// words, 136 bytes. A table is stored in the smallest class that holds
// it, so a table trimmed to a few points takes a few words; between
// doubling classes, 6 and 12 points halve the room lost in the two
// largest steps.
var tableClasses = [...]int{3, 5, 7, 9, 13, tablePoints + 1}

// tableBlockWords is the size of a slab block: 32 KiB, so a poller with
// a few tables does not hold megabytes of empty slots.
const tableBlockWords = 4096

// tableRef is where a partition's table is stored: its slot in the
// class that fits n points (n == 0: no table). Five bytes in the
// partition, with no pointer, where a slice would take 24 and make the
// garbage collector scan every topic's partitions.
type tableRef struct {
	slot int32
	n    uint8
}

// classFor is the smallest class that holds n points (n ≤ tablePoints).
func classFor(n int) int {
	c := 0
	for c < len(tableClasses)-1 && n+1 > tableClasses[c] {
		c++
	}
	return c
}

// tableSlab stores the time tables of a poller's partitions in
// pointer-free blocks, one slab per class. A table that grows or is
// trimmed into another class moves to a slot of it, which leaves no
// garbage, and every table moves class at about the same polls (they
// all start at the exporter's start), so a slab hands out its
// lowest free slot and sweep gives blocks that emptied back to the
// runtime: the tables moving out of a class leave whole blocks behind,
// not a class's worth of holes.
type tableSlab struct {
	classes [len(tableClasses)]wordSlab
}

// load reads the table r refers to into t.
func (s *tableSlab) load(r tableRef, t *timeTable) {
	t.n = int(r.n)
	if r.n == 0 {
		return
	}
	w := s.classes[classFor(int(r.n))].slot(r.slot)
	t.baseOff, t.baseMs = int64(w[0]), int64(w[1])
	t.pts[0] = point{}
	for i := 1; i < t.n; i++ {
		t.pts[i] = point{off: uint32(w[1+i]), ms: uint32(w[1+i] >> 32)}
	}
}

// store writes t where r refers to, moving it to another class's slot
// when its number of points calls for one (or releasing it when t is
// empty), and returns where it is now.
func (s *tableSlab) store(r tableRef, t *timeTable) tableRef {
	if t.n == 0 {
		s.release(r)
		return tableRef{}
	}
	c := classFor(t.n)
	if r.n == 0 || classFor(int(r.n)) != c {
		s.release(r)
		r.slot = s.classes[c].alloc(tableClasses[c])
	}
	r.n = uint8(t.n)
	w := s.classes[c].slot(r.slot)
	w[0], w[1] = uint64(t.baseOff), uint64(t.baseMs)
	for i := 1; i < t.n; i++ {
		w[1+i] = uint64(t.pts[i].off) | uint64(t.pts[i].ms)<<32
	}
	return r
}

// release frees r's slot.
func (s *tableSlab) release(r tableRef) {
	if r.n > 0 {
		s.classes[classFor(int(r.n))].release(r.slot)
	}
}

// sweep gives the blocks no table uses back to the runtime.
func (s *tableSlab) sweep() {
	for i := range s.classes {
		s.classes[i].sweep()
	}
}

// words is how much the slabs hold, in words, for the benchmarks.
func (s *tableSlab) words() int {
	n := 0
	for i := range s.classes {
		n += s.classes[i].blockWords()
	}
	return n
}

// wordSlab hands out slots of a fixed number of words from blocks of
// tableBlockWords, lowest free slot first; slot i+1 is slot i of the
// blocks laid end to end (0: none).
type wordSlab struct {
	words  int        // per slot
	per    int        // slots per block
	blocks [][]uint64 // nil: given back
	// used[b] is the bitmap of the slots in use in block b, live[b] how
	// many there are.
	used [][]uint64
	live []int
	// low is at or below the lowest block in use that is not full.
	low int
}

func (s *wordSlab) slot(i int32) []uint64 {
	i--
	b, j := int(i)/s.per, int(i)%s.per
	return s.blocks[b][j*s.words : (j+1)*s.words : (j+1)*s.words]
}

// alloc returns a free slot of words words, set to zero.
func (s *wordSlab) alloc(words int) int32 {
	if s.per == 0 {
		s.words, s.per = words, tableBlockWords/words
	}
	for s.low < len(s.blocks) && (s.blocks[s.low] == nil || s.live[s.low] == s.per) {
		s.low++
	}
	b := s.low
	if b == len(s.blocks) {
		// Every block in use is full: take back a given-back block, or
		// add one.
		b = slices.IndexFunc(s.blocks, func(b []uint64) bool { return b == nil })
		if b < 0 {
			b = len(s.blocks)
			s.blocks = append(s.blocks, nil)
			s.used = append(s.used, make([]uint64, (s.per+63)/64))
			s.live = append(s.live, 0)
		}
		s.blocks[b] = make([]uint64, s.per*s.words)
		s.low = b
	}
	j := 0
	for k, u := range s.used[b] {
		if u != ^uint64(0) {
			j = 64*k + bits.TrailingZeros64(^u)
			break
		}
	}
	s.used[b][j/64] |= 1 << (j % 64)
	s.live[b]++
	w := s.blocks[b][j*s.words : (j+1)*s.words]
	clear(w)
	return int32(b*s.per + j + 1)
}

func (s *wordSlab) release(i int32) {
	i--
	b, j := int(i)/s.per, int(i)%s.per
	s.used[b][j/64] &^= 1 << (j % 64)
	s.live[b]--
	s.low = min(s.low, b)
}

// blockWords is how much the blocks hold, in words.
func (s *wordSlab) blockWords() int {
	n := 0
	for _, b := range s.blocks {
		n += len(b)
	}
	return n
}

// sweep gives back the blocks that hold no slot in use. Empty blocks are
// kept until then, so a table moving in and out of a class at every poll
// does not allocate a block each time.
func (s *wordSlab) sweep() {
	for b, n := range s.live {
		if n == 0 {
			s.blocks[b] = nil
		}
	}
}
