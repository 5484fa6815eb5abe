package dogstatsd

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// closedUDPPort returns an address nobody listens on.
func closedUDPPort(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

// TestAgentAbsent: with no agent, sending a snapshot returns, nothing
// panics, and the lost sends show in flinkslo_datadog_errors_total.
func TestAgentAbsent(t *testing.T) {
	sock := func(scheme string) string { return scheme + filepath.Join(t.TempDir(), "absent.sock") }
	for _, tc := range []struct{ name, addr string }{
		{"udp port closed", closedUDPPort(t)},
		{"unix socket missing", sock("unix://")},
		{"unixgram socket missing", sock("unixgram://")},
		{"unixstream socket missing", sock("unixstream://")},
		{"agent host does not resolve", "datadog-agent.invalid:8125"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, reg := newEmitter(t, testConfig(tc.addr, true))
			for step := 1; step <= 2; step++ {
				e.Observe(sampleFleet(step))
				e.sendPending() // what Run does; it must come back
			}
			if n := testutil.ToFloat64(e.errs); n == 0 {
				t.Errorf("flinkslo_datadog_errors_total = 0 after sending to an absent agent, want > 0")
			}
			if n, err := testutil.GatherAndCount(reg, "flinkslo_datadog_errors_total"); err != nil || n != 1 {
				t.Errorf("errors counter registered: %d series, %v", n, err)
			}
		})
	}
}

// TestAgentResolvesLater: a snapshot observed while the agent's host name
// does not resolve is sent once it does, counters and all.
func TestAgentResolvesLater(t *testing.T) {
	a := listen(t, "udp")
	e, _ := newEmitter(t, testConfig("datadog-agent.invalid:8125", true))
	e.Observe(sampleFleet(1))
	e.sendPending()
	if e.client != nil {
		t.Fatal("a client for an unresolvable agent")
	}
	e.addr = a.addr // the agent's Service appears
	got := sendSync(t, e, a, sampleFleet(2))
	if !has(got, "job.healthy", "1", "job_name:reindex") {
		t.Errorf("after the agent resolved, snapshot 2 was not sent: %v", render(got))
	}
	if has(got, "job.restarts", "") {
		t.Errorf("snapshot 1 never reached Datadog, so snapshot 2 is a first sight and must send no counts: %v", render(got))
	}
}

// TestObserveNeverWaits: the scrape loop hands over snapshots however far
// behind the emitter is; only the newest is sent, and the skipped ones
// are counted.
func TestObserveNeverWaits(t *testing.T) {
	a := listen(t, "udp")
	e, _ := newEmitter(t, testConfig(a.addr, true))
	for range 1000 {
		e.Observe(sampleFleet(1)) // Run is not even started
	}
	e.Observe(sampleFleet(2))
	if n := testutil.ToFloat64(e.skipped); n != 1000 {
		t.Errorf("flinkslo_datadog_snapshots_skipped_total = %v, want 1000", n)
	}
	got := sendSync(t, e, a, nil)
	if !has(got, "fleet.jobs_expected", "5") {
		t.Errorf("the newest snapshot (5 expected jobs) was not the one sent: %v", render(got))
	}
}

// TestRun: Run sends what Observe hands it until its context ends; Close
// is safe twice and stops later snapshots.
func TestRun(t *testing.T) {
	a := listen(t, "unixgram")
	e, _ := newEmitter(t, testConfig(a.addr, false))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()

	e.Observe(sampleFleet(1))
	a.until(t, func(ls []line) bool { return has(ls, "fleet.jobs_expected", "4") })
	e.Observe(sampleFleet(2))
	a.until(t, func(ls []line) bool { return has(ls, "job.restarts", "3") })

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: %v, want nil", err)
	}
	for i := range 2 {
		if err := e.Close(); err != nil {
			t.Errorf("Close #%d: %v", i+1, err)
		}
	}
	e.Observe(sampleFleet(1))
	e.sendPending()
	if e.pending.Load() == nil {
		t.Error("a closed emitter took a snapshot to send")
	}
}

func TestNamespaceOnWire(t *testing.T) {
	a := listen(t, "udp")
	cfg := testConfig(a.addr, true)
	cfg.Namespace = "platform.flink"
	e, _ := newEmitter(t, cfg)
	for _, l := range sendSync(t, e, a, sampleFleet(1)) {
		if !strings.HasPrefix(l.Name, "platform.flink.") || strings.HasPrefix(l.Name, "platform.flink.platform") {
			t.Errorf("line %s not under namespace platform.flink", l)
		}
	}
}

func TestNewRejectsHopelessAddress(t *testing.T) {
	for _, tc := range []struct{ name, addr string }{
		{"empty", ""},
		{"no port", "localhost"},
		{"named port", "localhost:statsd"},
		{"port out of range", "localhost:70000"},
		{"no socket path", "unix://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(testConfig(tc.addr, true), nil); err == nil || !strings.Contains(err.Error(), "datadog") {
				t.Errorf("New with address %q: %v, want an error naming datadog", tc.addr, err)
			}
		})
	}
}

type leading struct{ on atomic.Bool }

func (l *leading) IsLeader() bool { return l.on.Load() }

// TestFollowerSendsNothing: of two replicas of a shard, only the leader
// sends, so Datadog does not sum every count twice. A follower that takes
// over sends the counts of the last cycle only, not of everything it saw
// while it followed.
func TestFollowerSendsNothing(t *testing.T) {
	a := listen(t, "udp")
	l := &leading{}
	reg := prometheus.NewRegistry()
	e, err := New(testConfig(a.addr, false), nil, WithRegisterer(reg), WithTelemetry(false), WithLeader(l),
		WithClock(func() time.Time { return fleetNow }))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if got := sendSync(t, e, a, sampleFleet(1)); len(got) != 0 {
		t.Fatalf("a follower sent %d lines: %v", len(got), render(got))
	}
	l.on.Store(true)
	got := sendSync(t, e, a, sampleFleet(2))
	fraud := []string{"deployment:fraud-scorer", "job_name:fraud-scorer"}
	if !has(got, "job.healthy", "1", "job_name:reindex") {
		t.Errorf("the new leader sent no gauges: %v", render(got))
	}
	// Had the follower not kept its baselines, the new leader would see
	// the fleet for the first time and send no counts at all.
	if !has(got, "job.restarts", "3", fraud...) {
		t.Errorf("the new leader did not send the 3 restarts of the last cycle: %v", render(got))
	}
}
