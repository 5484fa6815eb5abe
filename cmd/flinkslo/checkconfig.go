package main

import (
	"context"
	"fmt"

	"github.com/alecthomas/kingpin/v2"

	"github.com/flinkslo/flinkslo/internal/config"
)

type checkConfigCmd struct{ file string }

func (c *checkConfigCmd) register(app *kingpin.Application, e *env) *kingpin.CmdClause {
	cmd := app.Command("check-config", "Validate a configuration file and exit: 0 when valid.")
	cmd.Arg("file", "Configuration file.").Required().StringVar(&c.file)
	return cmd
}

func (c *checkConfigCmd) run(_ context.Context, e *env) error {
	cfg, err := config.Load(c.file)
	if err != nil {
		return err
	}
	if err := cfg.RequireTargets(); err != nil {
		return fmt.Errorf("config %s: %w", c.file, err)
	}
	for _, w := range warnings(cfg, e.getenv) {
		fmt.Fprintf(e.stdout, "warning: %s\n", w)
	}
	_, err = fmt.Fprintf(e.stdout, "%s: OK (%d static targets, kubernetes discovery %s)\n", c.file, len(cfg.Targets), onOff(cfg.Kubernetes != nil))
	return err
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// warnings are problems that do not make a config invalid but that a user
// wants to know before deploying: secrets the environment does not hold,
// routes with no way to send.
func warnings(cfg *config.Config, getenv func(string) string) []string {
	var out []string
	a := cfg.Alerting
	for _, rt := range []struct {
		name string
		r    config.Route
	}{{"page", a.Page}, {"monitor", a.Monitor}, {"notify", a.Notify}} {
		name, r := rt.name, rt.r
		if pd := r.PagerDuty; pd != nil {
			if _, err := config.ReadSecret(getenv, pd.RoutingKeyEnv, pd.RoutingKeyFile); err != nil {
				out = append(out, fmt.Sprintf("alerting.%s.pagerduty: routing key: %v (flinkslo run will refuse to start until it is set)", name, err))
			}
		}
		if r.Slack != nil && a.Slack.TokenEnv == "" && a.Slack.TokenFile == "" && a.Slack.WebhookURLEnv == "" && a.Slack.WebhookURLFile == "" {
			out = append(out, fmt.Sprintf("alerting.%s.slack: no alerting.slack tokenEnv/tokenFile or webhookURLEnv/webhookURLFile (flinkslo run will refuse to start)", name))
		}
	}
	for _, t := range cfg.Targets {
		if t.Team != "" && t.SlackChannel == "" && cfg.Teams[t.Team].SlackChannel == "" && a.Notify.Slack != nil {
			out = append(out, fmt.Sprintf("target %s: team %q has no teams.%s.slackChannel: its notifications go to the monitor channel", t.Name, t.Team, t.Team))
		}
	}
	return out
}
