package kafka

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// The exposition of a known set of groups, per-partition series on. The
// scrape duration is left out: it is wall-clock time.
func TestExpositionGolden(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	clk := newClock()
	must(t, k.CreateTopic(ctx, "orders", 3))
	must(t, k.CreateTopic(ctx, "payments", 1))
	cfg := testConfig(k.Brokers())
	cfg.PerPartitionMetrics = true
	c := newTestCollector(t, cfg, clk, "enrich", "fraud", "absent")
	for i := range 4 {
		for p := range int32(3) {
			mustProduce(t, ctx, k, "orders", p, 10*int(p+1), clk.Now())
		}
		mustProduce(t, ctx, k, "payments", 0, 20, clk.Now())
		ends, err := k.EndOffsets(ctx, "orders")
		must(t, err)
		// enrich keeps up on partitions 0 and 1 and never commits 2;
		// fraud falls further behind on every commit.
		must(t, k.Commit(ctx, "enrich", map[string]map[int32]int64{"orders": {0: ends[0], 1: ends[1] - 5}}))
		must(t, k.Commit(ctx, "fraud", map[string]map[int32]int64{"payments": {0: int64(i * 5)}}))
		must(t, c.Poll(ctx))
		clk.Advance(testPoll)
	}
	names := []string{}
	descs := make(chan *prometheus.Desc, 32)
	c.Describe(descs)
	close(descs)
	for d := range descs {
		name := descName(d)
		if name != "flinkslo_kafka_scrape_duration_seconds" {
			names = append(names, name)
		}
	}
	got := exposition(t, c, names...)
	path := filepath.Join("testdata", "exposition.golden")
	if *update {
		must(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	must(t, err)
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("exposition (-want +got), rerun with -update if intended:\n%s", d)
	}
}

// descName pulls fqName out of a Desc; client_golang has no accessor.
func descName(d *prometheus.Desc) string {
	return between(d.String(), `fqName: "`, `"`)
}

// Describe and Collect agree: every collected metric has a described
// family (the pedantic registry checks), on a cluster that is up and one
// that is down.
func TestDescribeCoversCollect(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 3, time.Now())
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 1}}))
	cfg := testConfig(k.Brokers())
	cfg.PerPartitionMetrics = true
	c := newTestCollector(t, cfg, newClock(), "g")
	must(t, c.Poll(ctx))
	if exposition(t, c) == "" {
		t.Fatal("nothing collected")
	}
	k.Close()
	_ = c.Poll(ctx)
	if exposition(t, c, "flinkslo_kafka_up") == "" {
		t.Fatal("kafka_up missing while down")
	}
}

// testdata/readme-metrics.md holds the rows for the README's metrics
// reference; they must name every family with its exact labels.
func TestReadmeRows(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "readme-metrics.md"))
	must(t, err)
	row := regexp.MustCompile("^\\| `(flinkslo_[a-z_]+)` \\| (gauge|counter) \\| ([^|]*) \\|")
	doc := map[string]string{}
	for l := range strings.Lines(string(b)) {
		if m := row.FindStringSubmatch(l); m != nil {
			doc[m[1]] = m[3]
		}
	}
	descs := make(chan *prometheus.Desc, 32)
	newTestCollector(t, testConfig([]string{"127.0.0.1:1"}), newClock()).Describe(descs)
	close(descs)
	code := map[string]string{}
	for d := range descs {
		labels := strings.Split(between(d.String(), "variableLabels: {", "}"), ",")
		code[descName(d)] = strings.Join(labels, ", ")
	}
	for name, labels := range code {
		if got, ok := doc[name]; !ok || strings.TrimSpace(got) != labels {
			t.Errorf("%s: documented labels %q, code has %q", name, got, labels)
		}
	}
	if len(doc) != len(code) {
		t.Errorf("%d rows documented, %d families exported", len(doc), len(code))
	}
}
