package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"go.yaml.in/yaml/v3"
	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/daemon"
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
teams: { shop: { slackChannel: "#shop" } }
alerting: { alertmanager: { urls: ["http://127.0.0.1:1"] }, notify: { alertmanager: {} } }
kafka: { brokers: [%q], pollInterval: 1s, perPartitionMetrics: true }
datadog: { address: %q }
otlp: { endpoint: "http://127.0.0.1:1", interval: 1s, timeout: 1s }
`, dir, srv.URL, kc.Brokers()[0], udp.LocalAddr().String())))
	if err != nil {
		t.Fatal(err)
	}
	p, err := daemon.Build(cfg, daemon.Options{Log: testLogger(), ForceConsole: true})
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
	doc := slices.DeleteFunc(readmeMetrics(t), func(n string) bool { return slices.Contains(p.Exporter().Names(), n) })
	var exposed []string
	// Lag in seconds needs a few polls of moving consumers; under -race on a
	// busy machine that can take a while, and the loop ends as soon as all show.
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		exposed = exposedMetrics(t, p)
		if len(missing(doc, exposed)) == 0 {
			break
		}
	}
	// Prometheus's own linter, over everything /metrics serves: the
	// snapshot's families and the daemon's own registry alike.
	checkMetrics(t, p)
	cancel()
	<-done
	for _, m := range missing(exposed, readmeMetrics(t)) {
		t.Errorf("%s is exposed but not in the README's metrics table", m)
	}
	for _, m := range missing(doc, exposed) {
		t.Errorf("%s is in the README but was never exposed", m)
	}
}

// checkMetrics runs promtool check metrics over what /metrics serves now.
func checkMetrics(t *testing.T, p *daemon.Daemon) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is required (make test-deps installs it): %v", err)
	}
	rec := httptest.NewRecorder()
	p.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	cmd := exec.CommandContext(t.Context(), promtool, "check", "metrics")
	cmd.Stdin = rec.Body
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("promtool check metrics on /metrics: %v\n%s", err, out)
	}
}

// exposedMetrics is every flinkslo_* family /metrics would serve now.
func exposedMetrics(t *testing.T, p *daemon.Daemon) []string {
	// What /metrics serves, in the text format: the registry's metrics,
	// the snapshot's and the Kafka views'.
	rec := httptest.NewRecorder()
	p.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	var names []string
	for l := range strings.Lines(rec.Body.String()) {
		if n, _, ok := strings.Cut(strings.TrimRight(l, "\n"), "{"); ok && !strings.HasPrefix(l, "#") {
			names = append(names, n)
		} else if n, _, ok := strings.Cut(l, " "); ok && !strings.HasPrefix(l, "#") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return slices.DeleteFunc(names, func(n string) bool { return !strings.HasPrefix(n, "flinkslo_") || n == "flinkslo_build_info" })
}

// testLogger logs errors only, to stderr, as the daemon would.
func testLogger() *slog.Logger {
	c := &promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat()}
	_ = c.Level.Set("error")
	return promslog.New(c)
}

// runParts runs the parts until ctx ends, as run does.
func runParts(ctx context.Context, p *daemon.Daemon) {
	g, gctx := errgroup.WithContext(ctx)
	p.Start(gctx, g)
	_ = g.Wait()
	p.Close()
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

// readmeBlock is one ```yaml block of the README.
type readmeBlock struct {
	line     int    // of the opening fence
	text     string // between the fences
	fragment bool   // marked "<!-- config fragment: why -->" on the line before
}

// readmeConfigs returns the README's YAML blocks: every one is a flinkslo
// configuration, whole or (marked) a fragment of one.
func readmeConfigs(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []readmeBlock
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```yaml" {
			continue
		}
		blk := readmeBlock{line: i + 1, fragment: i > 0 && strings.HasPrefix(lines[i-1], "<!-- config fragment:")}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		blk.text = strings.Join(body, "\n") + "\n"
		out = append(out, blk)
	}
	return out
}

// TestReadmeConfigs: every configuration in the README is one check-config
// accepts without a warning and `flinkslo run` starts with, given the
// secrets it names; a block marked as a fragment must at least load.
func TestReadmeConfigs(t *testing.T) {
	blocks := readmeConfigs(t)
	whole := 0
	for _, blk := range blocks {
		t.Run(fmt.Sprintf("README line %d", blk.line), func(t *testing.T) {
			if blk.fragment {
				if _, err := config.Parse([]byte(blk.text)); err != nil {
					t.Fatalf("the fragment does not load: %v\n%s", err, blk.text)
				}
				return
			}
			whole++
			path := filepath.Join(t.TempDir(), "flinkslo.yaml")
			writeFile(t, path, blk.text)
			env := namedSecrets(t, blk.text)
			code, out, errOut := runCLI(t, "", env, "check-config", path)
			if code != 0 || strings.Contains(out, "warning:") {
				t.Errorf("check-config: exit %d, want 0 without warnings (or mark the block <!-- config fragment: … -->)\n%s%s", code, out, errOut)
			}
			if started, log := startRun(t, path, env); !started {
				t.Errorf("run did not start:\n%s", log)
			}
		})
	}
	if whole == 0 {
		t.Error("the README shows no whole configuration")
	}
}

// namedSecrets gives every environment variable a configuration names (the
// value of a …Env key, or of bearerToken's env) a value, as a deployment's
// Secret would.
func namedSecrets(t *testing.T, text string) map[string]string {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(text), &root); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i].Value, n.Content[i+1]
				if (strings.HasSuffix(k, "Env") || k == "env") && v.Kind == yaml.ScalarNode {
					env[v.Value] = "readme-test-" + strings.ToLower(v.Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	return env
}
