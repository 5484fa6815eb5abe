package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// envConfig names a secret of every kind, the files under dir.
func envConfig(dir string) string {
	return fmt.Sprintf(`targets:
  - name: a
    url: https://a:8081
    http:
      basicAuth: { username: u, passwordEnv: FLINK_PASSWORD }
      tls: { caFile: %[1]s/ca.pem }
  - name: b
    url: https://b:8081
    http: { bearerToken: { file: %[1]s/flink-token } }
kafka:
  brokers: ["kafka:9092"]
  sasl: { mechanism: SCRAM-SHA-512, username: u, passwordFile: %[1]s/kafka-password }
  clusters:
    - name: msk
      brokers: ["b-1.x.c2.kafka.eu-west-1.amazonaws.com:9098"]
      sasl: { mechanism: AWS_MSK_IAM, secretKeyEnv: MSK_SECRET }
alerting:
  page: { pagerduty: { routingKeyEnv: PD_KEY } }
  notify: { slack: {} }
  slack: { tokenEnv: SLACK_TOKEN, webhookURLFile: %[1]s/slack-webhook }
classify:
  rulesFiles: [%[1]s/rules.yaml]
`, dir)
}

func TestCheckEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Parse([]byte(envConfig(dir)))
	if err != nil {
		t.Fatal(err)
	}
	refuse, down := "flinkslo run refuses to start until it can be read", "the targets it applies to are reported down until it can be read"
	none := func(string) string { return "" }
	want := []string{
		"line 5: targets[0].http.basicAuth.passwordEnv: environment variable FLINK_PASSWORD is empty or unset: " + down,
		"line 6: targets[0].http.tls.caFile: open " + dir + "/ca.pem: no such file or directory: " + down,
		"line 9: targets[1].http.bearerToken.file: read secret file: open " + dir + "/flink-token: no such file or directory: " + down,
		"line 12: kafka.sasl.passwordFile: read secret file: open " + dir + "/kafka-password: no such file or directory: " + refuse,
		"line 16: kafka.clusters[0].sasl.accessKeyEnv: environment variable AWS_ACCESS_KEY_ID is empty or unset: " + refuse,
		"line 16: kafka.clusters[0].sasl.secretKeyEnv: environment variable MSK_SECRET is empty or unset: " + refuse,
		"line 18: alerting.page.pagerduty.routingKeyEnv: environment variable PD_KEY is empty or unset: " + refuse,
		"line 20: alerting.slack.tokenEnv: environment variable SLACK_TOKEN is empty or unset: " + refuse,
		"line 20: alerting.slack.webhookURLFile: read secret file: open " + dir + "/slack-webhook: no such file or directory: " + refuse,
		"line 22: classify.rulesFiles[0]: open " + dir + "/rules.yaml: no such file or directory: " + refuse,
	}
	if diff := cmp.Diff(want, warningStrings(cfg.CheckEnvironment(none))); diff != "" {
		t.Errorf("nothing readable (-want +got):\n%s", diff)
	}

	// One Slack setting is enough; a CA file that holds no certificate is
	// as bad as none, and its content is not repeated.
	write(t, dir, "slack-webhook", "https://hooks.slack.com/services/T/B/s3cr3t-hook")
	write(t, dir, "ca.pem", "hunter2, not a certificate")
	got := warningStrings(cfg.CheckEnvironment(none))
	for _, w := range []string{
		"alerting.slack.tokenEnv: environment variable SLACK_TOKEN is empty or unset: the other Slack setting is used",
		"targets[0].http.tls: tls ca file " + dir + "/ca.pem: no PEM certificates: " + down,
	} {
		if !containsLine(got, w) {
			t.Errorf("warnings lack %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if joined := strings.Join(got, "\n"); strings.Contains(joined, "hunter2") || strings.Contains(joined, "s3cr3t") || strings.Contains(joined, "webhookURLFile") {
		t.Errorf("a secret, or a secret that can be read, is in the warnings:\n%s", joined)
	}

	// Everything readable: nothing to say.
	write(t, dir, "ca.pem", selfSignedCA(t))
	for _, f := range []string{"flink-token", "kafka-password", "rules.yaml"} {
		write(t, dir, f, "x")
	}
	env := map[string]string{"FLINK_PASSWORD": "p", "AWS_ACCESS_KEY_ID": "AKIA", "MSK_SECRET": "s", "PD_KEY": "k", "SLACK_TOKEN": "xoxb"}
	if got := cfg.CheckEnvironment(func(k string) string { return env[k] }); len(got) > 0 {
		t.Errorf("everything readable: got %v, want no warning", got)
	}
}

func warningStrings(ws []Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.String())
	}
	return out
}

func containsLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// selfSignedCA returns a fresh CA certificate in PEM.
func selfSignedCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
