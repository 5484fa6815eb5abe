package alerting

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	commoncfg "github.com/prometheus/common/config"

	"github.com/flinkslo/flinkslo/alerting/alertmanager"
	"github.com/flinkslo/flinkslo/alerting/console"
	"github.com/flinkslo/flinkslo/alerting/datadog"
	"github.com/flinkslo/flinkslo/alerting/pagerduty"
	"github.com/flinkslo/flinkslo/alerting/slack"
	"github.com/flinkslo/flinkslo/alerting/webhook"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// SinkOptions is what BuildSinks needs besides the configuration.
type SinkOptions struct {
	// Getenv reads the secrets the config names; os.Getenv in main.
	Getenv func(string) string
	// Events sends Datadog events; nil when Datadog is not configured.
	// main shares its *statsd.Client.
	Events datadog.EventSender
	// Console is where console and dry-run lines go; JSON selects JSON
	// lines (--log.format=json).
	Console io.Writer
	JSON    bool
	// ForceConsole adds the console sink next to the configured ones
	// (the demo).
	ForceConsole bool
	// DryRun replaces every real sink by a printer of what it would send;
	// secrets that cannot be read are then not an error.
	DryRun bool
	// DryRunOutput is where the dry-run lines go; Console when nil (the
	// demo discards them: its console lines already say where each
	// notification would go).
	DryRunOutput io.Writer
	// Transport for PagerDuty and Slack, and for Alertmanager and webhooks
	// when set (tests); else those build theirs from their HTTP settings.
	Transport http.RoundTripper
	// Logger is for what a sink notices on its own (Slack: an earlier post
	// it cannot look for); discarded when nil.
	Logger *slog.Logger
}

// What the router relies on each sink for.
var (
	_ Destinations  = (*slack.Sink)(nil)
	_ Destinations  = (*pagerduty.Sink)(nil)
	_ SkipsResolved = (*pagerduty.Sink)(nil)
	_ Fanout        = (*alertmanager.Sink)(nil)
	_ Refresher     = (*alertmanager.Sink)(nil)
	_ Destinations  = (*webhook.Sink)(nil)
	_ Transient     = (*datadog.Sink)(nil)
	_ Transient     = (*console.Sink)(nil)
	_ Transient     = (*console.DryRun)(nil)
)

// BuildSinks builds the sinks the configuration asks for, by name. With no
// receiver configured at all, the console sink prints every notification.
func BuildSinks(cfg *Config, o SinkOptions) (map[string]Sink, error) {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Console == nil {
		o.Console = io.Discard
	}
	out := map[string]Sink{}
	pd, err := buildPagerDuty(cfg.Alerting, o)
	if err != nil {
		return nil, err
	}
	sl, err := buildSlack(cfg.Alerting, o)
	if err != nil {
		return nil, err
	}
	am, err := buildAlertmanager(cfg.Alerting, o)
	if err != nil {
		return nil, err
	}
	wh, err := buildWebhook(cfg.Alerting, o)
	if err != nil {
		return nil, err
	}
	type describer interface {
		Sink
		console.Describer
	}
	real := map[string]describer{}
	if pd != nil {
		real[SinkPagerDuty] = pd
	}
	if sl != nil {
		real[SinkSlack] = sl
	}
	if am != nil {
		real[SinkAlertmanager] = am
	}
	if wh != nil {
		real[SinkWebhook] = wh
	}
	if o.Events != nil && cfg.Datadog {
		real[SinkDatadog] = datadog.New(o.Events)
	}
	printer := console.New(o.Console, o.JSON)
	dryRun := printer
	if o.DryRunOutput != nil {
		dryRun = console.New(o.DryRunOutput, o.JSON)
	}
	for name, s := range real {
		out[name] = s
		if o.DryRun {
			out[name] = console.NewDryRun(dryRun, name, s)
		}
	}
	if o.ForceConsole || len(out) == 0 {
		out[SinkConsole] = printer
	}
	return out, nil
}

func buildPagerDuty(a config.Alerting, o SinkOptions) (*pagerduty.Sink, error) {
	routes := map[fleet.Route]pagerduty.Route{}
	for route, r := range map[fleet.Route]config.Route{fleet.Page: a.Page, fleet.Monitor: a.Monitor, fleet.Notify: a.Notify} {
		if r.PagerDuty == nil {
			continue
		}
		key, err := config.ReadSecret(o.Getenv, r.PagerDuty.RoutingKeyEnv, r.PagerDuty.RoutingKeyFile)
		if err != nil && o.DryRun {
			key, err = config.NewSecret("dry-run"), nil
		}
		if err != nil {
			return nil, fmt.Errorf("read PagerDuty routing key of alerting.%s: %w", route, err)
		}
		routes[route] = pagerduty.Route{RoutingKey: key, Severity: r.PagerDuty.Severity}
	}
	if len(routes) == 0 {
		return nil, nil
	}
	return pagerduty.New(pagerduty.Options{EventsURL: a.PagerDuty.EventsURL, Routes: routes, Transport: o.Transport})
}

