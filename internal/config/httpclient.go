package config

import (
	"crypto/tls"
	"fmt"

	commoncfg "github.com/prometheus/common/config"
)

// Common is h as prometheus/common/config's HTTP client settings, which
// Prometheus and Alertmanager use: TLS files (CA, certificate, key) and the
// bearer-token and password files are read again as they change, so a
// rotated certificate or projected token takes effect without a restart.
// Secrets named by environment variable are read now: the environment of a
// running process does not change. Redirects are not followed: a
// JobManager that redirects is misconfigured, and following could leak
// credentials to another host.
func (h *HTTPClient) Common(getenv func(string) string) (commoncfg.HTTPClientConfig, error) {
	c := commoncfg.HTTPClientConfig{
		FollowRedirects: false,
		ProxyConfig:     commoncfg.ProxyConfig{ProxyFromEnvironment: true},
	}
	if h == nil {
		return c, nil
	}
	if t := h.TLS; t != nil {
		c.TLSConfig = commoncfg.TLSConfig{
			CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile,
			ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: commoncfg.TLSVersion(tls.VersionTLS12),
		}
	}
	switch {
	case h.BasicAuth != nil:
		b := &commoncfg.BasicAuth{Username: h.BasicAuth.Username, PasswordFile: h.BasicAuth.PasswordFile}
		if h.BasicAuth.PasswordEnv != "" {
			pw, err := ReadSecret(getenv, h.BasicAuth.PasswordEnv, "")
			if err != nil {
				return c, fmt.Errorf("basic auth password: %w", err)
			}
			b.Password = commoncfg.Secret(pw.Reveal())
		}
		c.BasicAuth = b
	case h.BearerToken != nil:
		a := &commoncfg.Authorization{Type: "Bearer", CredentialsFile: h.BearerToken.File}
		if h.BearerToken.Env != "" {
			tok, err := ReadSecret(getenv, h.BearerToken.Env, "")
			if err != nil {
				return c, fmt.Errorf("bearer token: %w", err)
			}
			a.Credentials = commoncfg.Secret(tok.Reveal())
		}
		c.Authorization = a
	}
	if len(h.Headers) > 0 {
		hs := &commoncfg.Headers{Headers: map[string]commoncfg.Header{}}
		for k, v := range h.Headers {
			hs.Headers[k] = commoncfg.Header{Values: []string{v}}
		}
		c.HTTPHeaders = hs
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("http client settings: %w", err)
	}
	return c, nil
}
