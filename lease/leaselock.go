package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationclient "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// StateAnnotation holds the leader's state on its Lease.
const StateAnnotation = "flinkslo.io/incidents"

// leaseLock is client-go's Lease lock plus a state annotation on the same
// Lease. The election and the state share one cached copy of the Lease
// under one mutex, so neither overwrites the other: the lock's updates
// carry the annotation along, and a state write advances the copy the next
// renewal starts from. Writes are optimistic (resourceVersion), so a former
// leader can never overwrite what a new leader wrote.
type leaseLock struct {
	client    coordinationclient.LeasesGetter
	namespace string
	name      string
	identity  string

	mu    sync.Mutex
	lease *coordinationv1.Lease // as last read or written
}

var _ resourcelock.Interface = (*leaseLock)(nil)

func (l *leaseLock) leases() coordinationclient.LeaseInterface {
	return l.client.Leases(l.namespace)
}

// Get reads the Lease and its election record.
func (l *leaseLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	lease, err := l.leases().Get(ctx, l.name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	l.mu.Lock()
	l.lease = lease
	l.mu.Unlock()
	rec := resourcelock.LeaseSpecToLeaderElectionRecord(&lease.Spec)
	raw, err := json.Marshal(rec)
	if err != nil {
		return nil, nil, fmt.Errorf("encode election record: %w", err)
	}
	return rec, raw, nil
}

// Create creates the Lease holding the record. The shipped manifests
// create the Lease so that RBAC need not grant create on leases.
func (l *leaseLock) Create(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: l.name, Namespace: l.namespace},
		Spec:       resourcelock.LeaderElectionRecordToLeaseSpec(&rec),
	}
	created, err := l.leases().Create(ctx, lease, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.lease = created
	l.mu.Unlock()
	return nil
}

// Update writes the record into the Lease, keeping its annotations.
func (l *leaseLock) Update(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lease == nil {
		return errors.New("lease not read yet")
	}
	next := l.lease.DeepCopy()
	next.Spec = resourcelock.LeaderElectionRecordToLeaseSpec(&rec)
	return l.writeLocked(ctx, next)
}

// RecordEvent records nothing: events would need create on events.
func (l *leaseLock) RecordEvent(string) {}

// Identity is this replica's name in the election.
func (l *leaseLock) Identity() string { return l.identity }

// Describe is namespace/name.
func (l *leaseLock) Describe() string { return l.namespace + "/" + l.name }

func (l *leaseLock) writeLocked(ctx context.Context, next *coordinationv1.Lease) error {
	updated, err := l.leases().Update(ctx, next, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	l.lease = updated
	return nil
}

// errNotHolder: the Lease is held by another replica.
var errNotHolder = errors.New("lease is held by another replica")

// saveState writes data into the state annotation while this replica
// holds the Lease. On a conflict the Lease is re-read once: a renewal in
// between is fine, a new holder is errNotHolder.
func (l *leaseLock) saveState(ctx context.Context, data []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if l.lease == nil || holder(l.lease) != l.identity {
			return errNotHolder
		}
		next := l.lease.DeepCopy()
		if next.Annotations == nil {
			next.Annotations = map[string]string{}
		}
		next.Annotations[StateAnnotation] = string(data)
		err := l.writeLocked(ctx, next)
		if err == nil || !apierrors.IsConflict(err) || attempt > 0 {
			return err
		}
		fresh, gerr := l.leases().Get(ctx, l.name, metav1.GetOptions{})
		if gerr != nil {
			return fmt.Errorf("re-read lease after conflict: %w", gerr)
		}
		l.lease = fresh
	}
}

// loadState reads the state annotation from the API server, not the
// cache: a replica that has just become leader must see what the previous
// leader wrote last.
func (l *leaseLock) loadState(ctx context.Context) ([]byte, error) {
	lease, err := l.leases().Get(ctx, l.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v, ok := lease.Annotations[StateAnnotation]
	if !ok {
		return nil, nil
	}
	return []byte(v), nil
}

func holder(l *coordinationv1.Lease) string {
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}
