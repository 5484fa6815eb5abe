package kafka

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

const password = "s3cr3t-kafka-pw"

// SASL against a kfake cluster that requires it: the right password reads
// the cluster, a wrong one leaves it down, and the password never shows in
// the error, the logs or the metrics.
func TestSASL(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			k, err := kafkafake.Start(kfake.EnableSASL(), kfake.Superuser(mech, "flinkslo", password))
			must(t, err)
			t.Cleanup(k.Close)
			for _, tt := range []struct {
				name   string
				pw     string
				wantUp bool
			}{{"right password", password, true}, {"wrong password", "not-" + password, false}} {
				t.Run(tt.name, func(t *testing.T) {
					var logs bytes.Buffer
					cfg := testConfig(k.Brokers())
					cfg.SASL = &config.SASL{Mechanism: mech, Username: "flinkslo", PasswordEnv: "KAFKA_PW"}
					getenv := func(k string) string { return map[string]string{"KAFKA_PW": tt.pw}[k] }
					log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
					c, err := New(cfg, getenv, log, WithClock(newClock().Now))
					must(t, err)
					t.Cleanup(c.Close)
					c.SetGroups(map[string][]string{"": {"g"}})
					err = c.Poll(ctxT(t))
					if (err == nil) != tt.wantUp {
						t.Fatalf("Poll error = %v, want up=%v", err, tt.wantUp)
					}
					leak := logs.String() + exposition(t, c)
					if err != nil {
						leak += err.Error()
					}
					if strings.Contains(leak, password) {
						t.Errorf("password leaked into logs, metrics or error:\n%s", leak)
					}
				})
			}
		})
	}
}

func TestSASLSecretMissing(t *testing.T) {
	cfg := testConfig([]string{"127.0.0.1:1"})
	cfg.SASL = &config.SASL{Mechanism: "SCRAM-SHA-512", Username: "u", PasswordFile: filepath.Join(t.TempDir(), "absent")}
	if _, err := New(cfg, os.Getenv, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "sasl password") {
		t.Errorf("New with an unreadable password file: err = %v, want one naming the sasl password", err)
	}
	awsEnv(t)
	cfg.SASL = &config.SASL{Mechanism: "AWS_MSK_IAM", AccessKeyEnv: "MSK_ACCESS_KEY_ID"}
	if _, err := New(cfg, func(string) string { return "" }, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "MSK_ACCESS_KEY_ID") {
		t.Errorf("New with MSK IAM static keys unset: err = %v, want one naming MSK_ACCESS_KEY_ID", err)
	}
}

// TLS with a CA file: the collector verifies the brokers' certificate.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	serverTLS, caFile := testCA(t, dir)
	k, err := kafkafake.Start(kfake.TLS(serverTLS))
	must(t, err)
	t.Cleanup(k.Close)
	for _, tt := range []struct {
		name   string
		tls    *config.TLS
		wantUp bool
	}{
		{"trusted CA", &config.TLS{CAFile: caFile}, true},
		{"system roots only", &config.TLS{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(k.Brokers())
			cfg.TLS = tt.tls
			c := newTestCollector(t, cfg, newClock(), "g")
			if err := c.Poll(ctxT(t)); (err == nil) != tt.wantUp {
				t.Errorf("Poll error = %v, want up=%v", err, tt.wantUp)
			}
		})
	}
}

// testCA makes a CA and a certificate for 127.0.0.1 signed by it.
func testCA(t *testing.T, dir string) (*tls.Config, string) {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(t, err)
		return k
	}
	caKey, srvKey := key(), key()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	must(t, err)
	srv := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kafka"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srv, ca, &srvKey.PublicKey, caKey)
	must(t, err)
	caFile := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600))
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}}}, caFile
}
