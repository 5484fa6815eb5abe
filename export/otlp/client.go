package otlp

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/flinkslo/flinkslo/internal/config"
)

var (
	_ metricExporter = (*otlpmetricgrpc.Exporter)(nil)
	_ metricExporter = (*otlpmetrichttp.Exporter)(nil)
)

// metricsPath is where an OTLP/HTTP receiver takes metrics.
const metricsPath = "/v1/metrics"

// newClient builds the SDK's exporter for the configured protocol. Every
// setting is passed explicitly, so the SDK's OTEL_EXPORTER_OTLP_*
// variables cannot send the metrics elsewhere or drop TLS.
func newClient(cfg config.OTLP, headers map[string]string) (metricExporter, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse endpoint: %w", err)
	}
	var tlsCfg *tls.Config
	if u.Scheme == "https" {
		if tlsCfg, err = cfg.TLS.ClientConfig(); err != nil {
			return nil, err
		}
		if tlsCfg == nil {
			tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
	}
	gzip := cfg.Compression == "gzip"
	// New dials lazily: neither exporter connects before the first push.
	ctx := context.Background()
	switch cfg.Protocol {
	case "grpc":
		creds := insecure.NewCredentials()
		if tlsCfg != nil {
			creds = credentials.NewTLS(tlsCfg)
		}
		opts := []otlpmetricgrpc.Option{
			otlpmetricgrpc.WithEndpointURL(cfg.Endpoint),
			// A dial option takes precedence over what the SDK derives.
			otlpmetricgrpc.WithDialOption(grpc.WithTransportCredentials(creds)),
			otlpmetricgrpc.WithHeaders(headers),
			otlpmetricgrpc.WithTimeout(cfg.Timeout.D()),
		}
		if gzip {
			opts = append(opts, otlpmetricgrpc.WithCompressor("gzip"))
		}
		return otlpmetricgrpc.New(ctx, opts...)
	case "http":
		if strings.Trim(u.Path, "/") == "" {
			u.Path = metricsPath
		}
		compression := otlpmetrichttp.NoCompression
		if gzip {
			compression = otlpmetrichttp.GzipCompression
		}
		opts := []otlpmetrichttp.Option{
			otlpmetrichttp.WithEndpointURL(u.String()),
			otlpmetrichttp.WithHeaders(headers),
			otlpmetrichttp.WithTimeout(cfg.Timeout.D()),
			otlpmetrichttp.WithCompression(compression),
		}
		if tlsCfg != nil {
			opts = append(opts, otlpmetrichttp.WithTLSClientConfig(tlsCfg))
		}
		return otlpmetrichttp.New(ctx, opts...)
	}
	return nil, fmt.Errorf("protocol %q: want grpc or http", cfg.Protocol)
}

// readHeaders merges the plain and the secret headers. Secret values
// leave this package only in requests.
func readHeaders(cfg config.OTLP, getenv func(string) string) (map[string]string, error) {
	h := make(map[string]string, len(cfg.Headers)+len(cfg.SecretHeaders))
	for k, v := range cfg.Headers {
		h[k] = v
	}
	for k, ref := range cfg.SecretHeaders {
		s, err := ref.Read(getenv)
		if err != nil {
			return nil, fmt.Errorf("otlp header %s: %w", k, err)
		}
		h[k] = s.Reveal()
	}
	return h, nil
}
