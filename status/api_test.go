package status

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files and the README's screenshots")

// get serves one request and returns the status and body.
func get(t *testing.T, h http.Handler, path string) (int, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, b
}

var (
	loopback = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	// delivered is when a sink finished: wall time, as delivery runs.
	delivered = regexp.MustCompile(`"deliveredAt": "[^"]+"`)
)

// normalize takes out what differs between runs and nothing else: the
// loopback ports of the simulated JobManagers and the wall-clock times of
// deliveries.
func normalize(b []byte) []byte {
	b = loopback.ReplaceAll(b, []byte("jobmanager"))
	return delivered.ReplaceAll(b, []byte(`"deliveredAt": "(wall time)"`))
}

// TestAPIGolden: the JSON API of a fleet that went through the demo's
// failures, as scripts read it, against golden files (-update rewrites
// them).
func TestAPIGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a simulated fleet through the collector, router and history")
	}
	g := newRig(t)
	g.story(t)
	cases := []struct{ name, path string }{
		{"fleet", "/api/v1/fleet"},
		{"fleet-team-risk", "/api/v1/fleet?team=risk"},
		{"fleet-route-page", "/api/v1/fleet?route=page"},
		{"fleet-search", "/api/v1/fleet?q=FRAUD"},
		{"teams", "/api/v1/teams"},
		{"team-supply", "/api/v1/teams/supply"},
		{"job-inventory-sync", "/api/v1/jobs/supply/inventory-sync/inventory-sync"},
		{"job-orders-enrichment", "/api/v1/jobs/checkout/orders-enrichment/orders-enrichment"},
		{"incidents", "/api/v1/incidents"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, g.status, tc.path)
			require.Equal(t, http.StatusOK, code, "%s", body)
			require.True(t, json.Valid(body))
			got := normalize(body)
			path := filepath.Join("testdata", "api", tc.name+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, got, 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from %s (run go test -run TestAPIGolden -update and review the diff):\n%s", tc.path, path, firstDiff(got, want))
			}
		})
	}
	t.Run("not found", func(t *testing.T) {
		for _, p := range []string{"/api/v1/jobs/supply/inventory-sync/nope", "/api/v1/teams/nope"} {
			code, body := get(t, g.status, p)
			require.Equal(t, http.StatusNotFound, code)
			require.JSONEq(t, `{"error": "`+map[bool]string{true: "job", false: "team"}[p[8] == 'j']+` not found"}`, string(body))
		}
	})
}

// firstDiff shows the first differing line with its neighbours.
func firstDiff(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b []byte
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if !bytes.Equal(a, b) {
			return "line " + itoa(i+1) + ":\n  got:  " + string(a) + "\n  want: " + string(b)
		}
	}
	return ""
}

func itoa(i int) string { return string(append([]byte(nil), []byte(jsonInt(i))...)) }

func jsonInt(i int) string { b, _ := json.Marshal(i); return string(b) }
