package alerting

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FileStore keeps the alerting state in a file, for a single replica
// outside Kubernetes (with leader election the Lease-backed store of
// collector/kube takes its place). Writes replace the file atomically.
type FileStore struct{ Path string }

var (
	_ StateStore  = FileStore{}
	_ asideSetter = FileStore{}
)

// Load reads the file; a missing file is no state.
func (s FileStore) Load(context.Context) ([]byte, error) {
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read alerting state file: %w", err)
	}
	return b, nil
}

// Save writes state to a temporary file and renames it over the old one,
// so that a crash never leaves half a file.
func (s FileStore) Save(_ context.Context, state []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), ".flinkslo-alerting-*")
	if err != nil {
		return fmt.Errorf("write alerting state file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(state); err != nil {
		tmp.Close()
		return fmt.Errorf("write alerting state file: %w", err)
	}
	// The outbox must be on disk before its notifications are attempted,
	// and the rename must not reach the disk before the data.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write alerting state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write alerting state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		return fmt.Errorf("write alerting state file: %w", err)
	}
	return nil
}

// SetAside renames the file to <path>.corrupt-<UTC time>, so that a state
// that could not be read is kept for a person to look at instead of being
// overwritten by the next save.
func (s FileStore) SetAside(context.Context) (string, error) {
	to := s.Path + ".corrupt-" + time.Now().UTC().Format("20060102T150405Z")
	if err := os.Rename(s.Path, to); err != nil {
		return "", fmt.Errorf("set alerting state file aside: %w", err)
	}
	return to, nil
}
