package alerting

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/flinkslo/flinkslo/alerting/console"
	"github.com/flinkslo/flinkslo/alerting/datadog"
	"github.com/flinkslo/flinkslo/alerting/pagerduty"
	"github.com/flinkslo/flinkslo/alerting/slack"
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
	// Transport for PagerDuty and Slack; http.DefaultTransport when nil.
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
	_ Transient     = (*datadog.Sink)(nil)
	_ Transient     = (*console.Sink)(nil)
	_ Transient     = (*console.DryRun)(nil)
)

// BuildSinks builds the sinks the configuration asks for, by name. With no
// receiver configured at all, the console sink prints every notification.
func BuildSinks(cfg *config.Config, o SinkOptions) (map[string]Sink, error) {
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
	if o.Events != nil && cfg.Datadog != nil {
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
