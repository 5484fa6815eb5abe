package alerting

import "github.com/flinkslo/flinkslo/internal/config"

// Config is the part of flinkslo's configuration the router and its sinks
// read. The wiring builds it (ConfigFrom), so alerting depends on its own
// section and on the few facts it needs from others, not on the whole
// file: scrape, Kafka and Kubernetes settings never reach it.
type Config struct {
	// Alerting is the alerting section: routes, receivers and timings.
	Alerting config.Alerting
	// Teams resolves a deployment's team to its Slack channel.
	Teams map[string]config.Team
	// Datadog: a datadog section is configured, so Datadog events can be
	// sent (BuildSinks). DatadogEventsAll: datadog.events is on, and every
	// route sends them, not only those with datadog: true.
	Datadog          bool
	DatadogEventsAll bool
}

// ConfigFrom takes the router's settings from a loaded config.
func ConfigFrom(c *config.Config) *Config {
	dd := c.Datadog
	return &Config{
		Alerting: c.Alerting, Teams: c.Teams,
		Datadog:          dd != nil,
		DatadogEventsAll: dd != nil && dd.Events != nil && *dd.Events,
	}
}
