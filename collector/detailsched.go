package collector

import (
	"math"
	"time"
)

// detailSchedule decides which targets are read in detail in a cycle.
// The detail reads (detail.go) come every detailInterval rather than every
// scrape interval, and are spread over the cycles in between: each target
// gets one of interval ÷ scrapeInterval slots as it appears, round robin,
// and is read in the cycles of its slot, so each cycle reads about as many
// targets and none carries the whole fleet's details. It is the place to
// give other slow-changing reads their own cadence.
type detailSchedule struct {
	// slots is the cycles per detail interval; 0 turns the reads off.
	slots int
	// next is the slot the next new target gets; cycle counts cycles.
	next, cycle int
}

func newDetailSchedule(every, scrape time.Duration) detailSchedule {
	if every <= 0 || scrape <= 0 {
		return detailSchedule{}
	}
	n := max(1, int(math.Round(float64(every)/float64(scrape))))
	// The first advance starts slot 0.
	return detailSchedule{slots: n, cycle: n - 1}
}

// on reports whether detail reads happen at all.
func (s *detailSchedule) on() bool { return s.slots > 0 }

// assign gives a new target its slot.
func (s *detailSchedule) assign() int {
	if !s.on() {
		return 0
	}
	slot := s.next
	s.next = (s.next + 1) % s.slots
	return slot
}

// advance starts a cycle.
func (s *detailSchedule) advance() {
	if s.on() {
		s.cycle = (s.cycle + 1) % s.slots
	}
}

// due reports whether a target of slot is read in detail this cycle.
func (s *detailSchedule) due(slot int) bool { return s.on() && s.cycle == slot }
