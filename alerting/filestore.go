package alerting

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileStore keeps the alerting state in a file, for a single replica
// outside Kubernetes (with leader election the Lease-backed store of
// collector/kube takes its place). Writes replace the file atomically.
type FileStore struct{ Path string }

var _ StateStore = FileStore{}

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
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write alerting state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		return fmt.Errorf("write alerting state file: %w", err)
	}
	return nil
}
