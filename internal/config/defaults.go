package config

import "time"

// Defaults, all in one place. The README's configuration reference lists
// these values; TestDefaultsDocumented keeps the two in step.
const (
	DefaultScrapeInterval        = 15 * time.Second
	DefaultScrapeTimeout         = 5 * time.Second // or scrapeInterval, if shorter
	DefaultMaxConcurrentRequests = 128
	DefaultDetailInterval        = time.Minute
	DefaultDetailMaxVertices     = 16
	DefaultDetailMaxTaskManagers = 32

	DefaultStartupGrace               = 2 * time.Minute
	DefaultRestartWindow              = 10 * time.Minute
	DefaultRestartThreshold           = 3
	DefaultCheckpointWindowMultiplier = 3.0
	DefaultCheckpointWindowFloor      = time.Minute
	DefaultKafkaLagUnhealthyAfter     = 10 * time.Minute
	DefaultStuckAfter                 = 10 * time.Minute
	DefaultBackpressureAfter          = 10 * time.Minute
	DefaultCheckpointHeadroomRatio    = 0.8
	DefaultCheckpointHeadroomCount    = 3

	DefaultKafkaRequestTimeout   = 10 * time.Second
	DefaultKafkaEvaluationWindow = 10 * time.Minute
	DefaultKafkaTimeLag          = "auto"
	DefaultAWSRoleSessionName    = "flinkslo"

	DefaultGroupWindow    = 5 * time.Minute
	DefaultRepeatInterval = 4 * time.Hour
	DefaultResolveAfter   = 5 * time.Minute
	DefaultQueueSize      = 1000
	DefaultSlackAPIURL    = "https://slack.com/api/"
	DefaultPagerDutyURL   = "https://events.pagerduty.com/v2/enqueue"
	DefaultPageSeverity   = "critical"

	DefaultAlertmanagerTimeout         = 10 * time.Second
	DefaultAlertmanagerRefreshInterval = time.Minute

	DefaultEscalationCount  = 5
	DefaultEscalationWindow = 30 * time.Minute
	DefaultUnknownRoute     = "page"

	DefaultRESTURLTemplate   = "http://{name}-rest.{namespace}.svc:8081"
	DefaultTeamKey           = "flinkslo.io/team"
	DefaultSlackChannelKey   = "flinkslo.io/slack-channel"
	DefaultRESTURLKey        = "flinkslo.io/rest-url"
	DefaultConsumerGroupsKey = "flinkslo.io/consumer-groups"
	DefaultLeaseName         = "flinkslo"
	DefaultLeaseDuration     = 15 * time.Second
	DefaultRenewDeadline     = 10 * time.Second
	DefaultRetryPeriod       = 2 * time.Second

	DefaultDatadogAddress   = "127.0.0.1:8125"
	DefaultDatadogNamespace = "flinkslo"

	DefaultOTLPProtocol     = "http"
	DefaultOTLPCompression  = "gzip"
	DefaultOTLPInterval     = time.Minute
	DefaultOTLPTimeout      = 10 * time.Second
	DefaultOTLPMaxBatchSize = 10000
)

func setDur(d *Duration, v time.Duration) {
	if *d == 0 {
		*d = Duration(v)
	}
}

