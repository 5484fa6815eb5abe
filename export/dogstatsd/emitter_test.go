package dogstatsd

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func testConfig(addr string, aggregation bool) config.Datadog {
	return config.Datadog{Address: addr, Namespace: "flinkslo", Tags: []string{"env:test"}, Aggregation: &aggregation}
}

func newEmitter(t testing.TB, cfg config.Datadog) (*Emitter, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	e, err := New(cfg, nil, WithRegisterer(reg), WithTelemetry(false), WithClock(func() time.Time { return fleetNow }))
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { e.Close() })
	return e, reg
}

// sendSync sends snap as Run would, then a sentinel, and returns what the
// agent received before the sentinel: everything the snapshot produced.
func sendSync(t testing.TB, e *Emitter, a *agent, snap *fleet.Snapshot) []line {
	t.Helper()
	e.Observe(snap)
	e.sendPending()
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.client.Gauge(sentinel, 1, nil, 1); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Flush(); err != nil {
		t.Fatal(err)
	}
	return a.untilSentinel(t)
}

func render(ls []line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.String()
	}
	slices.Sort(out)
	return out
}

// fleetLines sends both steps of the fleet and returns the sorted lines
// of each.
func fleetLines(t *testing.T, network string, aggregation bool) [2][]string {
	a := listen(t, network)
	e, _ := newEmitter(t, testConfig(a.addr, aggregation))
	var out [2][]string
	for i := range out {
		out[i] = render(sendSync(t, e, a, sampleFleet(i+1)))
	}
	return out
}

func golden(t *testing.T, name string, got [2][]string) {
	t.Helper()
	var b strings.Builder
	for i, ls := range got {
		b.WriteString("# snapshot " + string(rune('1'+i)) + "\n")
		for _, l := range ls {
			b.WriteString(l + "\n")
		}
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("lines the agent received differ from %s (-want +got):\n%s", path, d)
	}
}

// TestFleetLines: what a DogStatsD agent receives for two cycles of a
// fleet is exactly testdata/fleet.golden, over every transport and with
// client-side aggregation on or off.
func TestFleetLines(t *testing.T) {
	for _, tc := range []struct {
		name, network string
		aggregation   bool
	}{
		{"udp aggregated", "udp", true},
		{"udp unaggregated", "udp", false},
		{"unixgram", "unixgram", true},
		{"unix autodetects datagram", "unix", true},
		{"unixstream", "unixstream", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, "fleet.golden", fleetLines(t, tc.network, tc.aggregation))
		})
	}
}
