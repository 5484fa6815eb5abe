package flinkfake

import (
	"net"
	"net/http"
	"net/http/httptest"
)

// TB is the part of testing.TB the helpers use; *testing.T, *testing.B
// and *testing.F satisfy it. It keeps the testing package out of the
// binaries that serve fleets.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Serve starts an httptest server for h and stops it when the test ends.
func Serve(t TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// ServeJobManager starts a JobManager with o behind an httptest server and
// returns both; the server stops when the test ends.
func ServeJobManager(t TB, o Options) (*JobManager, *httptest.Server) {
	t.Helper()
	jm := New(o)
	return jm, Serve(t, jm)
}

// RefusedURL returns an http URL on which nothing listens any more, for
// "connection refused": the port was bound and closed, so another test is
// unlikely to get it in the meantime.
func RefusedURL(t TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for a refused url: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("close listener: %v", err)
	}
	return "http://" + addr
}
