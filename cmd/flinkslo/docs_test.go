package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// readmeMetrics lists the metric names of the README's metrics reference.
func readmeMetrics(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start, end := strings.Index(s, "<!-- metrics:begin -->"), strings.Index(s, "<!-- metrics:end -->")
	if start < 0 || end < start {
		t.Fatal("README has no metrics table")
	}
	var names []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(flinkslo_[a-z_]+)` \\|").FindAllStringSubmatch(s[start:end], -1) {
		names = append(names, m[1])
	}
	return names
}

// TestEveryMetricDocumented runs every part of the daemon — scrape loop,
// Kafka lag on a kfake cluster, the router, the DogStatsD emitter — and
// requires each flinkslo_* metric it exposes to be in the README's
// reference, and each documented metric to be exposed.
func TestEveryMetricDocumented(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon's parts for a few seconds")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jm := flinkfake.New(flinkfake.Options{Jobs: []flinkfake.JobSpec{{Name: "orders", Scenario: flinkfake.RestartLoop, Failure: flinkfake.PlatformBug}}})
	srv := httptest.NewServer(jm)
	defer srv.Close()
	kc, err := kafkafake.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	sim, err := kafkafake.NewSim(ctx, kc, kafkafake.DemoJobs()[:1])
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sim.Run(ctx) }()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`scrapeInterval: 1s
scrapeTimeout: 1s
stateFile: %s/state.json
targets:
  - { name: orders, namespace: shop, team: shop, url: %q, kafka: { consumerGroups: [orders-enrichment] } }
kafka: { brokers: [%q], pollInterval: 1s, perPartitionMetrics: true }
datadog: { address: %q }
`, dir, srv.URL, kc.Brokers()[0], udp.LocalAddr().String())))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }, logCfg: testLogConfig()}
	static := &reloadable{}
	static.set(collector.StaticTargets(cfg))
	p, err := build(e, cfg, buildOptions{log: e.logger(), static: static, console: true})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		runParts(ctx, p)
	}()
	// The exporter's own families (some only appear with the operator's
	// status or a failing target) are generated into the README from the
	// table (export.TestMetricsTable); here every other part must show
	// everything it documents.
	doc := slices.DeleteFunc(readmeMetrics(t), func(n string) bool { return slices.Contains(p.exporter.Names(), n) })
	var exposed []string
	// Lag in seconds needs a few polls of moving consumers; under -race on a
	// busy machine that can take a while, and the loop ends as soon as all show.
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		exposed = exposedMetrics(t, p)
		if len(missing(doc, exposed)) == 0 {
			break
		}
	}
	cancel()
	<-done
	for _, m := range missing(exposed, readmeMetrics(t)) {
		t.Errorf("%s is exposed but not in the README's metrics table", m)
	}
	for _, m := range missing(doc, exposed) {
		t.Errorf("%s is in the README but was never exposed", m)
	}
}

// exposedMetrics is every flinkslo_* family /metrics would serve now.
func exposedMetrics(t *testing.T, p *parts) []string {
	mfs, err := p.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	if snap := p.store.Load(); snap != nil {
		text := string(p.exporter.Text(snap))
		for _, n := range p.exporter.Names() {
			if strings.Contains(text, "\n"+n+"{") {
				names = append(names, n)
			}
		}
	}
	return slices.DeleteFunc(names, func(n string) bool { return !strings.HasPrefix(n, "flinkslo_") || n == "flinkslo_build_info" })
}

func testLogConfig() *promslog.Config {
	c := &promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat()}
	_ = c.Level.Set("error")
	return c
}

// runParts runs the parts until ctx ends, as run does.
func runParts(ctx context.Context, p *parts) {
	g, gctx := errgroup.WithContext(ctx)
	p.start(g, gctx)
	_ = g.Wait()
	p.close()
}

// missing returns the elements of a not in b.
func missing(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
