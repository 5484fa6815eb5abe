package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAlertmanagerDefaults(t *testing.T) {
	cfg, err := Parse([]byte("alerting: { alertmanager: { urls: ['http://am:9093'] }, page: { alertmanager: {} } }\n"))
	if err != nil {
		t.Fatal(err)
	}
	am := cfg.Alerting.Alertmanager
	if am.Timeout.D() != 10*time.Second || am.RefreshInterval.D() != time.Minute {
		t.Errorf("alertmanager = %+v, want timeout 10s and refreshInterval 1m", am)
	}
	if err := cfg.Runnable(); err != nil && !strings.Contains(err.Error(), "nothing to watch") {
		t.Errorf("Runnable: %v", err)
	}
}

func TestAlertmanagerFullConfig(t *testing.T) {
	cfg, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Alerting
	if am := a.Alertmanager; len(am.URLs) != 2 || am.RefreshInterval.D() != 2*time.Minute || am.HTTP.BearerToken == nil ||
		a.Monitor.Alertmanager.Labels["cluster"] != "eu-1" || a.ExternalURL == "" {
		t.Errorf("alerting = %+v", a)
	}
	if w := a.Notify.Webhook; w == nil || w.URLFile == "" || w.HMACSecretFile == "" || w.HTTP == nil {
		t.Errorf("alerting.notify.webhook = %+v", w)
	}
}

func TestAlertmanagerAndWebhookBadConfigs(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       []string
	}{
		{"file: a reserved label", "@alertmanager-reserved-label.yaml", []string{"line 5", "alerting.page.alertmanager.labels.severity", "flinkslo sets severity itself"}},
		{"file: a URL with a query", "@alertmanager-url-query.yaml", []string{"line 5", "alerting.alertmanager.urls[1]", "no query or fragment"}},
		{"file: a webhook with two URLs", "@webhook-two-urls.yaml", []string{"line 3", "alerting.notify.webhook", "exactly one of url, urlEnv or urlFile"}},
		{"credentials in an Alertmanager URL", "alerting: { alertmanager: { urls: ['http://u:p@am:9093'] } }",
			[]string{"alerting.alertmanager.urls[0]", "credentials in the URL"}},
		{"the same URL twice", "alerting: { alertmanager: { urls: ['http://am:9093', 'http://am:9093'] } }",
			[]string{"alerting.alertmanager.urls[1]", "already given as urls[0]"}},
		{"not a URL", "alerting: { alertmanager: { urls: ['am:9093'] } }", []string{"alerting.alertmanager.urls[0]", "scheme must be http or https"}},
		{"a zero refresh interval", "alerting: { alertmanager: { refreshInterval: 0s, timeout: -1s } }",
			[]string{"alerting.alertmanager.timeout: must be positive"}},
		{"a bad label name", "alerting: { notify: { alertmanager: { labels: { 'env-name': prod, ok: '' } } } }",
			[]string{`alerting.notify.alertmanager.labels.env-name: "env-name" is not a label name`, "alerting.notify.alertmanager.labels.ok: empty value"}},
		{"basic auth without a password", "alerting: { alertmanager: { http: { basicAuth: { username: flinkslo } } } }",
			[]string{"alerting.alertmanager.http.basicAuth", "one of passwordEnv or passwordFile is required"}},
		{"a webhook without a URL", "alerting: { page: { webhook: { hmacSecretEnv: S } } }", []string{"alerting.page.webhook", "exactly one of url"}},
		{"both HMAC secrets", "alerting: { page: { webhook: { url: 'https://h', hmacSecretEnv: S, hmacSecretFile: /s } } }",
			[]string{"alerting.page.webhook", "hmacSecretEnv and hmacSecretFile are exclusive"}},
		{"an external URL with a fragment", "alerting: { externalURL: 'https://flinkslo.example.com/#/' }", []string{"alerting.externalURL", "no query or fragment"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if file, ok := strings.CutPrefix(tt.yaml, "@"); ok {
				_, err = Load(filepath.Join("testdata", "bad", file))
			} else {
				_, err = Parse([]byte(tt.yaml + "\n"))
			}
			if err == nil {
				t.Fatal("parsed without error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestAlertmanagerRunnable(t *testing.T) {
	cfg, err := Parse([]byte("targets: [{ name: a, url: 'http://a:8081' }]\nalerting:\n  notify: { alertmanager: {} }\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Runnable()
	if err == nil || !strings.Contains(err.Error(), "line 3: alerting.notify.alertmanager: posts to Alertmanager, but alerting.alertmanager.urls is empty") {
		t.Fatalf("Runnable = %v, want the route without Alertmanager URLs named", err)
	}
}

func TestAlertmanagerWarnings(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       []string
	}{
		{"URLs but no route", "alerting: { alertmanager: { urls: ['http://am:9093'] } }",
			[]string{"line 1: alerting.alertmanager.urls: no route has an alertmanager entry: nothing is posted to Alertmanager"}},
		{"paged both directly and through Alertmanager", "alerting:\n  alertmanager: { urls: ['http://am:9093'] }\n  page: { pagerduty: { routingKeyEnv: K }, alertmanager: {} }",
			[]string{"line 3: alerting.page.alertmanager: the route also sends to PagerDuty or Slack itself: if Alertmanager routes its alerts there too, people hear each incident twice"}},
		{"Alertmanager alone", "alerting: { alertmanager: { urls: ['http://am:9093'] }, page: { alertmanager: {} } }", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range cfg.Warnings() {
				got = append(got, w.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlertmanagerEnvironment(t *testing.T) {
	dir := t.TempDir()
	hmac := filepath.Join(dir, "hmac")
	if err := os.WriteFile(hmac, []byte("k\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse([]byte(`alerting:
  alertmanager:
    urls: ["https://am:9093"]
    http: { basicAuth: { username: flinkslo, passwordFile: ` + dir + `/am-password } }
  page: { alertmanager: {} }
  notify:
    webhook: { urlEnv: HOOK_URL, hmacSecretFile: ` + hmac + ` }
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cfg.CheckEnvironment(func(string) string { return "" }) {
		got = append(got, w.String())
	}
	want := []string{
		"line 7: alerting.notify.webhook.urlEnv: environment variable HOOK_URL is empty or unset: flinkslo run refuses to start until it can be read",
		"line 4: alerting.alertmanager.http.basicAuth.passwordFile: read secret file: open " + dir + "/am-password: no such file or directory: every post fails until it can be read",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
