package daemon

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

const before = `targets: [{ name: a, url: "http://127.0.0.1:1", team: t }]
teams: { t: {} }
`

// TestReload: a reload applies the targets, classify rules and health
// definitions at once, names the changed settings that wait for a restart,
// and a file that does not load changes nothing.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flinkslo.yaml")
	require.NoError(t, os.WriteFile(path, []byte(before), 0o644))
	cfg := load(t, path)
	var logs bytes.Buffer
	o := Options{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	d, err := Build(cfg, o)
	require.NoError(t, err)

	after := `targets:
  - { name: a, url: "http://127.0.0.1:1", team: t }
  - { name: b, url: "http://127.0.0.1:2", team: t }
teams: { t: {} }
health: { restartThreshold: 7 }
scrapeInterval: 30s
`
	require.NoError(t, os.WriteFile(path, []byte(after), 0o644))
	require.NoError(t, d.Reload(path, o))
	require.Len(t, d.static.Targets(), 2, "targets applied")
	require.Equal(t, 7, d.Loop.Health().RestartThreshold, "health applied")
	require.Contains(t, logs.String(), "changed settings take effect after a restart")
	require.Contains(t, logs.String(), "scrapeInterval")
	require.NotContains(t, logs.String(), "settings=\"[targets", "applied settings are not listed as waiting")
	require.Equal(t, 1.0, testutil.ToFloat64(d.reload.ok))

	require.NoError(t, os.WriteFile(path, []byte("targets: [{ nmae: c }]\n"), 0o644))
	err = d.Reload(path, o)
	require.ErrorContains(t, err, "nmae")
	require.Len(t, d.static.Targets(), 2, "a broken file changes nothing")
	require.Equal(t, 0.0, testutil.ToFloat64(d.reload.ok))
}

// TestReloadEndpoint: POST /-/reload reloads; other methods do not.
func TestReloadEndpoint(t *testing.T) {
	reloads := 0
	srv, err := NewServer("127.0.0.1:0", Endpoints{
		Telemetry: "/metrics", Metrics: http.NotFoundHandler(), Ready: func() error { return nil },
		Reload: func() error { reloads++; return nil },
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	go func() { _ = srv.Run(t.Context()) }()
	base := "http://" + srv.Addr()
	resp, err := http.Get(base + "/-/reload")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, err = http.Post(base+"/-/reload", "", nil)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	require.True(t, strings.Contains(string(b), "reloaded") && reloads == 1)
}
