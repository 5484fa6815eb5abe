package promexport

import (
	"bytes"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/flinkslo/flinkslo/fleet"
)

// prometheusAccept is the Accept header Prometheus scrapes with.
const prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

// The OpenMetrics written directly is what client_golang's OpenMetrics
// encoder writes for the Collector, line for line (series order aside):
// counters' families without _total, samples with it, floats as "1.0".
func TestOpenMetricsMatchesCollector(t *testing.T) {
	store := fleet.NewStore()
	snap := fleetSnapshot(time.Unix(1_800_000_000, 0))
	snap.Targets[1].Team = `team "quoted" \ back\nslash`
	store.Publish(snap)
	exp := NewExporter(store)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(exp)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := expfmt.NewEncoder(&want, expfmt.NewFormat(expfmt.TypeOpenMetrics))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	got := string(exp.OpenMetricsText(snap))
	if g, w := sortedLines(got), sortedLines(want.String()); g != w {
		t.Errorf("direct OpenMetrics differs from client_golang's:\n%s", diffLines(g, w))
	}
}

func sortedLines(s string) string {
	ls := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(ls)
	return strings.Join(ls, "\n")
}

// /metrics speaks what the scraper asks for: OpenMetrics to Prometheus
// (ending in # EOF, the live self metrics in it too), the text format to
// anyone else, gzipped or not.
func TestExpositionNegotiates(t *testing.T) {
	store := fleet.NewStore()
	snap := fleetSnapshot(time.Unix(1_800_000_000, 0))
	store.Publish(snap)
	exp := NewExporter(store)
	self := prometheus.NewRegistry()
	self.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "flinkslo_self_test_total", Help: "x"}))
	x := NewExposition(exp, self)
	for _, tc := range []struct {
		name, accept, wantType string
		wantTail               string
		wantSelf               string
	}{
		{"prometheus", prometheusAccept, "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores", string(exp.OpenMetricsText(snap)) + "# EOF\n", "# TYPE flinkslo_self_test counter\n"},
		{"no accept header", "", "text/plain; version=0.0.4; charset=utf-8", string(exp.Text(snap)), "# TYPE flinkslo_self_test_total counter\n"},
		{"text asked for", "text/plain;version=0.0.4", "text/plain; version=0.0.4; charset=utf-8", string(exp.Text(snap)), "# TYPE flinkslo_self_test_total counter\n"},
		{"protobuf asked for gets text", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", "text/plain; version=0.0.4; charset=utf-8", string(exp.Text(snap)), "# TYPE flinkslo_self_test_total counter\n"},
	} {
		for _, gz := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				req := httptest.NewRequest("GET", "/metrics", nil)
				req.Header.Set("Accept", tc.accept)
				if gz {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				rec := httptest.NewRecorder()
				x.ServeHTTP(rec, req)
				if got := rec.Header().Get("Content-Type"); got != tc.wantType {
					t.Errorf("Content-Type %q, want %q", got, tc.wantType)
				}
				body := rec.Body.String()
				if gz {
					body = gunzip(t, rec.Body.Bytes())
				}
				if !strings.HasSuffix(body, tc.wantTail) {
					t.Errorf("body does not end with the snapshot's families in that format:\n%s", tail(body, 600))
				}
				if !strings.HasPrefix(body, "# HELP flinkslo_self_test") || !strings.Contains(body, tc.wantSelf) {
					t.Errorf("self metrics missing or not in that format (want %q):\n%s", tc.wantSelf, tail(body, 600))
				}
				if n := strings.Count(body, "# EOF"); n > 1 {
					t.Errorf("%d # EOF lines", n)
				}
			})
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// promtool, Prometheus's own linter, finds nothing to fault in the
// exposition of a fleet with one of everything.
func TestPromtoolCheckMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("runs promtool; skipped with -short")
	}
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is required (make test-deps installs Debian's prometheus package): %v", err)
	}
	snap := fleetSnapshot(time.Unix(1_800_000_000, 0))
	cmd := exec.CommandContext(t.Context(), p, "check", "metrics")
	cmd.Stdin = bytes.NewReader(NewExporter(fleet.NewStore()).Text(snap))
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
