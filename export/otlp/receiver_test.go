package otlp

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// receiver is an in-process OTLP metrics receiver speaking the real wire
// formats: the gRPC MetricsService, or protobuf over HTTP on /v1/metrics
// (gzip or not), decoded with the OTLP protobuf types.
type receiver struct {
	colmetricpb.UnimplementedMetricsServiceServer

	// refuse makes it answer with a permanent error (gRPC InvalidArgument,
	// HTTP 400); hang makes it hold each request until the client gives up.
	refuse atomic.Bool
	hang   atomic.Bool
	// discard drops what arrives (benchmarks).
	discard bool

	mu      sync.Mutex
	reqs    []*colmetricpb.ExportMetricsServiceRequest
	headers []map[string]string // per accepted request, names lowercased
}

func (r *receiver) Export(ctx context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	if r.hang.Load() {
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	if r.refuse.Load() {
		return nil, status.Error(codes.InvalidArgument, "refused by the test")
	}
	md, _ := metadata.FromIncomingContext(ctx)
	h := map[string]string{}
	for k, v := range md {
		h[k] = strings.Join(v, ",")
	}
	r.record(req, h)
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

func (r *receiver) record(req *colmetricpb.ExportMetricsServiceRequest, h map[string]string) {
	if r.discard {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	r.headers = append(r.headers, h)
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/metrics" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want POST /v1/metrics application/x-protobuf", http.StatusNotFound)
		return
	}
	if r.hang.Load() {
		// Read the request first: only then does the server notice that
		// the client went away and end the request's context.
		_, _ = io.Copy(io.Discard, req.Body)
		<-req.Context().Done()
		return
	}
	if r.refuse.Load() {
		http.Error(w, "refused by the test", http.StatusBadRequest)
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var m colmetricpb.ExportMetricsServiceRequest
	if err := proto.Unmarshal(b, &m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h := map[string]string{}
	for k, v := range req.Header {
		h[strings.ToLower(k)] = strings.Join(v, ",")
	}
	r.record(&m, h)
	out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// tlsFiles is a server certificate for 127.0.0.1 and a CA file trusting it.
type tlsFiles struct {
	cert   tls.Certificate
	caFile string
}

// newTLSFiles borrows httptest's certificate for 127.0.0.1.
func newTLSFiles(t *testing.T) tlsFiles {
	t.Helper()
	s := httptest.NewUnstartedServer(http.NotFoundHandler())
	s.StartTLS()
	defer s.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tlsFiles{cert: s.TLS.Certificates[0], caFile: ca}
}

// startReceiver serves r over protocol (grpc or http) on loopback, with
// TLS when tf is set, and returns the endpoint URL.
func startReceiver(t testing.TB, r *receiver, protocol string, tf *tlsFiles) string {
	t.Helper()
	scheme := "http"
	if tf != nil {
		scheme = "https"
	}
	switch protocol {
	case "grpc":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var opts []grpc.ServerOption
		if tf != nil {
			opts = append(opts, grpc.Creds(credentials.NewServerTLSFromCert(&tf.cert)))
		}
		s := grpc.NewServer(opts...)
		colmetricpb.RegisterMetricsServiceServer(s, r)
		go func() { _ = s.Serve(ln) }()
		t.Cleanup(s.Stop)
		return scheme + "://" + ln.Addr().String()
	case "http":
		s := httptest.NewUnstartedServer(r)
		if tf != nil {
			s.TLS = &tls.Config{Certificates: []tls.Certificate{tf.cert}}
			s.StartTLS()
		} else {
			s.Start()
		}
		t.Cleanup(s.Close)
		return s.URL
	}
	t.Fatalf("protocol %q", protocol)
	return ""
}

// closedEndpoint is a loopback URL nothing listens on.
func closedEndpoint(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// point is one received data point, flattened.
type point struct {
	kind      string // gauge, sum, summary, histogram
	monotonic bool
	cumul     bool
	value     float64
}

// series flattens everything received into name{sorted attributes} →
// point, failing on a series received twice.
func (r *receiver) series(t *testing.T) map[string]point {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]point{}
	add := func(name string, attrs []*commonpb.KeyValue, p point) {
		k := seriesKey(name, attrs)
		if _, dup := out[k]; dup {
			t.Errorf("series %s received twice", k)
		}
		out[k] = p
	}
	for _, req := range r.reqs {
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					switch d := m.GetData().(type) {
					case *metricpb.Metric_Gauge:
						for _, dp := range d.Gauge.GetDataPoints() {
							add(m.GetName(), dp.GetAttributes(), point{kind: "gauge", value: dp.GetAsDouble()})
						}
					case *metricpb.Metric_Sum:
						cumul := d.Sum.GetAggregationTemporality() == metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
						for _, dp := range d.Sum.GetDataPoints() {
							add(m.GetName(), dp.GetAttributes(), point{kind: "sum", monotonic: d.Sum.GetIsMonotonic(), cumul: cumul, value: dp.GetAsDouble()})
						}
					case *metricpb.Metric_Summary:
						for _, dp := range d.Summary.GetDataPoints() {
							add(m.GetName(), dp.GetAttributes(), point{kind: "summary", value: dp.GetSum()})
						}
					case *metricpb.Metric_Histogram:
						for _, dp := range d.Histogram.GetDataPoints() {
							add(m.GetName(), dp.GetAttributes(), point{kind: "histogram", value: dp.GetSum()})
						}
					default:
						t.Errorf("%s: unexpected data %T", m.GetName(), d)
					}
				}
			}
		}
	}
	return out
}

func seriesKey(name string, attrs []*commonpb.KeyValue) string {
	kv := map[string]string{}
	for _, a := range attrs {
		kv[a.GetKey()] = a.GetValue().GetStringValue()
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, kv[k]))
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// resources returns the resource attributes of every request received.
func (r *receiver) resources() []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]string
	for _, req := range r.reqs {
		for _, rm := range req.GetResourceMetrics() {
			m := map[string]string{}
			for _, a := range rm.GetResource().GetAttributes() {
				m[a.GetKey()] = a.GetValue().GetStringValue()
			}
			out = append(out, m)
		}
	}
	return out
}

// requestPoints is the number of data points of each request received.
func (r *receiver) requestPoints() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, req := range r.reqs {
		n := 0
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					n += len(m.GetGauge().GetDataPoints()) + len(m.GetSum().GetDataPoints()) +
						len(m.GetSummary().GetDataPoints()) + len(m.GetHistogram().GetDataPoints())
				}
			}
		}
		out = append(out, n)
	}
	return out
}

// clear forgets what was received.
func (r *receiver) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs, r.headers = nil, nil
}

func (r *receiver) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func (r *receiver) lastHeaders() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.headers) == 0 {
		return nil
	}
	return r.headers[len(r.headers)-1]
}
