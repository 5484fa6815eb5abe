package daemon

import (
	"testing"

	"github.com/flinkslo/flinkslo/internal/config"
)

func load(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
