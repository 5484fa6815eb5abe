package kafka

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flinkslo/flinkslo/internal/config"
)

// Deleted groups and topics take their series with them at the next poll.
func TestVanishingSeries(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	for _, topic := range []string{"keep", "drop"} {
		must(t, k.CreateTopic(ctx, topic, 1))
		mustProduce(t, ctx, k, topic, 0, 10, clk.Now())
	}
	must(t, k.Commit(ctx, "platform-a", map[string]map[int32]int64{"keep": {0: 1}, "drop": {0: 2}}))
	must(t, k.Commit(ctx, "platform-b", map[string]map[int32]int64{"keep": {0: 3}}))
	must(t, k.Commit(ctx, "job", map[string]map[int32]int64{"keep": {0: 4}}))
	cfg := testConfig(k.Brokers())
	cfg.PerPartitionMetrics = true
	cfg.Groups.Allow = []string{"^platform-"}
	c := newTestCollector(t, cfg, clk, "job")
	must(t, c.Poll(ctx))
	if got := lagSeries(t, c); !cmp.Equal(got, []string{"job/keep", "platform-a/drop", "platform-a/keep", "platform-b/keep"}) {
		t.Fatalf("before: lag series %v", got)
	}

	must(t, k.DeleteTopic(ctx, "drop"))
	must(t, k.DeleteGroup(ctx, "platform-b"))
	must(t, k.DeleteGroup(ctx, "job"))
	clk.Advance(testPoll)
	must(t, c.Poll(ctx))

	if got := lagSeries(t, c); !cmp.Equal(got, []string{"platform-a/keep"}) {
		t.Errorf("after deletes: lag series %v, want only platform-a/keep", got)
	}
	expo := exposition(t, c)
	for _, gone := range []string{`group="platform-b"`, `topic="drop"`} {
		if strings.Contains(expo, gone) {
			t.Errorf("series with %s remain:\n%s", gone, expo)
		}
	}
	// A group a target names stays visible as unknown: the target's owner
	// should see that its group has no commits.
	if !hasLine(expo, `flinkslo_consumergroup_status{cluster="default",group="job",status="unknown"} 1`) {
		t.Errorf("deleted target group not reported unknown:\n%s", expo)
	}
}

func lagSeries(t *testing.T, c *Collector) []string {
	t.Helper()
	var out []string
	for l := range strings.Lines(exposition(t, c, "flinkslo_consumergroup_lag_records")) {
		if strings.HasPrefix(l, "#") {
			continue
		}
		group := between(l, `group="`, `"`)
		topic := between(l, `topic="`, `"`)
		out = append(out, group+"/"+topic)
	}
	return out
}

func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(after, end)
	return v
}

// Allow and deny patterns select groups beyond the targets' own; deny
// never hides a group a target names.
func TestGroupSelection(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 10, clk.Now())
	for _, g := range []string{"flink-orders", "flink-orders-test", "flink-payments", "spark-etl"} {
		must(t, k.Commit(ctx, g, map[string]map[int32]int64{"in": {0: 1}}))
	}
	tests := []struct {
		name         string
		allow, deny  []string
		targetGroups []string
		want         []string
	}{
		{name: "targets only", targetGroups: []string{"spark-etl"}, want: []string{"spark-etl"}},
		{name: "allow", allow: []string{"^flink-"}, want: []string{"flink-orders", "flink-orders-test", "flink-payments"}},
		{name: "allow and deny", allow: []string{"^flink-"}, deny: []string{"-test$"}, want: []string{"flink-orders", "flink-payments"}},
		{name: "deny spares target groups", allow: []string{"^flink-"}, deny: []string{"-test$"}, targetGroups: []string{"flink-orders-test"}, want: []string{"flink-orders", "flink-orders-test", "flink-payments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(k.Brokers())
			cfg.Groups = config.GroupFilter{Allow: tt.allow, Deny: tt.deny}
			c := newTestCollector(t, cfg, clk, tt.targetGroups...)
			must(t, c.Poll(ctx))
			var got []string
			for _, s := range lagSeries(t, c) {
				got = append(got, strings.TrimSuffix(s, "/in"))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("measured groups (-want +got):\n%s", d)
			}
		})
	}
}

// Two clusters are polled independently: one being down does not hide the
// other's lag, and a group is looked up on its own cluster.
func TestClustersIndependent(t *testing.T) {
	ctx := ctxT(t)
	a, b := startKafka(t), startKafka(t)
	clk := newClock()
	must(t, a.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, a, "in", 0, 10, clk.Now())
	must(t, a.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 7}}))
	cfg := testConfig(a.Brokers())
	cfg.Clusters = []config.KafkaCluster{{Name: "analytics", Brokers: b.Brokers()}}
	c := newTestCollector(t, cfg, clk)
	c.SetGroups(map[string][]string{"": {"g"}, "analytics": {"g"}, "nowhere": {"x"}})
	b.Close()
	err := c.Poll(ctx)
	if err == nil || !strings.Contains(err.Error(), "analytics") {
		t.Errorf("Poll error = %v, want one naming cluster analytics", err)
	}
	if g, ok := c.Lag("", "g"); !ok || g.Records != 3 {
		t.Errorf("default cluster g: ok=%v records=%d, want 3 despite analytics being down", ok, g.Records)
	}
	if _, ok := c.Lag("analytics", "g"); ok {
		t.Error("analytics g reported while analytics is down")
	}
	if _, ok := c.Lag("nowhere", "x"); ok {
		t.Error("a group of an unconfigured cluster is reported")
	}
}

// Kafka does not check that group IDs are UTF-8, and a label value must
// be: a listed group whose name is not is left out (Collect would panic
// on it), the others are exported as usual.
func TestGroupNameNotUTF8(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 10, clk.Now())
	must(t, k.Commit(ctx, "ok", map[string]map[int32]int64{"in": {0: 1}}))
	must(t, k.Commit(ctx, "bad-\xff", map[string]map[int32]int64{"in": {0: 2}}))
	cfg := testConfig(k.Brokers())
	cfg.Groups.Allow = []string{"."}
	c := newTestCollector(t, cfg, clk)
	must(t, c.Poll(ctx))
	if got := lagSeries(t, c); !cmp.Equal(got, []string{"ok/in"}) {
		t.Errorf("lag series %v, want ok/in only", got)
	}
}