func setStr(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

func setBool(b **bool, v bool) {
	if *b == nil {
		*b = &v
	}
}

// applyDefaults fills every unset field that has a default.
func applyDefaults(c *Config) {
	setDur(&c.ScrapeInterval, DefaultScrapeInterval)
	// As Prometheus does: a timeout the user did not set never exceeds
	// the interval they did.
	setDur(&c.ScrapeTimeout, min(DefaultScrapeTimeout, c.ScrapeInterval.D()))
	if c.MaxConcurrentRequests == 0 {
		c.MaxConcurrentRequests = DefaultMaxConcurrentRequests
	}
	if c.DetailInterval == nil {
		d := Duration(DefaultDetailInterval)
		c.DetailInterval = &d
	}
	if c.DetailMaxVertices == 0 {
		c.DetailMaxVertices = DefaultDetailMaxVertices
	}
	if c.DetailMaxTaskManagers == 0 {
		c.DetailMaxTaskManagers = DefaultDetailMaxTaskManagers
	}

	h := &c.Health
	setDur(&h.StartupGrace, DefaultStartupGrace)
	setDur(&h.RestartWindow, DefaultRestartWindow)
	if h.RestartThreshold == 0 {
		h.RestartThreshold = DefaultRestartThreshold
	}
	if h.CheckpointWindowMultiplier == 0 {
		h.CheckpointWindowMultiplier = DefaultCheckpointWindowMultiplier
	}
	setDur(&h.CheckpointWindowFloor, DefaultCheckpointWindowFloor)
	setDur(&h.KafkaLagUnhealthyAfter, DefaultKafkaLagUnhealthyAfter)
	setDur(&h.StuckAfter, DefaultStuckAfter)
	setDur(&h.BackpressureAfter, DefaultBackpressureAfter)
	if h.CheckpointHeadroomRatio == 0 {
		h.CheckpointHeadroomRatio = DefaultCheckpointHeadroomRatio
	}
	if h.CheckpointHeadroomCheckpoints == 0 {
		h.CheckpointHeadroomCheckpoints = DefaultCheckpointHeadroomCount
	}

	k := &c.Kafka
	setDur(&k.PollInterval, c.ScrapeInterval.D())
	setDur(&k.RequestTimeout, DefaultKafkaRequestTimeout)
	setDur(&k.EvaluationWindow, DefaultKafkaEvaluationWindow)
	setStr(&k.TimeLag, DefaultKafkaTimeLag)
	sasls := []*SASL{k.SASL}
	for _, cl := range k.Clusters {
		sasls = append(sasls, cl.SASL)
	}
	for _, s := range sasls {
		if s != nil && s.AWS != nil {
			setStr(&s.AWS.RoleSessionName, DefaultAWSRoleSessionName)
		}
	}

	a := &c.Alerting
	setDur(&a.GroupWindow, DefaultGroupWindow)
	setDur(&a.RepeatInterval, DefaultRepeatInterval)
	setDur(&a.ResolveAfter, DefaultResolveAfter)
	if a.QueueSize == 0 {
		a.QueueSize = DefaultQueueSize
	}
	setStr(&a.Slack.APIURL, DefaultSlackAPIURL)
	setStr(&a.PagerDuty.EventsURL, DefaultPagerDutyURL)
	setDur(&a.Alertmanager.Timeout, DefaultAlertmanagerTimeout)
	setDur(&a.Alertmanager.RefreshInterval, DefaultAlertmanagerRefreshInterval)
	for _, r := range []*Route{&a.Page, &a.Monitor, &a.Notify} {
		if r.PagerDuty != nil {
			setStr(&r.PagerDuty.Severity, DefaultPageSeverity)
		}
	}

	cl := &c.Classify
	if cl.Escalation.Count == 0 {
		cl.Escalation.Count = DefaultEscalationCount
	}
	setDur(&cl.Escalation.Window, DefaultEscalationWindow)
	setStr(&cl.UnknownRoute, DefaultUnknownRoute)

	if kc := c.Kubernetes; kc != nil {
		setStr(&kc.RESTURLTemplate, DefaultRESTURLTemplate)
		setStr(&kc.TeamKey, DefaultTeamKey)
		setStr(&kc.SlackChannelKey, DefaultSlackChannelKey)
		setStr(&kc.RESTURLKey, DefaultRESTURLKey)
		setStr(&kc.ConsumerGroupsKey, DefaultConsumerGroupsKey)
		setBool(&kc.PodSignals, true)
		le := &kc.LeaderElection
		setStr(&le.LeaseName, DefaultLeaseName)
		setDur(&le.LeaseDuration, DefaultLeaseDuration)
		setDur(&le.RenewDeadline, DefaultRenewDeadline)
		setDur(&le.RetryPeriod, DefaultRetryPeriod)
	}

	if d := c.Datadog; d != nil {
		setStr(&d.Address, DefaultDatadogAddress)
		setStr(&d.Namespace, DefaultDatadogNamespace)
		// Each series is sent once per cycle: aggregating in the client
		// saves no packets and costs memory on large fleets.
		setBool(&d.Aggregation, false)
		setBool(&d.Events, true)
	}

	if o := c.OTLP; o != nil {
		setStr(&o.Protocol, DefaultOTLPProtocol)
		setStr(&o.Compression, DefaultOTLPCompression)
		setDur(&o.Interval, DefaultOTLPInterval)
		setDur(&o.Timeout, DefaultOTLPTimeout)
		if o.MaxBatchSize == 0 {
			o.MaxBatchSize = DefaultOTLPMaxBatchSize
		}
	}
}
