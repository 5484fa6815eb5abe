package collector

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// TestTargetCredentials: a JobManager behind TLS and a bearer token (a CA
// file, a token file, a header the ingress routes on). A rotated token is
// used from the next scrape on, without a restart, as a projected
// service-account token is rotated under a running pod.
func TestTargetCredentials(t *testing.T) {
	jm := flinkfake.New(flinkfake.Options{Jobs: []flinkfake.JobSpec{{Name: "orders"}}})
	var want atomic.Value
	want.Store("Bearer first")
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want.Load().(string) || r.Header.Get("X-Tenant") != "flink" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		jm.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	writeTestFile(t, ca, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	token := filepath.Join(dir, "token")
	writeTestFile(t, token, "first")
	cfg, err := config.Parse([]byte(fmt.Sprintf(`scrapeInterval: 10s
teams: { t: {} }
targets: [{ name: orders, team: t, url: %q }]
http:
  tls: { caFile: %q }
  bearerToken: { file: %q }
  headers: { X-Tenant: flink }
`, srv.URL, ca, token)))
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoop(Options{Sources: []TargetSource{StaticSource(StaticTargets(cfg))}, Store: fleet.NewStore(), Config: ConfigFrom(cfg), Policy: testPolicy(t, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	up := func() bool { return l.RunOnce(context.Background()).Targets[0].Up }
	if !up() {
		t.Fatal("with the CA, the token and the header: target down")
	}
	want.Store("Bearer second")
	if up() {
		t.Fatal("the server now wants the rotated token, but the old one was accepted")
	}
	writeTestFile(t, token, "second")
	if !up() {
		t.Error("after the token file was rotated: target still down, the file was not read again")
	}
}

func writeTestFile(t *testing.T, path, body string) {
	t.Helper()
	// Another mtime, as a kubelet's atomic update gives.
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	_ = os.Chtimes(path, later, later)
}
