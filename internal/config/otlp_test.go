package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestOTLPDefaults(t *testing.T) {
	cfg, err := Parse([]byte("otlp: { endpoint: 'http://otel-collector:4318' }\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.OTLP
	if o.Protocol != "http" || o.Compression != "gzip" || o.Interval.D() != time.Minute || o.Timeout.D() != 10*time.Second || o.MaxBatchSize != 10000 {
		t.Errorf("otlp = %+v, want the defaults", o)
	}
	cfg, err = Parse([]byte("scrapeInterval: 5s\n"))
	if err != nil || cfg.OTLP != nil {
		t.Errorf("without an otlp section: otlp = %+v, %v; want off", cfg.OTLP, err)
	}
}

func TestOTLPFullConfig(t *testing.T) {
	cfg, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.OTLP
	if o == nil || o.Protocol != "grpc" || o.SecretHeaders["Authorization"].File == "" || o.TLS == nil || o.MaxBatchSize != 5000 ||
		o.ResourceAttributes["k8s.cluster.name"] != "eu-west-1" {
		t.Errorf("otlp = %+v", o)
	}
}

func TestOTLPBadConfigsNameFieldAndLine(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"otlp-endpoint-not-url.yaml", []string{"line 2", "otlp.endpoint", "http:// for plain text, https:// for TLS"}},
		{"otlp-protocol.yaml", []string{"line 3", "otlp.protocol", `"http/protobuf": want grpc or http`}},
		{"otlp-tls-without-https.yaml", []string{"line 3", "otlp.tls", "needs an https:// endpoint"}},
		{"otlp-header-twice.yaml", []string{"line 6", "otlp.secretHeaders.Authorization", "already given as otlp.headers.authorization"}},
		{"otlp-secret-both.yaml", []string{"line 4", "otlp.secretHeaders.Api-Key", "env and file are exclusive"}},
		{"otlp-timeout-over-interval.yaml", []string{"line 4", "otlp.timeout", "longer than otlp.interval"}},
		{"otlp-grpc-path.yaml", []string{"line 2", "otlp.endpoint", "a gRPC endpoint has no path"}},
		{"otlp-credentials-in-url.yaml", []string{"line 2", "otlp.endpoint", "use secretHeaders"}},
		{"otlp-unknown-key.yaml", []string{"line 3", `unknown field "insecure"`, "endpoint"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "bad", tt.file)
			_, err := Load(path)
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := Load("testdata/bad/otlp-credentials-in-url.yaml"); err != nil && strings.Contains(err.Error(), "pass") {
		t.Errorf("error repeats the credentials: %v", err)
	}
}

// TestOTLPDefaultsDocumented keeps the README's otlp table and defaults.go
// in step.
func TestOTLPDefaultsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "### `otlp`")
	if start < 0 {
		t.Fatal("README has no ### `otlp` section")
	}
	end := strings.Index(s[start+1:], "\n#")
	if end < 0 {
		end = len(s) - start - 1
	}
	rows := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-zA-Z]+)` \\| ([^|]*) \\|").FindAllStringSubmatch(s[start:start+1+end], -1) {
		rows[m[1]] = strings.TrimSpace(m[2])
	}
	for key, want := range map[string]string{
		"endpoint":           "required",
		"protocol":           "`" + DefaultOTLPProtocol + "`",
		"compression":        "`" + DefaultOTLPCompression + "`",
		"interval":           "`" + Duration(DefaultOTLPInterval).String() + "`",
		"timeout":            "`" + Duration(DefaultOTLPTimeout).String() + "`",
		"maxBatchSize":       fmt.Sprintf("`%d`", DefaultOTLPMaxBatchSize),
		"headers":            "—",
		"secretHeaders":      "—",
		"tls":                "—",
		"resourceAttributes": "—",
	} {
		got, ok := rows[key]
		if !ok {
			t.Errorf("README's otlp table has no row for %s", key)
		} else if got != want {
			t.Errorf("README's otlp table: %s default %s, defaults.go has %s", key, got, want)
		}
	}
	for _, k := range yamlKeys("OTLP") {
		if _, ok := rows[k]; !ok {
			t.Errorf("otlp.%s is not in the README's otlp table", k)
		}
	}
}

// FuzzParseOTLP: no otlp section, however malformed, panics or validates
// into something the exporter cannot use.
func FuzzParseOTLP(f *testing.F) {
	f.Add([]byte("otlp: { endpoint: 'http://otel-collector:4318' }"))
	f.Add([]byte("otlp: { endpoint: 'https://c:4317', protocol: grpc, tls: {caFile: x}, secretHeaders: {Authorization: {env: A}} }"))
	f.Add([]byte("otlp: { endpoint: 'http://c:4318/otlp/v1/metrics', headers: {a: b, A: c}, interval: 1s, timeout: 2s }"))
	f.Add([]byte("otlp: { endpoint: 'unix:///x', maxBatchSize: -1, compression: zstd }"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil || cfg.OTLP == nil {
			return
		}
		o := cfg.OTLP
		u, perr := url.Parse(o.Endpoint)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || o.Timeout <= 0 || o.Timeout > o.Interval || o.MaxBatchSize < 1 {
			t.Fatalf("validated an unusable otlp section: %+v", o)
		}
	})
}
