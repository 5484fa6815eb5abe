package promexport

import (
	"bytes"
	"compress/gzip"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/fleet"
)

func TestCRC32Combine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {100, 3}, {3, 100_000}, {70_000, 1 << 20}} {
		a, b := make([]byte, n[0]), make([]byte, n[1])
		for i := range a {
			a[i] = byte(r.Uint32())
		}
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		want := crc32.ChecksumIEEE(append(append([]byte{}, a...), b...))
		if got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b))); got != want {
			t.Errorf("combine of %d and %d bytes = %08x, want %08x", n[0], n[1], got, want)
		}
	}
}

// gzipServer serves a fleet's /metrics; plain is what it serves without
// compression.
func gzipServer(t *testing.T) (url, plain string) {
	t.Helper()
	store := fleet.NewStore()
	store.Publish(fleetSnapshot(time.Unix(1_800_000_000, 0)))
	self := prometheus.NewRegistry()
	self.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "flinkslo_self_test_total", Help: "x"}))
	srv := httptest.NewServer(NewExposition(NewExporter(store), self))
	t.Cleanup(srv.Close)
	rec := httptest.NewRecorder()
	srv.Config.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "flinkslo_self_test_total") || !strings.Contains(rec.Body.String(), "flinkslo_job_healthy{") {
		t.Fatalf("plain exposition lacks self or job metrics:\n%s", rec.Body)
	}
	return srv.URL, rec.Body.String()
}

// A gzipped /metrics is one gzip member: a client that reads only the
// first member gets every series, not only the live self metrics.
func TestGzipIsOneMember(t *testing.T) {
	url, plain := gzipServer(t)
	body := get(t, url, "gzip")
	// bytes.Reader is an io.ByteReader: the gzip reader reads no byte past
	// the member it decodes.
	r := bytes.NewReader(body)
	zr, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("first gzip member: %v", err)
	}
	if string(got) != plain {
		t.Errorf("the first gzip member holds %d bytes, the plain exposition %d:\n%s", len(got), len(plain), diffLines(string(got), plain))
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes follow the first gzip member", r.Len())
	}
}

// The clients users have decode it: curl --compressed, and Python's zlib
// as a first-member-only reader (wbits=31).
func TestGzipClients(t *testing.T) {
	url, plain := gzipServer(t)
	for _, tc := range []struct {
		name string
		cmd  []string
		in   bool // the gzipped body on stdin
	}{
		{"curl", []string{"curl", "--silent", "--show-error", "--fail", "--compressed", url}, false},
		{"python zlib", []string{"python3", "-c", "import sys, zlib; d = zlib.decompressobj(31); sys.stdout.buffer.write(d.decompress(sys.stdin.buffer.read()))"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath(tc.cmd[0]); err != nil {
				t.Skipf("%s not installed", tc.cmd[0])
			}
			cmd := exec.CommandContext(t.Context(), tc.cmd[0], tc.cmd[1:]...)
			if tc.in {
				cmd.Stdin = bytes.NewReader(get(t, url, "gzip"))
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %v\n%s", tc.cmd[0], err, stderr.String())
			}
			if string(out) != plain {
				t.Errorf("%s decoded %d bytes, the plain exposition is %d:\n%s", tc.name, len(out), len(plain), diffLines(string(out), plain))
			}
		})
	}
}

// get returns the body of GET url, asking for encoding ("" for none)
// and not decoding it.
func get(t *testing.T, url, encoding string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if encoding == "gzip" && resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip asked for, Content-Encoding %q served", resp.Header.Get("Content-Encoding"))
	}
	return b
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
