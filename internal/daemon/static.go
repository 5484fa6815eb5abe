package daemon

import (
	"sync/atomic"

	"github.com/flinkslo/flinkslo/fleet"
)

// StaticTargets are the config file's targets, replaced by a reload.
type StaticTargets struct {
	v atomic.Pointer[[]fleet.Target]
}

// NewStaticTargets holds ts.
func NewStaticTargets(ts []fleet.Target) *StaticTargets {
	s := &StaticTargets{}
	s.Set(ts)
	return s
}

// Set replaces the list.
func (s *StaticTargets) Set(ts []fleet.Target) { s.v.Store(&ts) }

// Targets returns the current list.
func (s *StaticTargets) Targets() []fleet.Target { return *s.v.Load() }
