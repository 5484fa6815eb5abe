package collector

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/flinkslo/flinkslo/internal/config"
)

// transports builds one HTTP client per distinct TLS setting, so every
// target without special TLS shares one keep-alive pool.
type transports struct {
	idle     int
	idleTime time.Duration

	mu      sync.Mutex
	clients map[string]*http.Client
}

func newTransports(maxInFlight int, interval time.Duration) *transports {
	return &transports{idle: maxInFlight, idleTime: 3 * interval, clients: map[string]*http.Client{}}
}

func (t *transports) client(tc *config.TLS) (*http.Client, error) {
	key := ""
	if tc != nil {
		b, _ := json.Marshal(tc)
		key = string(b)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.clients[key]; ok {
		return c, nil
	}
	tlsCfg, err := tc.ClientConfig()
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: 5 * time.Second,
		// Every JobManager is its own host: keep one warm connection per
		// JobManager between cycles, and up to the in-flight limit for a
		// fleet behind one proxy.
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   t.idle,
		IdleConnTimeout:       t.idleTime,
		ResponseHeaderTimeout: 0, // bounded by the per-request context
		ForceAttemptHTTP2:     tlsCfg != nil,
	}
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
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

// authHeader builds the request headers of a target: its configured
// headers plus basic or bearer authorization read from env or file.
func authHeader(h *config.HTTPClient, getenv func(string) string) (http.Header, error) {
	out := http.Header{}
	if h == nil {
		return out, nil
	}
	for k, v := range h.Headers {
		out.Set(k, v)
	}
	switch {
	case h.BasicAuth != nil:
		pw, err := config.ReadSecret(getenv, h.BasicAuth.PasswordEnv, h.BasicAuth.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("basic auth password: %w", err)
		}
		cred := base64.StdEncoding.EncodeToString([]byte(h.BasicAuth.Username + ":" + pw.Reveal()))
		out.Set("Authorization", "Basic "+cred)
	case h.BearerToken != nil:
		tok, err := h.BearerToken.Read(getenv)
		if err != nil {
			return nil, fmt.Errorf("bearer token: %w", err)
		}
		out.Set("Authorization", "Bearer "+tok.Reveal())
	}
	return out, nil
}
