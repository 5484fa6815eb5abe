package kafka

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// A table stored in the slab and loaded back is the table: every point,
// through growth, thinning, trims and resets, while it moves between
// classes and other tables take and give back slots around it.
func TestTableSlabRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Unix(1_700_000_000, 0)
	const tables = 50
	var s tableSlab
	want := make([]timeTable, tables) // kept in working form only
	refs := make([]tableRef, tables)
	ends := make([]int64, tables)
	for poll := range 300 {
		at := start.Add(time.Duration(poll) * 10 * time.Second)
		for i := range tables {
			switch r.IntN(20) {
			case 0:
				ends[i] = r.Int64N(10) // truncated: a reset
			case 1, 2, 3:
				// idle: a flat stretch
			default:
				ends[i] += r.Int64N(1000)
			}
			keep := int64(-1)
			if r.IntN(3) == 0 {
				keep = r.Int64N(ends[i] + 1)
			}
			want[i].add(ends[i], at, keep)
			var got timeTable
			s.load(refs[i], &got)
			got.add(ends[i], at, keep)
			refs[i] = s.store(refs[i], &got)
			if r.IntN(50) == 0 { // a deleted topic
				want[i] = timeTable{}
				refs[i] = s.store(refs[i], &timeTable{})
			}
		}
		s.sweep()
		for i := range tables {
			var got timeTable
			s.load(refs[i], &got)
			if got.baseOff != want[i].baseOff || got.baseMs != want[i].baseMs || !slices.Equal(got.points(), want[i].points()) {
				t.Fatalf("poll %d, table %d: loaded %d+%d %v, want %d+%d %v", poll, i,
					got.baseOff, got.baseMs, got.points(), want[i].baseOff, want[i].baseMs, want[i].points())
			}
		}
	}
}

// A slot given back is handed out again, lowest first, and a block no
// slot uses is given back to the runtime at the next sweep, so tables
// moving class together leave no class's worth of empty slots behind.
func TestWordSlabReuse(t *testing.T) {
	var s wordSlab
	const words = 17
	per := tableBlockWords / words
	var slots []int32
	for range 3 * per {
		slots = append(slots, s.alloc(words))
	}
	s.release(slots[5])
	s.release(slots[2])
	if got := s.alloc(words); got != slots[2] {
		t.Errorf("alloc after releasing slots %d and %d = %d, want the lowest, %d", slots[5], slots[2], got, slots[2])
	}
	if got := s.alloc(words); got != slots[5] {
		t.Errorf("second alloc = %d, want %d", got, slots[5])
	}
	if got := s.alloc(words); got != int32(3*per+1) {
		t.Errorf("alloc with every slot in use = %d, want a new block's first, %d", got, 3*per+1)
	}
	// Empty the middle block: it is kept until the sweep, then given back.
	for _, i := range slots[per : 2*per] {
		s.release(i)
	}
	if s.blocks[1] == nil {
		t.Fatal("block given back before the sweep")
	}
	s.sweep()
	if s.blocks[1] != nil {
		t.Fatal("empty block kept after the sweep")
	}
	copy(s.slot(slots[0]), []uint64{7, 8})
	if got := s.slot(slots[0])[:2]; got[0] != 7 || got[1] != 8 {
		t.Errorf("slot %d holds %v after the sweep, want [7 8]", slots[0], got)
	}
	// Once the blocks in use are full, the next slot comes from the
	// given-back block.
	for range per - 1 {
		s.alloc(words)
	}
	got := s.alloc(words)
	if got != int32(per+1) || s.blocks[1] == nil {
		t.Errorf("alloc with a block given back = %d, want its first slot, %d", got, per+1)
	}
	if w := s.slot(got); len(w) != words || slices.ContainsFunc(w, func(v uint64) bool { return v != 0 }) {
		t.Errorf("new slot = %v, want %d zero words", w, words)
	}
}

// Tables that all grow together, as they do after the exporter starts,
// end up holding about what they use: the classes they moved through are
// given back.
func TestTableSlabLockstep(t *testing.T) {
	const tables = 5000
	var s tableSlab
	refs := make([]tableRef, tables)
	start := time.Unix(1_700_000_000, 0)
	for poll := range 2 * tablePoints {
		at := start.Add(time.Duration(poll) * 10 * time.Second)
		for i := range refs {
			var tab timeTable
			s.load(refs[i], &tab)
			tab.add(int64(100*poll+i), at, -1)
			refs[i] = s.store(refs[i], &tab)
		}
		s.sweep()
	}
	used := tables * (tablePoints + 1)
	if got := s.words(); got > used+used/20 {
		t.Errorf("slabs hold %d words for %d tables of %d words", got, tables, tablePoints+1)
	}
}
