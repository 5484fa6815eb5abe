package kafka

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/flinkslo/flinkslo/collector/shard"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Three replicas poll one cluster with the same allow pattern: each
// pattern-selected group is exported by exactly one of them, the one
// that owns it, while a group a target names is measured by that
// target's replica whoever owns it, and still exported once.
func TestGroupsDividedBetweenShards(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 10, clk.Now())
	var groups []string
	for i := range 30 {
		g := fmt.Sprintf("platform-%02d", i)
		groups = append(groups, g)
		must(t, k.Commit(ctx, g, map[string]map[int32]int64{"in": {0: 3}}))
	}
	must(t, k.Commit(ctx, "job-only", map[string]map[int32]int64{"in": {0: 5}}))
	const replicas = 3
	// A platform group replica 0 does not own is also named by one of
	// replica 0's targets.
	other := groups[slices.IndexFunc(groups, func(g string) bool { return shard.Of(g, replicas) != 0 })]
	named := map[int][]string{0: {other, "job-only"}}
	exported := map[string][]int{}
	for i := range replicas {
		sh, err := shard.New(i, replicas)
		must(t, err)
		cfg := testConfig(k.Brokers())
		cfg.Groups = config.GroupFilter{Allow: []string{"^platform-"}}
		c, err := New(cfg, func(string) string { return "" }, slog.New(slog.DiscardHandler), WithClock(clk.Now), WithGroupOwner(sh.Owns))
		must(t, err)
		t.Cleanup(c.Close)
		c.SetGroups(map[string][]string{"": named[i]})
		must(t, c.Poll(ctx))
		for _, s := range lagSeries(t, c) {
			g := strings.TrimSuffix(s, "/in")
			exported[g] = append(exported[g], i)
		}
		for _, g := range groups {
			_, measured := c.Lag("", g)
			if want := sh.Owns(g) || slices.Contains(named[i], g); measured != want {
				t.Errorf("replica %d: group %s measured = %v, want %v (owned %v)", i, g, measured, want, sh.Owns(g))
			}
		}
		if _, ok := c.Lag("", "job-only"); ok != (i == 0) {
			t.Errorf("replica %d: job-only measured = %v, want only by the replica naming it", i, ok)
		}
	}
	for _, g := range append(groups, "job-only") {
		if got := exported[g]; len(got) != 1 {
			t.Errorf("group %s exported by replicas %v, want exactly one", g, got)
		} else if strings.HasPrefix(g, "platform-") && got[0] != shard.Of(g, replicas) {
			t.Errorf("group %s exported by replica %d, want its owner %d", g, got[0], shard.Of(g, replicas))
		}
	}
	if len(exported) != len(groups)+1 {
		t.Errorf("exported groups %v, want the %d platform groups and job-only", slices.Sorted(maps.Keys(exported)), len(groups))
	}
}
