// Package shard splits targets between replicas of flinkslo by a stable
// hash of their key (namespace/name), so that each replica scrapes its own
// part of the fleet without talking to the others.
//
// The hash is Lamping and Veach's jump consistent hash over FNV-1a 64 of the
// key: every key lands on exactly one shard, shards get near-equal shares,
// and growing from n to n+1 shards moves only the ~1/(n+1) of keys that the
// new shard takes over (nothing moves between the old shards), so
// re-sharding drops and re-creates as few series as possible.
package shard

import (
	"fmt"
	"hash/fnv"
	"sync/atomic"
)

// Shard is one replica's part of the fleet: Index out of Count.
type Shard struct {
	Index int
	Count int
}

// New returns shard index of count, rejecting an index outside [0, count).
func New(index, count int) (Shard, error) {
	if count < 1 || index < 0 || index >= count {
		return Shard{}, fmt.Errorf("shard index %d is not in [0, count %d)", index, count)
	}
	return Shard{Index: index, Count: count}, nil
}

// Owns reports whether key (namespace/name) belongs to this shard. The zero
// Shard and a single shard own every key.
func (s Shard) Owns(key string) bool {
	if s.Count <= 1 {
		return true
	}
	return Of(key, s.Count) == s.Index
}

// String is "index/count", as logged at start-up.
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Of returns the shard in [0, count) that key belongs to; 0 when count < 2.
func Of(key string, count int) int {
	if count < 2 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(key)) // hash.Hash.Write never fails
	return int(jump(h.Sum64(), int32(min(count, 1<<31-1))))
}

// jump is the jump consistent hash (arXiv:1406.2294): it walks the buckets
// the key would jump to as the bucket count grows, using the key as the
// seed of a linear congruential generator.
func jump(key uint64, buckets int32) int32 {
	var b, j int64 = -1, 0
	for j < int64(buckets) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int32(b)
}

// Live is a shard that may change while flinkslo runs: a StatefulSet
// scaled, and every replica's count with it. It is safe for concurrent
// use; the zero Live owns every key.
type Live struct{ p atomic.Pointer[Shard] }

// NewLive starts a Live at s.
func NewLive(s Shard) *Live {
	l := &Live{}
	l.p.Store(&s)
	return l
}

// Load is the shard now.
func (l *Live) Load() Shard {
	if s := l.p.Load(); s != nil {
		return *s
	}
	return Shard{}
}

// Owns reports whether key belongs to the shard now.
func (l *Live) Owns(key string) bool { return l.Load().Owns(key) }

// Set moves to s and reports whether that changed anything.
func (l *Live) Set(s Shard) bool {
	old := l.p.Swap(&s)
	return old == nil || *old != s
}
