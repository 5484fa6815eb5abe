package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/daemon"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// otlpSink is an OTLP/HTTP receiver that keeps, per metric name, the
// service.name of the resource it came with.
type otlpSink struct {
	mu    sync.Mutex
	names map[string]string
}

func (s *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b, err := io.ReadAll(zr)
	var req colmetricpb.ExportMetricsServiceRequest
	if err == nil {
		err = proto.Unmarshal(b, &req)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rm := range req.GetResourceMetrics() {
		service := ""
		for _, a := range rm.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				service = a.GetValue().GetStringValue()
			}
		}
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				s.names[m.GetName()] = service
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
}

func (s *otlpSink) has(names ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if s.names[n] != "flinkslo" {
			return false
		}
	}
	return true
}

// TestRunPushesOTLP runs the daemon's parts with an otlp section: the
// snapshot's series and flinkslo's own metrics reach the receiver.
func TestRunPushesOTLP(t *testing.T) {
	jm := httptest.NewServer(flinkfake.New(flinkfake.Options{Jobs: []flinkfake.JobSpec{{Name: "orders"}}}))
	defer jm.Close()
	sink := &otlpSink{names: map[string]string{}}
	recv := httptest.NewServer(sink)
	defer recv.Close()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`scrapeInterval: 1s
scrapeTimeout: 1s
targets: [{ name: orders, namespace: shop, team: shop, url: %q }]
teams: { shop: {} }
otlp: { endpoint: %q, interval: 1s, timeout: 1s }
`, jm.URL, recv.URL)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := daemon.Build(cfg, daemon.Options{Log: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		runParts(ctx, p)
	}()
	want := []string{"flinkslo_job_healthy", "flinkslo_target_up", "flinkslo_scrape_cycles_total", "flinkslo_otlp_exports_total", "go_goroutines"}
	for deadline := time.Now().Add(30 * time.Second); !sink.has(want...) && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
	}
	cancel()
	<-done
	if !sink.has(want...) {
		t.Errorf("received %v, want %v from service flinkslo", sink.names, want)
	}
}
