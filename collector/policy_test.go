package collector

import (
	"testing"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/internal/config"
)

// testPolicy is the policy the daemon builds from cfg.
func testPolicy(t testing.TB, cfg *config.Config) Policy {
	t.Helper()
	c, err := classify.New(cfg.Classify)
	if err != nil {
		t.Fatal(err)
	}
	return classify.NewPolicy(c, nil)
}
