package config

import "errors"

// Runnable reports every reason `flinkslo run` refuses this configuration
// whatever the environment it runs in: nothing to watch, or a route whose
// receiver has no connection settings (Slack, Alertmanager). Load accepts
// such a file, because `flinkslo classify --config` reads only its
// classify section; run and
// check-config both call Runnable, so a file check-config accepts is one
// run starts with, once its secrets can be read (see CheckEnvironment).
func (c *Config) Runnable() error {
	ck := &checker{lines: c.lines}
	if err := c.RequireTargets(); err != nil {
		ck.errs = append(ck.errs, err)
	}
	s := c.Alerting.Slack
	if s.TokenEnv == "" && s.TokenFile == "" && s.WebhookURLEnv == "" && s.WebhookURLFile == "" {
		for _, r := range c.Alerting.routes() {
			if r.route.Slack != nil {
				ck.fail("alerting."+r.name+".slack", "posts to Slack, but alerting.slack has neither tokenEnv/tokenFile (a bot token) nor webhookURLEnv/webhookURLFile (an incoming webhook)")
			}
		}
	}
	c.Alerting.runnableAlertmanager(ck)
	return errors.Join(ck.errs...)
}

// namedRoute is a route with its key under alerting.
type namedRoute struct {
	name  string
	route *Route
}

// routes lists the routes in a fixed order, so messages come out in one.
func (a *Alerting) routes() []namedRoute {
	return []namedRoute{{"page", &a.Page}, {"monitor", &a.Monitor}, {"notify", &a.Notify}}
}
