package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Warning is something a valid configuration does that its author most
// likely did not mean, or cannot know works until it runs.
type Warning struct {
	Line int    // 0 when the key is not in the file
	Path string // e.g. targets[1].url
	Msg  string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", w.Line, w.Path, w.Msg)
	}
	return fmt.Sprintf("%s: %s", w.Path, w.Msg)
}

func (c *Config) warn(out []Warning, path, format string, args ...any) []Warning {
	return append(out, Warning{Line: c.lines.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Warnings lists what the file itself makes suspicious: two targets on one
// JobManager, a team whose notifications have no channel of their own, a
// route that asks for Datadog events without a datadog section.
func (c *Config) Warnings() []Warning {
	var out []Warning
	seen := map[string]int{}
	for i, t := range c.Targets {
		p := "targets[" + strconv.Itoa(i) + "]"
		key := jobManagerKey(t.URL)
		if j, dup := seen[key]; dup && key != "" {
			out = c.warn(out, p+".url", "same JobManager as targets[%d] (line %d): its jobs are scraped and reported twice, once per target",
				j, c.lines.line("targets["+strconv.Itoa(j)+"].url"))
		} else if key != "" {
			seen[key] = i
		}
		if t.Team != "" && t.SlackChannel == "" && c.Teams[t.Team].SlackChannel == "" && c.Alerting.Notify.Slack != nil && c.Alerting.Notify.Slack.Channel == "" {
			out = c.warn(out, p+".team", "team %q has no teams.%s.slackChannel: its notifications go to the monitor channel", t.Team, t.Team)
		}
	}
	for _, r := range c.Alerting.routes() {
		if r.route.Datadog && c.Datadog == nil {
			out = c.warn(out, "alerting."+r.name+".datadog", "no datadog section: no Datadog event is sent")
		}
	}
	return c.alertmanagerWarnings(out)
}

// jobManagerKey identifies the JobManager a URL reaches: scheme and host
// compare without case, and a trailing slash changes nothing.
func jobManagerKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.Path, "/")
}
