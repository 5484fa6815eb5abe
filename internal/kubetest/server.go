// Package kubetest runs a real Kubernetes API server for end-to-end tests:
// etcd and kube-apiserver on free loopback ports, RBAC on, the Flink
// Kubernetes Operator's real CRDs installable, and clients for an admin and
// for service accounts bound only to what a test applies. No controllers
// or kubelets run: tests play the operator and the kubelet by writing
// statuses themselves.
//
// kube-apiserver is built once from the Go module proxy by
// scripts/build-kube-apiserver.sh (`make test-deps`) into a cache outside
// the repository; etcd comes from Debian's etcd-server package.
package kubetest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// KubeVersion is the kube-apiserver version the tests run against.
const KubeVersion = "v1.34.2"

// Server is a running API server. Its processes stop when the test that
// started it ends.
type Server struct {
	// URL is the API server's https address on loopback.
	URL        string
	caFile     string
	adminToken string
}

// Start starts etcd and kube-apiserver and waits until the API server is
// ready. It skips under -short and fails, saying how to get it, when a
// binary is missing: an end-to-end test never passes by not running.
func Start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("starts etcd and kube-apiserver; skipped with -short")
	}
	apiserver := APIServerPath()
	if _, err := os.Stat(apiserver); err != nil {
		t.Fatalf("kube-apiserver %s not found at %s: run `make test-deps` to build it once (%v)", KubeVersion, apiserver, err)
	}
	etcd, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatalf("etcd not found: run `make test-deps` to install Debian's etcd-server (%v)", err)
	}
	dir := t.TempDir() // removed after the processes stop: cleanups run last-in first-out
	etcdURL := startEtcd(t, etcd, dir)
	return startAPIServer(t, apiserver, dir, etcdURL)
}

// APIServerPath is where `make test-deps` puts kube-apiserver:
// $FLINKSLO_KUBE_APISERVER, else kube-apiserver-<version> in
// $FLINKSLO_CACHE_DIR or ~/.cache/flinkslo.
func APIServerPath() string {
	if p := os.Getenv("FLINKSLO_KUBE_APISERVER"); p != "" {
		return p
	}
	cache := os.Getenv("FLINKSLO_CACHE_DIR")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "flinkslo")
	}
	return filepath.Join(cache, "kube-apiserver-"+KubeVersion)
}

func startEtcd(t testing.TB, bin, dir string) string {
	t.Helper()
	client, peer := freePort(t), freePort(t)
	clientURL := "http://127.0.0.1:" + client
	peerURL := "http://127.0.0.1:" + peer
	p := startProcess(t, "etcd", filepath.Join(dir, "etcd.log"), bin,
		"--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL,
		"--log-level", "warn")
	p.waitReady(t, 30*time.Second, func() bool {
		resp, err := http.Get(clientURL + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return clientURL
}

func startAPIServer(t testing.TB, bin, dir, etcdURL string) *Server {
	t.Helper()
	keyFile, pubFile := writeServiceAccountKeys(t, dir)
	admin := randomToken(t)
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(admin+",admin,admin,system:masters\n"), 0o600); err != nil {
		t.Fatalf("write token file: %v", err)
	}
	port := freePort(t)
	certDir := filepath.Join(dir, "certs")
	p := startProcess(t, "kube-apiserver", filepath.Join(dir, "kube-apiserver.log"), bin,
		"--etcd-servers="+etcdURL,
		"--secure-port="+port, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--cert-dir="+certDir,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+pubFile, "--service-account-signing-key-file="+keyFile,
		"--token-auth-file="+tokens,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/16",
		// No controller manager runs to create service accounts' tokens.
		"--disable-admission-plugins=ServiceAccount")
	s := &Server{URL: "https://127.0.0.1:" + port, caFile: filepath.Join(certDir, "apiserver.crt"), adminToken: admin}
	p.waitReady(t, 90*time.Second, func() bool { return s.ready() })
	return s
}

// ready asks /readyz as admin, trusting the certificate the server made.
func (s *Server) ready() bool {
	pem, err := os.ReadFile(s.caFile)
	if err != nil {
		return false
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return false
	}
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer c.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/readyz", nil)
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// AdminConfig is a client config for a system:masters user.
func (s *Server) AdminConfig() *rest.Config { return s.TokenConfig(s.adminToken) }

// TokenConfig is a client config authenticating with token.
func (s *Server) TokenConfig(token string) *rest.Config {
	return &rest.Config{
		Host:            s.URL,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: s.caFile},
		QPS:             200,
		Burst:           400,
		Timeout:         30 * time.Second,
	}
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func randomToken(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random token: %v", err)
	}
	return hex.EncodeToString(b)
}

// context for a test's requests: bounded, so a stuck server fails the
// test instead of hanging it.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
