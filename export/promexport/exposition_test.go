package promexport

import (
	"compress/gzip"
	"io"
	"net/http/httptest"
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
