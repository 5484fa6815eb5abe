package promexport

import (
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/prometheus/client_golang/prometheus"
)

// Every scrape serves the whole exposition, plain or gzipped, from the
// cache, and a new snapshot replaces it.
func TestExpositionServesEveryScrape(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	store := fleet.NewStore()
	exp := NewExporter(store)
	self := prometheus.NewRegistry()
	self.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "flinkslo_self_test_total", Help: "x"}))
	x := NewExposition(exp, self)
	scrape := func(gz bool) string {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		x.ServeHTTP(rec, req)
		body := io.Reader(rec.Body)
		if gz {
			if rec.Header().Get("Content-Encoding") != "gzip" {
				t.Fatal("gzip asked for but not served")
			}
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := scrape(false); strings.Contains(got, "flinkslo_job_") || !strings.Contains(got, "flinkslo_self_test_total") {
		t.Fatalf("before the first snapshot: want only self metrics, got:\n%s", got)
	}
	snap := fleetSnapshot(now)
	store.Publish(snap)
	want := string(exp.Text(snap))
	for i, gz := range []bool{false, false, true, true, false} {
		got := scrape(gz)
		if !strings.HasSuffix(got, want) || !strings.Contains(got, "flinkslo_self_test_total") {
			t.Fatalf("scrape %d (gzip %v): exposition incomplete (%d bytes, want self metrics + %d bytes)", i, gz, len(got), len(want))
		}
	}
	next := *snap
	next.Seq++
	next.Targets = snap.Targets[1:2]
	store.Publish(&next)
	if got := scrape(true); strings.Contains(got, `deployment="dead"`) || !strings.Contains(got, `deployment="orders"`) {
		t.Fatalf("a new snapshot must replace the cached exposition:\n%s", got)
	}
}

// countingSource is a Source that renders one gauge of its version and
// counts its renders.
type countingSource struct {
	version uint64
	renders int
}

func (s *countingSource) Version() uint64 { return s.version }

func (s *countingSource) WriteText(f Format, out func([]byte) error) error {
	s.renders++
	b := []byte("# HELP flinkslo_source_version Test.\n# TYPE flinkslo_source_version gauge\n")
	if f == OpenMetrics {
		return out(append(b, "flinkslo_source_version "+strconv.FormatUint(s.version, 10)+".0\n"...))
	}
	return out(append(b, "flinkslo_source_version "+strconv.FormatUint(s.version, 10)+"\n"...))
}

// A Source's text is served from the cache after the snapshot's, in each
// format, and rendered again only when its version changes.
func TestExpositionSources(t *testing.T) {
	store := fleet.NewStore()
	store.Publish(fleetSnapshot(time.Unix(1_800_000_000, 0)))
	src := &countingSource{version: 1}
	x := NewExposition(NewExporter(store), prometheus.NewRegistry(), src)
	scrape := func(accept string) string {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		x.ServeHTTP(rec, req)
		return gunzip(t, rec.Body.Bytes())
	}
	if got := scrape(""); !strings.HasSuffix(got, "flinkslo_source_version 1\n") {
		t.Errorf("text: source not at the end:\n%s", tail(got, 300))
	}
	if got := scrape(prometheusAccept); !strings.HasSuffix(got, "flinkslo_source_version 1.0\n# EOF\n") {
		t.Errorf("OpenMetrics: source not before # EOF:\n%s", tail(got, 300))
	}
	scrape("")
	if src.renders != 2 {
		t.Errorf("source rendered %d times for one version in two formats, want 2", src.renders)
	}
	src.version = 2
	if got := scrape(""); !strings.HasSuffix(got, "flinkslo_source_version 2\n") || src.renders != 3 {
		t.Errorf("a new version must be rendered once (renders %d):\n%s", src.renders, tail(got, 300))
	}
}