func buildSlack(a config.Alerting, o SinkOptions) (*slack.Sink, error) {
	wanted := a.Page.Slack != nil || a.Monitor.Slack != nil || a.Notify.Slack != nil
	if !wanted {
		return nil, nil
	}
	c := a.Slack
	token, terr := config.ReadSecret(o.Getenv, c.TokenEnv, c.TokenFile)
	hook, herr := config.ReadSecret(o.Getenv, c.WebhookURLEnv, c.WebhookURLFile)
	switch {
	case terr == nil || herr == nil:
	case o.DryRun:
		token = config.NewSecret("dry-run")
	case errors.Is(terr, config.ErrSecretUnset) && errors.Is(herr, config.ErrSecretUnset):
		return nil, errors.New("alerting: routes post to Slack but alerting.slack has neither tokenEnv/tokenFile nor webhookURLEnv/webhookURLFile")
	case !errors.Is(terr, config.ErrSecretUnset):
		return nil, fmt.Errorf("read alerting.slack token: %w", terr)
	default:
		return nil, fmt.Errorf("read alerting.slack webhook URL: %w", herr)
	}
	return slack.New(slack.Options{Token: token, WebhookURL: hook, APIURL: c.APIURL, Transport: o.Transport, Logger: o.Logger})
}

// routeConfigs are the routes' settings, by route.
func routeConfigs(a config.Alerting) map[fleet.Route]config.Route {
	return map[fleet.Route]config.Route{fleet.Page: a.Page, fleet.Monitor: a.Monitor, fleet.Notify: a.Notify}
}

// render is how the Alertmanager and webhook sinks label and annotate.
func render(a config.Alerting) alertmanager.Render {
	r := alertmanager.Render{ExternalURL: a.ExternalURL, Labels: map[fleet.Route]map[string]string{}}
	for route, rc := range routeConfigs(a) {
		if rc.Alertmanager != nil && len(rc.Alertmanager.Labels) > 0 {
			r.Labels[route] = rc.Alertmanager.Labels
		}
	}
	return r
}

// httpClient is the client of settings h, through prometheus/common/config
// as Alertmanager's own clients (TLS and token files read again as they
// change); o.Transport replaces it in tests.
func httpClient(h *config.HTTPClient, timeout time.Duration, o SinkOptions) (*http.Client, error) {
	if o.Transport != nil {
		return &http.Client{Transport: o.Transport, CheckRedirect: noRedirects}, nil
	}
	cc, err := h.Common(o.Getenv)
	if err != nil {
		return nil, err
	}
	c, err := commoncfg.NewClientFromConfig(cc, "flinkslo", commoncfg.WithUserAgent("flinkslo"))
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	c.Timeout = timeout
	return c, nil
}

// noRedirects: a receiver that redirects is misconfigured, and following
// could take credentials to another host.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func buildAlertmanager(a config.Alerting, o SinkOptions) (*alertmanager.Sink, error) {
	wanted := false
	for _, rc := range routeConfigs(a) {
		wanted = wanted || rc.Alertmanager != nil
	}
	if !wanted {
		return nil, nil
	}
	c := a.Alertmanager
	client, err := httpClient(&c.HTTP, c.Timeout.D(), o)
	if err != nil && o.DryRun {
		client, err = http.DefaultClient, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alerting.alertmanager.http: %w", err)
	}
	return alertmanager.New(alertmanager.Options{
		URLs: c.URLs, Client: client, Timeout: c.Timeout.D(), RefreshInterval: c.RefreshInterval.D(), Render: render(a),
	})
}

func buildWebhook(a config.Alerting, o SinkOptions) (*webhook.Sink, error) {
	routes := map[fleet.Route]webhook.Route{}
	for route, rc := range routeConfigs(a) {
		w := rc.Webhook
		if w == nil {
			continue
		}
		p := "alerting." + string(route) + ".webhook"
		u := config.NewSecret(w.URL)
		var err error
		if w.URL == "" {
			u, err = config.ReadSecret(o.Getenv, w.URLEnv, w.URLFile)
		}
		if err != nil && o.DryRun {
			u, err = config.NewSecret("http://dry-run.invalid/"), nil
		}
		if err != nil {
			return nil, fmt.Errorf("read the URL of %s: %w", p, err)
		}
		var secret config.Secret
		if w.HMACSecretEnv != "" || w.HMACSecretFile != "" {
			secret, err = config.ReadSecret(o.Getenv, w.HMACSecretEnv, w.HMACSecretFile)
			if err != nil && o.DryRun {
				secret, err = config.NewSecret("dry-run"), nil
			}
			if err != nil {
				return nil, fmt.Errorf("read the HMAC secret of %s: %w", p, err)
			}
		}
		client, err := httpClient(w.HTTP, config.DefaultAlertmanagerTimeout, o)
		if err != nil && o.DryRun {
			client, err = http.DefaultClient, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s.http: %w", p, err)
		}
		routes[route] = webhook.Route{URL: u, Secret: secret, Client: client}
	}
	if len(routes) == 0 {
		return nil, nil
	}
	return webhook.New(webhook.Options{Routes: routes, Render: render(a), Timeout: config.DefaultAlertmanagerTimeout})
}
