package collector

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	commoncfg "github.com/prometheus/common/config"

	"github.com/flinkslo/flinkslo/internal/config"
)

// transports builds one HTTP client per distinct client setting, through
// prometheus/common/config as Prometheus and Alertmanager do: every target
// without settings of its own shares one keep-alive pool, and TLS files and
// token or password files are read again when they change (a rotated
// certificate or projected token needs no restart).
type transports struct {
	idleTime time.Duration
	getenv   func(string) string

	mu      sync.Mutex
	clients map[string]*http.Client
}

func newTransports(interval time.Duration, getenv func(string) string) *transports {
	// Connections stay warm between cycles: every JobManager is scraped
	// once per interval.
	return &transports{idleTime: 3 * interval, getenv: getenv, clients: map[string]*http.Client{}}
}

// client is the client of setting h (nil: plain HTTP, no credentials).
func (t *transports) client(h *config.HTTPClient) (*http.Client, error) {
	// The key names env variables and files, never secrets.
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("http client settings: %w", err)
	}
	key := string(b)
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.clients[key]; ok {
		return c, nil
	}
	cc, err := h.Common(t.getenv)
	if err != nil {
		return nil, err
	}
	// The user agent is set by the Flink client on each request
	// (clientFor): commoncfg's round tripper for it copies every request.
	c, err := commoncfg.NewClientFromConfig(cc, "flinkslo", commoncfg.WithIdleConnTimeout(t.idleTime))
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	t.clients[key] = c
	return c, nil
}

func (t *transports) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.clients {
		c.CloseIdleConnections()
	}
}
