package dogstatsd

import (
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flinkslo/flinkslo/fleet"
)

// countingSink counts what the emitter hands the client.
type countingSink struct {
	sink
	n atomic.Int64
}

func (c *countingSink) Gauge(name string, v float64, tags []string, rate float64) error {
	c.n.Add(1)
	return c.sink.Gauge(name, v, tags, rate)
}

func (c *countingSink) Count(name string, v int64, tags []string, rate float64) error {
	c.n.Add(1)
	return c.sink.Count(name, v, tags, rate)
}

func (c *countingSink) ServiceCheck(sc *statsd.ServiceCheck) error {
	c.n.Add(1)
	return c.sink.ServiceCheck(sc)
}

// lineCounter is an agent that only counts lines, to keep up with a
// large fleet.
func lineCounter(b *testing.B, network string) (addr string, lines *atomic.Int64, done <-chan struct{}) {
	var pc net.PacketConn
	var err error
	switch network {
	case "udp":
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		addr = "127.0.0.1:0"
	default:
		path := filepath.Join(b.TempDir(), "dsd.sock")
		pc, err = net.ListenPacket("unixgram", path)
		addr = "unixgram://" + path
	}
	if err != nil {
		b.Fatal(err)
	}
	if network == "udp" {
		addr = pc.LocalAddr().String()
	}
	// As large as the kernel allows, like the agent's dogstatsd_so_rcvbuf:
	// the default buffer overflows while the reader is descheduled.
	if rb, ok := pc.(interface{ SetReadBuffer(int) error }); ok {
		_ = rb.SetReadBuffer(8 << 20)
	}
	b.Cleanup(func() { pc.Close() })
	lines = &atomic.Int64{}
	sentinelSeen := make(chan struct{})
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			p := strings.TrimRight(string(buf[:n]), "\n")
			if strings.Contains(p, sentinel) {
				close(sentinelSeen)
				return
			}
			lines.Add(int64(strings.Count(p, "\n")) + 1)
		}
	}()
	return addr, lines, sentinelSeen
}

// BenchmarkEmit5000Jobs sends a 5,000-job snapshot (about 50,000 lines)
// as one scrape cycle does. lost/op is lines handed to the client that the
// agent did not receive.
func BenchmarkEmit5000Jobs(b *testing.B) {
	for _, bc := range []struct {
		name, network string
		aggregation   bool
	}{
		{"udp/aggregated", "udp", true},
		{"udp/unaggregated", "udp", false},
		{"unixgram/aggregated", "unixgram", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			addr, received, drained := lineCounter(b, bc.network)
			e, _ := newEmitter(b, testConfig(addr, bc.aggregation))
			if err := e.connect(); err != nil {
				b.Fatal(err)
			}
			cs := &countingSink{sink: e.client}
			snaps := [2]*fleet.Snapshot{bigFleet(5000, 1), bigFleet(5000, 2)}
			e.emit(cs, snaps[1])
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				e.emit(cs, snaps[i%2])
			}
			b.StopTimer()
			// The sentinel follows everything: the emit ended with a flush.
			if err := e.client.Gauge(sentinel, 1, nil, 1); err != nil {
				b.Fatal(err)
			}
			e.client.Flush()
			select {
			case <-drained:
			case <-time.After(5 * time.Second):
				b.Log("sentinel lost: the agent's socket buffer overflowed")
			}
			sent := cs.n.Load()
			b.ReportMetric(float64(sent)/float64(i+1), "lines/op")
			b.ReportMetric(float64(sent-received.Load())/float64(i+1), "lost/op")
			b.ReportMetric(testutil.ToFloat64(e.errs)/float64(i+1), "errors/op")
		})
	}
}

// BenchmarkRender5000Jobs is BenchmarkEmit5000Jobs without datadog-go:
// what walking the snapshot, the counter deltas and the tags cost.
func BenchmarkRender5000Jobs(b *testing.B) {
	e, _ := newEmitter(b, testConfig(closedUDPPortB(b), false))
	snaps := [2]*fleet.Snapshot{bigFleet(5000, 1), bigFleet(5000, 2)}
	e.emit(discard{}, snaps[1])
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		e.emit(discard{}, snaps[i%2])
	}
}

func closedUDPPortB(b *testing.B) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().String()
}
