package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/collector/shard"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/daemon"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// lagGroup finds the group of a group-level lag series in /metrics.
var lagGroup = regexp.MustCompile(`(?m)^flinkslo_consumergroup_lag_records\{[^}]*group="([^"]+)"`)

// Three replicas of the whole daemon, sharded with --shard.count 3, watch
// one Kafka cluster with the same kafka.groups.allow: each allow-listed
// group is exported by exactly one replica, its owner, and a group a
// target names is exported by the replica scraping that target, so that a
// fleet-wide sum over instances counts every group once.
func TestShardsDivideKafkaGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three daemons against a fake Kafka cluster")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	kc, err := kafkafake.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	if err := kc.CreateTopic(ctx, "in", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Produce(ctx, "in", 0, 10, time.Now()); err != nil {
		t.Fatal(err)
	}
	const replicas, n = 3, 24
	var groups []string
	for i := range n {
		g := fmt.Sprintf("platform-%02d", i)
		groups = append(groups, g)
		if err := kc.Commit(ctx, g, kafkafake.Offsets{"in": {0: 4}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := kc.Commit(ctx, "orders-enrichment", kafkafake.Offsets{"in": {0: 6}}); err != nil {
		t.Fatal(err)
	}
	jm := httptest.NewServer(flinkfake.New(flinkfake.Options{Jobs: []flinkfake.JobSpec{{Name: "orders"}}}))
	defer jm.Close()
	cfg, err := config.Parse(fmt.Appendf(nil, `scrapeInterval: 1s
scrapeTimeout: 1s
teams: { shop: {} }
targets:
  - { name: orders, namespace: shop, team: shop, url: %q, kafka: { consumerGroups: [orders-enrichment] } }
kafka: { brokers: [%q], pollInterval: 1s, groups: { allow: ["^platform-"] } }
`, jm.URL, kc.Brokers()[0]))
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string][]int{}
	scraper := -1
	for index := range replicas {
		p, err := daemon.Build(cfg, daemon.Options{Log: testLogger(), ShardIndex: index, ShardCount: replicas, DisableUI: true})
		if err != nil {
			t.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); runParts(rctx, p) }()
		// Wait until the replica has scraped once and its polls show every
		// group it should export: those it owns, and its target's.
		var got []string
		for {
			if ctx.Err() != nil {
				t.Fatalf("replica %d: after 90 s it exports the lag of %v", index, got)
			}
			time.Sleep(200 * time.Millisecond)
			if p.Ready() != nil {
				continue
			}
			scrapes := len(p.Store.Load().Targets) == 1
			if scrapes {
				scraper = index
			}
			rec := httptest.NewRecorder()
			p.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			got = got[:0]
			for _, m := range lagGroup.FindAllStringSubmatch(rec.Body.String(), -1) {
				got = append(got, m[1])
			}
			want := slices.DeleteFunc(slices.Clone(groups), func(g string) bool { return shard.Of(g, replicas) != index })
			if scrapes {
				want = append(want, "orders-enrichment")
			}
			if !slices.ContainsFunc(want, func(g string) bool { return !slices.Contains(got, g) }) {
				break
			}
		}
		stop()
		<-done
		for _, g := range slices.Compact(slices.Sorted(slices.Values(got))) {
			exported[g] = append(exported[g], index)
		}
	}
	if scraper < 0 {
		t.Fatal("no replica scraped the target")
	}
	for _, g := range groups {
		if got := exported[g]; len(got) != 1 || got[0] != shard.Of(g, replicas) {
			t.Errorf("group %s exported by replicas %v, want exactly its owner %d", g, got, shard.Of(g, replicas))
		}
	}
	if got := exported["orders-enrichment"]; len(got) != 1 || got[0] != scraper {
		t.Errorf("the target's group exported by replicas %v, want exactly the replica scraping it (%d)", got, scraper)
	}
	if len(exported) != n+1 {
		t.Errorf("exported groups %v, want the %d allow-listed groups and the target's", exported, n)
	}
}
