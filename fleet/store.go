package fleet

import (
	"sync"
	"sync/atomic"
)

// Observer is told of every published snapshot, in order. Observe runs on
// the scrape loop's goroutine: it must return quickly and never block on
// I/O (queue the work and do it elsewhere).
type Observer interface {
	Observe(*Snapshot)
}

// Store holds the latest snapshot. Readers call Load and never wait on the
// scrape loop; the loop publishes a new, immutable snapshot each cycle.
type Store struct {
	cur atomic.Pointer[Snapshot]

	mu        sync.Mutex
	observers []Observer
}

// NewStore returns an empty store; Load returns nil until the first publish.
func NewStore() *Store { return &Store{} }

// Load returns the latest snapshot, or nil before the first cycle ends.
func (s *Store) Load() *Snapshot { return s.cur.Load() }

// AddObserver registers o for every later snapshot.
func (s *Store) AddObserver(o Observer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observers = append(s.observers, o)
}

// Publish makes snap the latest snapshot and tells the observers.
func (s *Store) Publish(snap *Snapshot) {
	s.cur.Store(snap)
	s.mu.Lock()
	obs := s.observers
	s.mu.Unlock()
	for _, o := range obs {
		o.Observe(snap)
	}
}
