package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/flinkslo/flinkslo/history"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/status"
)

// buildHistory keeps the per-job history the status pages draw, unless
// the UI is off. With a stateFile it is saved next to it (stateFile +
// ".history") and restored at start; with leader election and no state
// file it lives in memory only: it is too large for a Lease.
func (d *Daemon) buildHistory(cfg *config.Config, o Options) {
	if o.DisableUI {
		return
	}
	var store history.Store
	if cfg.StateFile != "" {
		store = historyFile{path: cfg.StateFile + ".history"}
	}
	d.history = history.New(history.Options{Store: store, Logger: o.Log})
	d.Store.AddObserver(d.history)
	d.runners = append(d.runners, d.history.Run)
}

// Status is the handler of /, /ui/ and /api/v1/; nil when the UI is off
// (Options.DisableUI). telemetry is the metrics path the pages link to.
func (d *Daemon) Status(telemetry string) http.Handler {
	if d.history == nil {
		return nil
	}
	o := status.Options{
		Snapshots: d.Store, History: d.history, Telemetry: telemetry, Refresh: d.cfg.ScrapeInterval.D(), Logger: d.log,
		Links: status.Links{FlinkUI: d.cfg.Alerting.FlinkUIURLTemplate, Runbook: d.cfg.Alerting.RunbookURLTemplate},
	}
	if d.router != nil {
		o.Incidents = d.router
	}
	return status.New(o)
}

// historyFile keeps the saved history in a file; writes replace it
// atomically, so a crash never leaves half of one.
type historyFile struct{ path string }

var _ history.Store = historyFile{}

func (f historyFile) Load(context.Context) ([]byte, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history file: %w", err)
	}
	return b, nil
}

func (f historyFile) Save(_ context.Context, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".flinkslo-history-*")
	if err != nil {
		return fmt.Errorf("write history file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write history file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write history file: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("write history file: %w", err)
	}
	return nil
}
