package lease

import (
	"context"
	"errors"
	"fmt"
)

// MaxState bounds the stored state: annotations of one object share
// Kubernetes' 256 KiB limit.
const MaxState = 200 << 10

// ErrNotLeader says a Save was not stored because this replica lost the
// Lease while saving; the new leader's state stands.
var ErrNotLeader = errors.New("not the leader")

// StateStore persists the leader's small state (the alerting router's open
// incidents) in an annotation of the election Lease, so a new leader
// resumes exactly where the old one stopped and RBAC stays "write only
// its own Lease".
type StateStore struct {
	lock    *leaseLock
	elector *Elector
}

// Load returns the last saved state, nil when none was saved.
func (s *StateStore) Load(ctx context.Context) ([]byte, error) {
	b, err := s.lock.loadState(ctx)
	if err != nil {
		return nil, fmt.Errorf("load state from lease %s: %w", s.lock.Describe(), err)
	}
	return b, nil
}

// Limit is the largest state Save takes: the alerting router leaves its
// least urgent undelivered notifications out of a state that would not
// fit, rather than fail the save.
func (s *StateStore) Limit() int { return MaxState }

// Save stores state while this replica leads; it does nothing on a
// follower, whose view must not replace the leader's.
func (s *StateStore) Save(ctx context.Context, state []byte) error {
	if !s.elector.IsLeader() {
		return nil
	}
	if len(state) > MaxState {
		return fmt.Errorf("save state to lease %s: %d bytes exceed the %d byte limit", s.lock.Describe(), len(state), MaxState)
	}
	err := s.lock.saveState(ctx, state)
	if errors.Is(err, errNotHolder) {
		return fmt.Errorf("save state to lease %s: %w", s.lock.Describe(), ErrNotLeader)
	}
	if err != nil {
		return fmt.Errorf("save state to lease %s: %w", s.lock.Describe(), err)
	}
	return nil
}
