package promexport

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/fleet"
)

// A real Prometheus (Debian's package) scrapes the exposition: it asks for
// OpenMetrics, gzipped, gets it, and stores every series, counters under
// their _total names.
func TestPrometheusScrapesOpenMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Prometheus server")
	}
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus not installed: run `make test-deps` (Debian package prometheus)")
	}
	store := fleet.NewStore()
	snap := fleetSnapshot(time.Now())
	store.Publish(snap)
	exp := NewExporter(store)
	var mu sync.Mutex
	var served []string // Content-Type, Content-Encoding of each scrape
	x := NewExposition(exp, prometheus.NewRegistry())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.ServeHTTP(w, r)
		mu.Lock()
		served = append(served, w.Header().Get("Content-Type")+", "+w.Header().Get("Content-Encoding"))
		mu.Unlock()
	}))
	defer srv.Close()

	dir := t.TempDir()
	cfg := fmt.Sprintf("global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: flinkslo\n    static_configs: [{ targets: [%q] }]\n", strings.TrimPrefix(srv.URL, "http://"))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	prom := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	var log strings.Builder
	prom.Stdout, prom.Stderr = &log, &log
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = prom.Process.Kill()
		_ = prom.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", tail(log.String(), 3000))
		}
	}()

	// Every series of the exposition, by name; up is Prometheus's own.
	want := strings.Count(string(exp.Text(snap)), "\n") - 2*strings.Count(string(exp.Text(snap)), "# TYPE ")
	query := `count({__name__=~"flinkslo_.+"})`
	var got string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if got = instantQuery("http://"+addr, query); got == fmt.Sprint(want) {
			break
		}
	}
	if got != fmt.Sprint(want) {
		t.Fatalf("%s = %q, want %d series", query, got, want)
	}
	if v := instantQuery("http://"+addr, `flinkslo_job_restarts_total{job_name="orders-enrichment"}`); v != "2" {
		t.Errorf("flinkslo_job_restarts_total = %q, want 2", v)
	}
	if v := instantQuery("http://"+addr, `up`); v != "1" {
		t.Errorf("up = %q, want 1", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(served) == 0 || !strings.HasPrefix(served[0], "application/openmetrics-text; version=1.0.0") || !strings.HasSuffix(served[0], ", gzip") {
		t.Errorf("Prometheus was served %v, want OpenMetrics 1.0.0, gzipped", served)
	}
}

// instantQuery returns the value of the first sample of query, "" if none.
func instantQuery(base, query string) string {
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Data.Result) == 0 {
		return ""
	}
	s, _ := body.Data.Result[0].Value[1].(string)
	return s
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
