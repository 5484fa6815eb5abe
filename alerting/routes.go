package alerting

import (
	"fmt"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Sink names: the `sink` label and the keys of Options.Sinks.
const (
	SinkPagerDuty    = "pagerduty"
	SinkSlack        = "slack"
	SinkAlertmanager = "alertmanager"
	SinkWebhook      = "webhook"
	SinkDatadog      = "datadog"
	SinkConsole      = "console"
)

// routes decides, per route, which sinks get a notification and which
// Slack channel it goes to.
type routes struct {
	sinks map[fleet.Route][]string
	slack map[fleet.Route]slackRule
	// monitorChannel takes what has no channel of its own.
	monitorChannel string
	teams          map[string]config.Team
	runbook        string
	flinkUI        string
}

// slackRule is a route's Slack destination: a fixed channel, or the owning
// team's channel when channel is empty.
type slackRule struct{ channel string }

func newRoutes(cfg *Config, have map[string]Sink) *routes {
	a := cfg.Alerting
	rt := &routes{
		sinks: map[fleet.Route][]string{}, slack: map[fleet.Route]slackRule{},
		teams: cfg.Teams, runbook: a.RunbookURLTemplate, flinkUI: a.FlinkUIURLTemplate,
	}
	if a.Monitor.Slack != nil {
		rt.monitorChannel = a.Monitor.Slack.Channel
	}
	ddAll := cfg.DatadogEventsAll
	for route, r := range map[fleet.Route]config.Route{fleet.Page: a.Page, fleet.Monitor: a.Monitor, fleet.Notify: a.Notify} {
		var names []string
		add := func(name string, on bool) {
			if _, ok := have[name]; ok && on {
				names = append(names, name)
			}
		}
		add(SinkPagerDuty, r.PagerDuty != nil)
		switch {
		case r.Slack != nil:
			rt.slack[route] = slackRule{channel: r.Slack.Channel}
		case route == fleet.Page && rt.monitorChannel != "":
			// Pages are also posted to the platform channel, so that the
			// people watching it see what woke the on-call.
			rt.slack[route] = slackRule{channel: rt.monitorChannel}
		}
		_, slack := rt.slack[route]
		add(SinkSlack, slack)
		add(SinkAlertmanager, r.Alertmanager != nil)
		add(SinkWebhook, r.Webhook != nil)
		add(SinkDatadog, ddAll || r.Datadog)
		add(SinkConsole, true)
		rt.sinks[route] = names
	}
	return rt
}

// channel is where Slack posts a notification of route for a deployment
// owned by o: the route's fixed channel, else the deployment's own override,
// else its team's channel from the teams config (resolved here and nowhere
// else). A team without a channel falls back to the monitor channel, with a
// note saying so; an empty result means no channel applies.
func (rt *routes) channel(route fleet.Route, o fleet.Owner) (ch, note string) {
	rule, ok := rt.slack[route]
	if !ok {
		return "", ""
	}
	if rule.channel != "" {
		return rule.channel, ""
	}
	team, teamChannel := o.Team, o.SlackChannel
	if teamChannel == "" {
		teamChannel = rt.teams[team].SlackChannel
	}
	if teamChannel != "" {
		return teamChannel, ""
	}
	if team == "" {
		note = "the deployment has no owning team (set team on the target); posted to the monitor channel"
	} else {
		note = fmt.Sprintf("team %s has no Slack channel (set teams.%s.slackChannel); posted to the monitor channel", team, team)
	}
	return rt.monitorChannel, note
}

// links renders the Flink UI and runbook links of an incident.
func (rt *routes) links(n incident.Notification, url string) []incident.Link {
	d := incident.LinkData{
		Deployment: n.Key.Deployment, Namespace: n.Key.Namespace, Team: n.Team, Job: n.Key.Job,
		JobID: n.JobID, Category: n.Key.Category, Route: string(n.Route), URL: url,
	}
	var out []incident.Link
	if u := incident.RenderLink(rt.flinkUI, d); u != "" {
		out = append(out, incident.Link{Text: incident.LinkFlinkUI, URL: u})
	}
	if u := incident.RenderLink(rt.runbook, d); u != "" {
		out = append(out, incident.Link{Text: incident.LinkRunbook, URL: u})
	}
	return out
}
