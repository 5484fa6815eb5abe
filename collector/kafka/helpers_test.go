package kafka

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// clock is a settable clock for evaluation and time lag.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testPoll = 10 * time.Second

func startKafka(t testing.TB) *kafkafake.Cluster {
	t.Helper()
	c, err := kafkafake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testConfig(brokers []string) config.Kafka {
	return config.Kafka{
		Brokers:          brokers,
		PollInterval:     config.Duration(testPoll),
		RequestTimeout:   config.Duration(time.Second),
		EvaluationWindow: config.Duration(time.Minute),
		TimeLag:          "interpolate",
	}
}

// partitionConfig keeps every partition's lag in the views, for tests
// that look at partitions.
func partitionConfig(brokers []string) config.Kafka {
	cfg := testConfig(brokers)
	cfg.PerPartitionMetrics = true
	return cfg
}

func newTestCollector(t testing.TB, cfg config.Kafka, clk *clock, groups ...string) *Collector {
	t.Helper()
	c, err := New(cfg, func(string) string { return "" }, slog.New(slog.DiscardHandler), WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	c.SetGroups(map[string][]string{config.DefaultCluster: groups})
	return c
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustProduce(t testing.TB, ctx context.Context, k *kafkafake.Cluster, topic string, partition int32, n int, ts time.Time) int64 {
	t.Helper()
	end, err := k.Produce(ctx, topic, partition, n, ts)
	must(t, err)
	return end
}

func mustLag(t testing.TB, c *Collector, group string) fleet.GroupLag {
	t.Helper()
	g, ok := c.Lag(config.DefaultCluster, group)
	if !ok {
		t.Fatalf("Lag(%q): not measured", group)
	}
	return g
}

// exposition is the collector's text exposition, limited to names if any,
// gathered through a pedantic registry that rejects inconsistent metrics.
func exposition(t testing.TB, c *Collector, names ...string) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	must(t, reg.Register(c))
	mfs, err := reg.Gather()
	must(t, err)
	var b strings.Builder
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if len(names) == 0 || slices.Contains(names, mf.GetName()) {
			must(t, enc.Encode(mf))
		}
	}
	return b.String()
}

func seriesCount(t testing.TB, c *Collector, name string) int {
	t.Helper()
	return testutil.CollectAndCount(c, name)
}

func hasLine(expo, line string) bool {
	for l := range strings.Lines(expo) {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// unixSeconds is how the exposition writes a timestamp (fleet's
// LagView.Walk does the same).
func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
