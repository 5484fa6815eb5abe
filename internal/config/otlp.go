package config

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// OTLP configures the OpenTelemetry (OTLP) metrics push. Its presence in
// the file is what turns the push on.
type OTLP struct {
	// Endpoint is the receiver's URL; its scheme chooses plain text (http)
	// or TLS (https). With protocol http a URL without a path gets the
	// standard /v1/metrics.
	Endpoint string `yaml:"endpoint"`
	// Protocol is http (protobuf over HTTP, OTLP's default) or grpc.
	Protocol string `yaml:"protocol"`
	// Headers are sent with every request, values as written.
	Headers map[string]string `yaml:"headers"`
	// SecretHeaders are headers whose values are credentials (an API key,
	// Authorization), read from an environment variable or a file.
	SecretHeaders map[string]SecretFrom `yaml:"secretHeaders"`
	// TLS tunes an https endpoint: CA, client certificate, server name.
	TLS *TLS `yaml:"tls"`
	// Compression is gzip or none.
	Compression string `yaml:"compression"`
	// Interval is the time between two pushes.
	Interval Duration `yaml:"interval"`
	// Timeout bounds one request, its retries included.
	Timeout Duration `yaml:"timeout"`
	// MaxBatchSize is the most data points sent in one request; a large
	// fleet's push is split so that no request exceeds what receivers
	// accept (4 MiB for a collector's gRPC receiver by default).
	MaxBatchSize int `yaml:"maxBatchSize"`
	// ResourceAttributes are added to (and override) the resource
	// attributes flinkslo sets, e.g. deployment.environment.name.
	ResourceAttributes map[string]string `yaml:"resourceAttributes"`
}

// headerNameRE is an HTTP header field name (RFC 9110 token).
var headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func (o *OTLP) validate(ck *checker) {
	const p = "otlp"
	switch o.Protocol {
	case "grpc", "http":
	default:
		ck.fail(p+".protocol", "%q: want grpc or http", o.Protocol)
	}
	o.validateEndpoint(ck, p+".endpoint")
	if o.TLS != nil && !strings.HasPrefix(o.Endpoint, "https://") {
		ck.fail(p+".tls", "needs an https:// endpoint")
	}
	validateTLS(ck, p+".tls", o.TLS)
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(o.Headers)) {
		validateHeader(ck, p+".headers."+name, name, seen)
	}
	for _, name := range slices.Sorted(maps.Keys(o.SecretHeaders)) {
		hp := p + ".secretHeaders." + name
		validateHeader(ck, hp, name, seen)
		s := o.SecretHeaders[name]
		validateSecretRef(ck, hp, "env", "file", s.Env, s.File, true)
	}
	switch o.Compression {
	case "gzip", "none":
	default:
		ck.fail(p+".compression", "%q: want gzip or none", o.Compression)
	}
	if o.Interval <= 0 {
		ck.fail(p+".interval", "must be positive")
	}
	switch {
	case o.Timeout <= 0:
		ck.fail(p+".timeout", "must be positive")
	case o.Timeout > o.Interval:
		ck.fail(p+".timeout", "%s is longer than otlp.interval %s", o.Timeout, o.Interval)
	}
	if o.MaxBatchSize < 1 {
		ck.fail(p+".maxBatchSize", "must be at least 1, got %d", o.MaxBatchSize)
	}
	for _, k := range slices.Sorted(maps.Keys(o.ResourceAttributes)) {
		if strings.TrimSpace(k) == "" {
			ck.fail(p+".resourceAttributes", "empty attribute name")
		}
	}
}

func (o *OTLP) validateEndpoint(ck *checker, path string) {
	if o.Endpoint == "" {
		ck.fail(path, "required: the receiver's URL, e.g. http://otel-collector:4318 (protocol http) or http://otel-collector:4317 (grpc)")
		return
	}
	u, err := url.Parse(o.Endpoint)
	switch {
	case err != nil:
		ck.fail(path, "%v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		ck.fail(path, "%q: want a URL such as http://otel-collector:4318 (http:// for plain text, https:// for TLS)", o.Endpoint)
	case u.Host == "":
		ck.fail(path, "%q: no host", o.Endpoint)
	case u.User != nil:
		ck.fail(path, "credentials in the URL would leak into logs: use secretHeaders")
	case u.RawQuery != "" || u.Fragment != "":
		ck.fail(path, "%q: no query or fragment", o.Endpoint)
	case o.Protocol == "grpc" && strings.Trim(u.Path, "/") != "":
		ck.fail(path, "%q: a gRPC endpoint has no path", o.Endpoint)
	}
}

// validateHeader checks a header name, and that no name is given twice
// (HTTP names are case-insensitive; gRPC lowercases them).
func validateHeader(ck *checker, path, name string, seen map[string]string) {
	if !headerNameRE.MatchString(name) {
		ck.fail(path, "%q is not a header name", name)
		return
	}
	lower := strings.ToLower(name)
	if prev, dup := seen[lower]; dup {
		ck.fail(path, "header %q already given as %s", name, prev)
		return
	}
	seen[lower] = path
}
