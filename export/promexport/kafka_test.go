package promexport

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// kafkaFleet polls a kfake cluster holding two groups (one whose name
// needs escaping), and an unreachable cluster, so that the views hold
// every family (with perPartition, the per-partition ones too).
func kafkaFleet(t *testing.T, perPartition bool) (*kafka.Collector, *kafkafake.Cluster) {
	t.Helper()
	ctx := t.Context()
	k, err := kafkafake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	now := time.Unix(1_800_000_000, 0)
	if err := k.CreateTopic(ctx, "orders", 3); err != nil {
		t.Fatal(err)
	}
	if err := k.Fill(ctx, "orders", 3, 20, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	for g, off := range map[string]int64{"enrich": 5, `odd "name" \ here`: 20} {
		if err := k.Commit(ctx, g, kafkafake.Offsets{"orders": {0: off, 1: off, 2: off}}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Kafka{
		Brokers:             k.Brokers(),
		Clusters:            []config.KafkaCluster{{Name: "gone", Brokers: []string{"127.0.0.1:1"}}},
		PollInterval:        config.Duration(time.Second),
		RequestTimeout:      config.Duration(time.Second),
		EvaluationWindow:    config.Duration(time.Minute),
		PerPartitionMetrics: perPartition,
		TimeLag:             "record",
		Groups:              config.GroupFilter{Allow: []string{"."}},
	}
	c, err := kafka.New(cfg, func(string) string { return "" }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	_ = c.Poll(ctx) // the unreachable cluster's poll fails
	return c, k
}

// The Kafka series written from the views are what the collector's
// prometheus.Collector gives client_golang's encoders, line for line
// (series order aside), in both formats.
func TestKafkaSourceMatchesCollector(t *testing.T) {
	for _, perPartition := range []bool{true, false} {
		t.Run(fmt.Sprintf("perPartition=%v", perPartition), func(t *testing.T) { testKafkaSourceMatches(t, perPartition) })
	}
}

func testKafkaSourceMatches(t *testing.T, perPartition bool) {
	c, _ := kafkaFleet(t, perPartition)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	src := NewKafkaSource(c)
	for _, tc := range []struct {
		name   string
		format expfmt.Format
		f      Format
	}{
		{"text", expfmt.NewFormat(expfmt.TypeTextPlain), Text},
		{"openmetrics", expfmt.NewFormat(expfmt.TypeOpenMetrics), OpenMetrics},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want bytes.Buffer
			enc := expfmt.NewEncoder(&want, tc.format)
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					t.Fatal(err)
				}
			}
			got := string(kafkaText(src, tc.f))
			for _, s := range []string{`group="odd \"name\" \\ here"`, "flinkslo_consumergroup_partition_lag_seconds{", `flinkslo_kafka_up{cluster="gone"} 0`} {
				if want := perPartition || !strings.Contains(s, "_partition_"); strings.Contains(got, s) != want {
					t.Errorf("%s present = %v, want %v, in:\n%s", s, !want, want, got)
				}
			}
			if g, w := sortedLines(got), sortedLines(want.String()); g != w {
				t.Errorf("Kafka text differs from client_golang's:\n%s", diffLines(g, w))
			}
		})
	}
}

// /metrics carries the Kafka series from the cache: rendered once per
// poll whatever the number of scrapes, and replaced by the next poll.
func TestExpositionKafkaOncePerPoll(t *testing.T) {
	c, k := kafkaFleet(t, false)
	src := &countingKafka{KafkaSource: NewKafkaSource(c)}
	x := NewExposition(NewExporter(fleet.NewStore()), prometheus.NewRegistry(), src)
	scrape := func() string {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Accept-Encoding", "gzip") // as Prometheus asks
		rec := httptest.NewRecorder()
		x.ServeHTTP(rec, req)
		return gunzip(t, rec.Body.Bytes())
	}
	const enrich = `flinkslo_consumergroup_lag_records{cluster="default",group="enrich",topic="orders"} `
	for range 3 {
		if got := scrape(); !strings.Contains(got, enrich+"45\n") {
			t.Fatalf("want %s45 in:\n%s", enrich, got)
		}
	}
	if src.renders != 1 {
		t.Errorf("rendered %d times for one poll, want 1", src.renders)
	}
	if err := k.Commit(context.Background(), "enrich", kafkafake.Offsets{"orders": {0: 15, 1: 15, 2: 15}}); err != nil {
		t.Fatal(err)
	}
	_ = c.Poll(t.Context())
	if got := scrape(); !strings.Contains(got, enrich+"15\n") || src.renders != 2 {
		t.Errorf("after a poll: want %s15, rendered once more (renders %d), got:\n%s", enrich, src.renders, got)
	}
}

type countingKafka struct {
	*KafkaSource
	renders int
}

func (s *countingKafka) WriteText(f Format, out func([]byte) error) error {
	s.renders++
	return s.KafkaSource.WriteText(f, out)
}

// promtool finds nothing to fault in the Kafka series either.
func TestPromtoolCheckKafkaMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("runs promtool; skipped with -short")
	}
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is required (make test-deps installs Debian's prometheus package): %v", err)
	}
	c, _ := kafkaFleet(t, true)
	cmd := exec.CommandContext(t.Context(), p, "check", "metrics")
	cmd.Stdin = bytes.NewReader(kafkaText(NewKafkaSource(c), Text))
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// staticViews serves fixed views.
type staticViews []*fleet.LagView

func (v staticViews) Views() []*fleet.LagView { return v }
func (staticViews) PerPartitionMetrics() bool { return false }

// A large view is handed on in chunks, a family's series across several:
// each family still has one header and every group its series.
func TestKafkaTextInChunks(t *testing.T) {
	const groups = 3000
	v := &fleet.LagView{Cluster: "default", Seq: 1, Up: true}
	for i := range groups {
		v.Groups = append(v.Groups, fleet.GroupLag{Cluster: "default", Group: fmt.Sprintf("group-%05d", i), Known: true, Records: int64(i),
			Status: fleet.LagStatusOK, Topics: []fleet.TopicLag{{Topic: "orders", Complete: true, Records: int64(i)}}})
	}
	src := NewKafkaSource(staticViews{v})
	var chunks int
	var text []byte
	if err := src.WriteText(Text, func(c []byte) error {
		chunks++
		if len(c) > flushAt+4<<10 {
			t.Errorf("a chunk of %d bytes, want about %d at most", len(c), flushAt)
		}
		text = append(text, c...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if chunks < 4 {
		t.Fatalf("%d bytes in %d chunks: the test does not cross a chunk", len(text), chunks)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("the chunked text does not parse: %v", err)
	}
	if got := len(mfs["flinkslo_consumergroup_lag_records"].GetMetric()); got != groups {
		t.Errorf("%d group lag series, want %d", got, groups)
	}
}

// kafkaText is the whole text the source hands on.
func kafkaText(src *KafkaSource, f Format) []byte {
	var b []byte
	_ = src.WriteText(f, func(c []byte) error { b = append(b, c...); return nil })
	return b
}
