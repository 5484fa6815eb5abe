package alerting

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/console"
	"github.com/flinkslo/flinkslo/internal/config"
)

type noEvents struct{}

func (noEvents) Event(*statsd.Event) error { return nil }

func names(m map[string]Sink) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestBuildSinks(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "pd-key")
	require.NoError(t, os.WriteFile(keyFile, []byte("0123456789abcdef0123456789abcdef\n"), 0o600))
	env := map[string]string{"PD_KEY": "0123456789abcdef0123456789abcdef", "SLACK_TOKEN": "xoxb-1", "HOOK_URL": "https://hooks.example.com/T0KEN", "HOOK_SECRET": "s3cret"}
	getenv := func(k string) string { return env[k] }
	on := true
	cases := []struct {
		name   string
		mutate func(*config.Config)
		opts   SinkOptions
		want   []string
		err    string
	}{
		{name: "nothing configured prints to the console",
			mutate: func(c *config.Config) { c.Alerting = config.Alerting{} }, want: []string{SinkConsole}},
		{name: "pagerduty and slack", mutate: func(c *config.Config) { c.Alerting.Slack.TokenEnv = "SLACK_TOKEN" },
			want: []string{SinkPagerDuty, SinkSlack}},
		{name: "routing key from a file", mutate: func(c *config.Config) {
			c.Alerting.Page.PagerDuty.RoutingKeyEnv, c.Alerting.Page.PagerDuty.RoutingKeyFile = "", keyFile
			c.Alerting.Monitor.Slack, c.Alerting.Notify.Slack = nil, nil
		}, want: []string{SinkPagerDuty}},
		{name: "the demo adds the console", mutate: func(c *config.Config) { c.Alerting.Slack.TokenEnv = "SLACK_TOKEN" },
			opts: SinkOptions{ForceConsole: true}, want: []string{SinkConsole, SinkPagerDuty, SinkSlack}},
		{name: "datadog events when datadog is configured", mutate: func(c *config.Config) {
			c.Alerting.Slack.TokenEnv = "SLACK_TOKEN"
			c.Datadog = &config.Datadog{Events: &on}
		}, opts: SinkOptions{Events: noEvents{}}, want: []string{SinkDatadog, SinkPagerDuty, SinkSlack}},
		{name: "slack routes without a token", err: "neither tokenEnv/tokenFile nor webhookURLEnv/webhookURLFile"},
		{name: "routing key env unset", mutate: func(c *config.Config) {
			c.Alerting.Slack.TokenEnv = "SLACK_TOKEN"
			c.Alerting.Page.PagerDuty.RoutingKeyEnv = "UNSET"
		}, err: "UNSET is empty or unset"},
		{name: "alertmanager and a webhook", mutate: func(c *config.Config) {
			c.Alerting = config.Alerting{
				Alertmanager: config.AlertmanagerConnection{URLs: []string{"http://am-0:9093", "http://am-1:9093"}, Timeout: config.Duration(time.Second), RefreshInterval: config.Duration(time.Minute)},
				Page:         config.Route{Alertmanager: &config.AlertmanagerRoute{}},
				Notify:       config.Route{Webhook: &config.WebhookRoute{URLEnv: "HOOK_URL", HMACSecretEnv: "HOOK_SECRET"}},
			}
		}, want: []string{SinkAlertmanager, SinkWebhook}},
		{name: "webhook secret unset", mutate: func(c *config.Config) {
			c.Alerting.Slack.TokenEnv = "SLACK_TOKEN"
			c.Alerting.Notify.Webhook = &config.WebhookRoute{URLEnv: "HOOK_URL", HMACSecretEnv: "UNSET"}
		}, err: "HMAC secret of alerting.notify.webhook"},
		{name: "a dry run needs no secrets", mutate: func(c *config.Config) { c.Alerting.Page.PagerDuty.RoutingKeyEnv = "UNSET" },
			opts: SinkOptions{DryRun: true}, want: []string{SinkPagerDuty, SinkSlack}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.mutate != nil {
				tc.mutate(cfg)
			}
			tc.opts.Getenv = getenv
			got, err := BuildSinks(ConfigFrom(cfg), tc.opts)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.NotContains(t, err.Error(), env["PD_KEY"])
				require.NotContains(t, err.Error(), env["HOOK_URL"])
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, names(got))
			if tc.opts.DryRun {
				for name, s := range got {
					require.IsType(t, &console.DryRun{}, s, "%s prints instead of sending", name)
				}
			}
		})
	}
}

func TestPagesWithoutSlackOnlyPage(t *testing.T) {
	var buf bytes.Buffer
	cfg := testConfig()
	cfg.Alerting.Monitor.Slack = nil // no platform channel to copy pages to
	rt := newRoutes(ConfigFrom(cfg), map[string]Sink{SinkPagerDuty: nil, SinkSlack: nil, SinkConsole: console.New(&buf, false)})
	require.Equal(t, []string{SinkPagerDuty, SinkConsole}, rt.sinks["page"])
	require.Equal(t, []string{SinkConsole}, rt.sinks["monitor"])
}
