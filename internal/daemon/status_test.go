package daemon

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// serve runs srv until the test ends.
func serve(t *testing.T, srv *Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
}

func statusOf(t *testing.T, c *http.Client, req *http.Request) int {
	t.Helper()
	resp, err := c.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebConfigBasicAuth: with --web.config.file naming users, every
// path asks for them — the metrics, the health endpoints, the pages and
// the API alike.
func TestWebConfigBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "web.yml")
	require.NoError(t, os.WriteFile(path, []byte("basic_auth_users:\n  ops: "+string(hash)+"\n"), 0o600))
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	srv, err := NewServer("127.0.0.1:0", Endpoints{
		Telemetry: "/metrics", Metrics: ok, Ready: func() error { return nil }, Status: ok, WebConfigFile: path,
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	serve(t, srv)
	for _, p := range []string{"/metrics", "/healthz", "/readyz", "/ui/", "/api/v1/fleet", "/"} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+srv.Addr()+p, nil)
		require.Equal(t, http.StatusUnauthorized, statusOf(t, http.DefaultClient, req), "%s without credentials", p)
		req.SetBasicAuth("ops", "wrong")
		require.Equal(t, http.StatusUnauthorized, statusOf(t, http.DefaultClient, req), "%s with a wrong password", p)
		req.SetBasicAuth("ops", "s3cret")
		require.Equal(t, http.StatusOK, statusOf(t, http.DefaultClient, req), "%s with the password", p)
	}
}

// TestWebConfigTLS: a web config with a certificate serves HTTPS only.
func TestWebConfigTLS(t *testing.T) {
	dir := t.TempDir()
	pool := selfSigned(t, dir)
	path := filepath.Join(dir, "web.yml")
	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf("tls_server_config:\n  cert_file: %s/cert.pem\n  key_file: %s/key.pem\n", dir, dir)), 0o600))
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	srv, err := NewServer("127.0.0.1:0", Endpoints{Telemetry: "/metrics", Metrics: ok, Ready: func() error { return nil }, WebConfigFile: path}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	serve(t, srv)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, "https://"+srv.Addr()+"/metrics", nil)
	require.Equal(t, http.StatusOK, statusOf(t, c, req))
	req, _ = http.NewRequest(http.MethodGet, "http://"+srv.Addr()+"/metrics", nil)
	require.Equal(t, http.StatusBadRequest, statusOf(t, http.DefaultClient, req), "plain HTTP gets Go's TLS-required answer")
}

// TestWebConfigRefused: a web config that does not load stops the start,
// naming the flag and the file.
func TestWebConfigRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "web.yml")
	require.NoError(t, os.WriteFile(path, []byte("basic_auth_users: [nope\n"), 0o600))
	_, err := NewServer("127.0.0.1:0", Endpoints{Telemetry: "/metrics", Metrics: http.NotFoundHandler(), Ready: func() error { return nil }, WebConfigFile: path}, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, "--web.config.file "+path)
	_, err = NewServer("127.0.0.1:0", Endpoints{Telemetry: "/metrics", Metrics: http.NotFoundHandler(), Ready: func() error { return nil }, WebConfigFile: path + ".missing"}, slog.New(slog.DiscardHandler))
	require.Error(t, err)
}

func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "flinkslo"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// TestStatusWired: the daemon's pages read its own snapshot, and
// --web.disable-ui leaves the landing page at /.
func TestStatusWired(t *testing.T) {
	jm := flinkfake.New(flinkfake.Options{Jobs: []flinkfake.JobSpec{{Name: "orders"}}})
	jmsrv := httptest.NewServer(jm)
	t.Cleanup(jmsrv.Close)
	cfg, err := config.Parse([]byte(fmt.Sprintf("targets: [{ name: orders, namespace: shop, team: shop, url: %q }]\nteams: { shop: {} }\n", jmsrv.URL)))
	require.NoError(t, err)
	for _, disabled := range []bool{false, true} {
		d, err := Build(cfg, Options{DisableUI: disabled})
		require.NoError(t, err)
		d.Loop.RunOnce(context.Background())
		if disabled {
			require.Nil(t, d.Status("/metrics"))
		}
		srv, err := NewServer("127.0.0.1:0", Endpoints{Telemetry: "/metrics", Metrics: d.Metrics(), Ready: d.Ready, Status: d.Status("/metrics")}, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		serve(t, srv)
		resp, err := http.Get("http://" + srv.Addr() + "/api/v1/fleet")
		require.NoError(t, err)
		if disabled {
			require.Equal(t, http.StatusNotFound, resp.StatusCode)
			resp.Body.Close()
			continue
		}
		var doc struct {
			Jobs []struct{ Deployment, Health string }
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
		resp.Body.Close()
		require.Len(t, doc.Jobs, 1)
		require.Equal(t, "orders", doc.Jobs[0].Deployment)
		resp, err = http.Get("http://" + srv.Addr() + "/")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "/ui/", resp.Request.URL.Path, "/ goes to the fleet page")
	}
}

// TestPprofBehindItsFlag: Go's profiles are served only when asked for,
// as they expose the process's internals.
func TestPprofBehindItsFlag(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	for _, on := range []bool{false, true} {
		srv, err := NewServer("127.0.0.1:0", Endpoints{
			Telemetry: "/metrics", Metrics: ok, Ready: func() error { return nil }, Pprof: on,
		}, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		serve(t, srv)
		resp, err := http.Get("http://" + srv.Addr() + "/debug/pprof/")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		served := resp.StatusCode == http.StatusOK && strings.Contains(string(body), "goroutine")
		require.Equal(t, on, served, "--web.enable-pprof=%v: /debug/pprof/ answered %d", on, resp.StatusCode)
	}
}
