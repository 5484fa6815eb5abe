package shard

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fleet is n keys shaped like real ones: a few namespaces, many names.
func fleet(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("team-%d/job-%04d", i%17, i)
	}
	return keys
}

func TestEveryKeyOwnedExactlyOnce(t *testing.T) {
	const count = 3
	keys := fleet(1000)
	shards := make([]Shard, count)
	for i := range shards {
		s, err := New(i, count)
		if err != nil {
			t.Fatalf("New(%d, %d): %v", i, count, err)
		}
		shards[i] = s
	}
	perShard := make([]int, count)
	for _, k := range keys {
		owners := 0
		for _, s := range shards {
			if s.Owns(k) {
				owners++
				perShard[s.Index]++
			}
		}
		if owners != 1 {
			t.Errorf("key %s has %d owners, want 1", k, owners)
		}
	}
	// A fair split: no shard carries more than 20% over its share.
	for i, n := range perShard {
		if share := len(keys) / count; n < share*8/10 || n > share*12/10 {
			t.Errorf("shard %d owns %d of %d keys, want about %d", i, n, len(keys), share)
		}
	}
}

func TestReshardingMovesOnlyWhatItMust(t *testing.T) {
	keys := fleet(1000)
	tests := []struct {
		name     string
		from, to int
	}{
		{"grow 3 to 4", 3, 4},
		{"grow 1 to 2", 1, 2},
		{"grow 9 to 10", 9, 10},
		{"shrink 4 to 3", 4, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bigger := max(tt.from, tt.to)
			moved := 0
			for _, k := range keys {
				a, b := Of(k, tt.from), Of(k, tt.to)
				if a == b {
					continue
				}
				moved++
				// Only the shard that appears or disappears gains or
				// loses keys; the others keep theirs.
				if a != bigger-1 && b != bigger-1 {
					t.Errorf("key %s moved from shard %d to %d; only shard %d may change", k, a, b, bigger-1)
				}
			}
			// The new (or removed) shard's share, with 30% slack.
			if want := len(keys) / bigger; moved > want*13/10 || moved < want*7/10 {
				t.Errorf("%d of %d keys moved, want about %d", moved, len(keys), want)
			}
		})
	}
}

// TestAssignmentsStable pins the assignment of a fixed key set: a change of
// hash would reshuffle every fleet on upgrade, dropping and re-creating
// every series at once.
func TestAssignmentsStable(t *testing.T) {
	var b strings.Builder
	for _, k := range fleet(40) {
		fmt.Fprintf(&b, "%s %d %d %d\n", k, Of(k, 2), Of(k, 3), Of(k, 7))
	}
	path := filepath.Join("testdata", "assignments.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("assignments changed (key, shard of 2, 3, 7):\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name         string
		index, count int
		wantErr      bool
	}{
		{"single", 0, 1, false},
		{"last of three", 2, 3, false},
		{"index equals count", 3, 3, true},
		{"negative index", -1, 3, true},
		{"zero count", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.index, tt.count)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("New(%d, %d) error = %v, want error %v", tt.index, tt.count, err, tt.wantErr)
			}
		})
	}
}

func TestZeroShardOwnsAll(t *testing.T) {
	var s Shard
	for _, k := range fleet(50) {
		if !s.Owns(k) {
			t.Fatalf("zero Shard does not own %s", k)
		}
	}
}

func BenchmarkOwns(b *testing.B) {
	s := Shard{Index: 1, Count: 3}
	keys := fleet(1024)
	b.ResetTimer()
	for i := range b.N {
		s.Owns(keys[i%len(keys)])
	}
}

// TestJumpReferenceValues checks jump against values published with other
// implementations of the paper's algorithm, so the shard of a key is the
// one any jump-hash implementation would pick.
func TestJumpReferenceValues(t *testing.T) {
	tests := []struct {
		name    string
		key     uint64
		buckets int32
		want    int32
	}{
		{"python jump-consistent-hash README", 256, 1024, 520},
		{"first of eleven buckets", 10863919174838991, 11, 6},
		{"second of eleven buckets", 2016238256797177309, 11, 3},
		{"one bucket", 12345, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jump(tt.key, tt.buckets); got != tt.want {
				t.Errorf("jump(%d, %d) = %d, want %d", tt.key, tt.buckets, got, tt.want)
			}
		})
	}
}

// TestLive: a replica whose StatefulSet is scaled owns, from then on,
// exactly what the new count gives it.
func TestLive(t *testing.T) {
	keys := fleet(1000)
	l := NewLive(Shard{Index: 1, Count: 2})
	for _, k := range keys {
		if l.Owns(k) != (Of(k, 2) == 1) {
			t.Fatalf("%s: owned %v at 1/2", k, l.Owns(k))
		}
	}
	if !l.Set(Shard{Index: 1, Count: 3}) {
		t.Fatal("a new count is a change")
	}
	if l.Set(Shard{Index: 1, Count: 3}) {
		t.Fatal("the same shard again is no change")
	}
	for _, k := range keys {
		if l.Owns(k) != (Of(k, 3) == 1) {
			t.Fatalf("%s: owned %v at 1/3", k, l.Owns(k))
		}
	}
	var zero Live
	if !zero.Owns(keys[0]) || zero.Load() != (Shard{}) {
		t.Fatal("the zero Live owns every key")
	}
}
