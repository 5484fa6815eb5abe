// Package config loads flinkslo's YAML configuration: strictly decoded (an
// unknown key is an error naming it and its line), defaulted in one place
// (defaults.go) and validated section by section, with every validation error
// pointing at the line of the offending key.
package config

// Config is the whole configuration file. Sections that are absent keep their
// zero value after Load, apart from the defaults applied by applyDefaults.
type Config struct {
	// ScrapeInterval is how often every target is scraped in the background.
	ScrapeInterval Duration `yaml:"scrapeInterval"`
	// ScrapeTimeout bounds a single HTTP request to a JobManager.
	ScrapeTimeout Duration `yaml:"scrapeTimeout"`
	// MaxConcurrentRequests bounds the requests in flight across all targets.
	MaxConcurrentRequests int `yaml:"maxConcurrentRequests"`
	// StateFile, when set, persists counter baselines so that `_total`
	// series survive an exporter restart without double counting.
	StateFile string `yaml:"stateFile"`
	// DetailInterval is how often each target's running jobs are read in
	// detail (vertices, watermarks, backpressure, TaskManager memory),
	// staggered over the targets; 0s turns the detail reads off. Nil until
	// the defaults are applied.
	DetailInterval *Duration `yaml:"detailInterval"`
	// DetailMaxVertices bounds the vertices of one job read per detail
	// read (subtask metrics, and sink watermarks).
	DetailMaxVertices int `yaml:"detailMaxVertices"`
	// PerTaskManagerMetrics adds to each detail read of a JobManager a
	// read of each of its TaskManagers' heap and GC time (one request per
	// TaskManager), exported per TaskManager; off, the aggregated request
	// alone gives the worst TaskManager's.
	PerTaskManagerMetrics bool `yaml:"perTaskManagerMetrics"`
	// DetailMaxTaskManagers bounds the TaskManagers of one JobManager read
	// one by one per detail read (perTaskManagerMetrics), in id order.
	DetailMaxTaskManagers int `yaml:"detailMaxTaskManagers"`

	// HTTP holds the client settings every target inherits.
	HTTP HTTPClient `yaml:"http"`
	// Health tunes the signal definitions.
	Health Health `yaml:"health"`

	Targets    []Target        `yaml:"targets"`
	Kafka      Kafka           `yaml:"kafka"`
	Teams      map[string]Team `yaml:"teams"`
	Alerting   Alerting        `yaml:"alerting"`
	Classify   Classify        `yaml:"classify"`
	Kubernetes *Kubernetes     `yaml:"kubernetes"`
	Datadog    *Datadog        `yaml:"datadog"`
	OTLP       *OTLP           `yaml:"otlp"`

	// lines is where each key of the file is, for Runnable's and the
	// warnings' messages; empty for a Config not parsed from a file.
	lines lineIndex
}

// Target is one statically configured Flink deployment (one JobManager REST
// endpoint).
type Target struct {
	// Name becomes the `deployment` label.
	Name string `yaml:"name"`
	// Namespace becomes the `namespace` label; optional.
	Namespace string `yaml:"namespace"`
	// URL is the JobManager REST endpoint; it may carry a path prefix.
	URL string `yaml:"url"`
	// Team owns the deployment and becomes the `team` label.
	Team string `yaml:"team"`
	// SlackChannel overrides the team's channel for this deployment.
	SlackChannel string `yaml:"slackChannel"`
	// Suspended marks a deployment that is not expected to run: its jobs
	// never count against health.
	Suspended bool `yaml:"suspended"`
	// CheckpointWindow overrides the derived checkpoint-progress window.
	CheckpointWindow Duration `yaml:"checkpointWindow"`
	// StuckAfter overrides health.stuckAfter for this deployment; 0s turns
	// the no_progress check off (sources that are idle by design).
	StuckAfter *Duration `yaml:"stuckAfter"`
	// WatermarkLagUnhealthyAfter overrides the health section's for this
	// deployment: set it to opt one event-time job in, 0s to opt one out.
	WatermarkLagUnhealthyAfter *Duration `yaml:"watermarkLagUnhealthyAfter"`
	// HTTP overrides the global client settings for this target.
	HTTP *HTTPClient `yaml:"http"`
	// Kafka names the consumer groups of the deployment's jobs.
	Kafka TargetKafka `yaml:"kafka"`
}

// TargetKafka ties a deployment to the consumer groups its jobs commit to.
type TargetKafka struct {
	// Cluster names an entry of kafka.clusters; empty means the default cluster.
	Cluster        string   `yaml:"cluster"`
	ConsumerGroups []string `yaml:"consumerGroups"`
}

// HTTPClient configures how flinkslo talks to a JobManager.
type HTTPClient struct {
	TLS         *TLS        `yaml:"tls"`
	BasicAuth   *BasicAuth  `yaml:"basicAuth"`
	BearerToken *SecretFrom `yaml:"bearerToken"`
	// Headers are added to every request, e.g. for an ingress that routes on them.
	Headers map[string]string `yaml:"headers"`
}

// TLS configures a client TLS connection. The files are read again when
// they change (prometheus/common/config), so rotated certificates apply.
type TLS struct {
	CAFile             string `yaml:"caFile"`
	CertFile           string `yaml:"certFile"`
	KeyFile            string `yaml:"keyFile"`
	ServerName         string `yaml:"serverName"`
	InsecureSkipVerify bool   `yaml:"insecureSkipVerify"`
}

// BasicAuth is HTTP basic authentication; the password comes from env or file.
type BasicAuth struct {
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"passwordEnv"`
	PasswordFile string `yaml:"passwordFile"`
}

// SecretFrom names where a secret is read from: an environment variable or a
// file. The secret itself never appears in the configuration.
type SecretFrom struct {
	Env  string `yaml:"env"`
	File string `yaml:"file"`
}

// Health tunes how signals are computed from what the collectors see.
type Health struct {
	// StartupGrace is how long a freshly (re)started job may have tasks that
	// are not yet running before it counts as unhealthy.
	StartupGrace Duration `yaml:"startupGrace"`
	// RestartWindow and RestartThreshold: a job with RestartThreshold or more
	// restarts within RestartWindow is unhealthy.
	RestartWindow    Duration `yaml:"restartWindow"`
	RestartThreshold int      `yaml:"restartThreshold"`
	// CheckpointWindow, when set, replaces the derived window for every job.
	CheckpointWindow Duration `yaml:"checkpointWindow"`
	// CheckpointWindowMultiplier times the job's checkpoint interval (or its
	// last checkpoint duration, whichever is longer) gives the window.
	CheckpointWindowMultiplier float64 `yaml:"checkpointWindowMultiplier"`
	// CheckpointWindowFloor is the smallest derived window.
	CheckpointWindowFloor Duration `yaml:"checkpointWindowFloor"`
	// KafkaLagUnhealthyAfter: a job whose consumer group has been lagging or
	// stalled for this long is unhealthy.
	KafkaLagUnhealthyAfter Duration `yaml:"kafkaLagUnhealthyAfter"`
	// StuckAfter: a job RUNNING past the start-up grace whose sources have
	// read nothing for this long while its input has data is unhealthy
	// (no_progress).
	StuckAfter Duration `yaml:"stuckAfter"`
	// WatermarkLagUnhealthyAfter: a job whose watermark trails the wall
	// clock by more than this is unhealthy (watermark_lagging); 0 (the
	// default) leaves it off, since not every job uses event time.
	WatermarkLagUnhealthyAfter Duration `yaml:"watermarkLagUnhealthyAfter"`
	// BackpressureAfter: a job back-pressured this long is unhealthy
	// (backpressured).
	BackpressureAfter Duration `yaml:"backpressureAfter"`
	// CheckpointHeadroomRatio and CheckpointHeadroomCheckpoints: a job
	// whose last CheckpointHeadroomCheckpoints completed checkpoints each
	// took more than CheckpointHeadroomRatio of the checkpoint timeout is
	// unhealthy (checkpoint_timeout_headroom).
	CheckpointHeadroomRatio       float64 `yaml:"checkpointHeadroomRatio"`
	CheckpointHeadroomCheckpoints int     `yaml:"checkpointHeadroomCheckpoints"`
}

// Kafka configures consumer-lag collection. Brokers/TLS/SASL at the top level
// describe the default cluster; Clusters adds named ones.
type Kafka struct {
	Brokers  []string       `yaml:"brokers"`
	TLS      *TLS           `yaml:"tls"`
	SASL     *SASL          `yaml:"sasl"`
	Clusters []KafkaCluster `yaml:"clusters"`
	// Groups selects additional groups over all groups, for platform views.
	Groups GroupFilter `yaml:"groups"`
	// PollInterval defaults to scrapeInterval.
	PollInterval Duration `yaml:"pollInterval"`
	// RequestTimeout bounds one admin request.
	RequestTimeout Duration `yaml:"requestTimeout"`
	// PerPartitionMetrics exports per-partition lag series (high cardinality).
	PerPartitionMetrics bool `yaml:"perPartitionMetrics"`
	// EvaluationWindow is the sliding window of the group status evaluation.
	EvaluationWindow Duration `yaml:"evaluationWindow"`
	// TimeLag selects how lag in seconds is estimated: "auto" (the offset
	// to time table, reading the record at the committed offset when the
	// table cannot place it closely), "interpolate" (the table only) or
	// "record" (the record at every lagging committed offset).
	TimeLag string `yaml:"timeLag"`
}

// KafkaCluster is one named Kafka cluster.
type KafkaCluster struct {
	Name    string   `yaml:"name"`
	Brokers []string `yaml:"brokers"`
	TLS     *TLS     `yaml:"tls"`
	SASL    *SASL    `yaml:"sasl"`
}

// SASL configures Kafka authentication.
type SASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM.
	Mechanism    string `yaml:"mechanism"`
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"passwordEnv"`
	PasswordFile string `yaml:"passwordFile"`
	// AWS_MSK_IAM: static credentials from the environment variables these
	// name (the others default to the standard AWS ones). Without any of
	// them, credentials come from the AWS SDK's default chain.
	AccessKeyEnv    string `yaml:"accessKeyEnv"`
	SecretKeyEnv    string `yaml:"secretKeyEnv"`
	SessionTokenEnv string `yaml:"sessionTokenEnv"`
	// AWS tunes where AWS_MSK_IAM credentials come from.
	AWS *AWSAuth `yaml:"aws"`
}

// AWSAuth tunes the AWS SDK's credential chain for AWS_MSK_IAM.
type AWSAuth struct {
	// Region of STS; default from the chain (AWS_REGION, the profile), then
	// the region in the brokers' host names.
	Region string `yaml:"region"`
	// Profile of the shared config files to read.
	Profile string `yaml:"profile"`
	// RoleARN is a role to assume with the chain's credentials.
	RoleARN string `yaml:"roleARN"`
	// RoleSessionName names the STS sessions (roleARN, and web identity
	// when AWS_ROLE_SESSION_NAME is unset); CloudTrail shows it.
	RoleSessionName string `yaml:"roleSessionName"`
}

// StaticAWSKeys reports whether AWS_MSK_IAM uses the static keys of the
// configured environment variables rather than the SDK's chain.
func (s *SASL) StaticAWSKeys() bool {
	return s.AccessKeyEnv != "" || s.SecretKeyEnv != "" || s.SessionTokenEnv != ""
}

// GroupFilter selects consumer groups by RE2 regular expressions.
type GroupFilter struct {
	Allow []string `yaml:"allow"`
	Deny  []string `yaml:"deny"`
}

// Team is an owning team.
type Team struct {
	SlackChannel string `yaml:"slackChannel"`
}

// Alerting configures where each route sends and how.
type Alerting struct {
	Page    Route `yaml:"page"`
	Monitor Route `yaml:"monitor"`
	Notify  Route `yaml:"notify"`

	// Connection settings shared by every route.
	Slack        SlackConnection        `yaml:"slack"`
	PagerDuty    PagerDutyConnection    `yaml:"pagerduty"`
	Alertmanager AlertmanagerConnection `yaml:"alertmanager"`
	// ExternalURL is where people reach flinkslo's status page: an alert
	// posted to Alertmanager or a webhook links to its job's page there.
	ExternalURL string `yaml:"externalURL"`

	// GroupWindow: one notification per deployment+category per window.
	GroupWindow Duration `yaml:"groupWindow"`
	// RepeatInterval re-sends a still-open incident.
	RepeatInterval Duration `yaml:"repeatInterval"`
	// ResolveAfter: a job healthy this long resolves its open incidents.
	ResolveAfter Duration `yaml:"resolveAfter"`
	// Lookback: failures older than start-up minus Lookback are not sent.
	Lookback Duration `yaml:"lookback"`
	// QueueSize bounds each sink's queue.
	QueueSize int `yaml:"queueSize"`
	// RunbookURLTemplate and FlinkUIURLTemplate render links; placeholders
	// {deployment} {namespace} {team} {job} {job_id} {category} {route} {url}.
	RunbookURLTemplate string `yaml:"runbookURLTemplate"`
	FlinkUIURLTemplate string `yaml:"flinkUIURLTemplate"`
}

// Route says where one route (page, monitor, notify) sends.
type Route struct {
	PagerDuty *PagerDutyRoute `yaml:"pagerduty"`
	Slack     *SlackRoute     `yaml:"slack"`
	// Datadog sends a DogStatsD event (needs the datadog section).
	Datadog bool `yaml:"datadog"`
	// Alertmanager posts the route's incidents to alerting.alertmanager.
	Alertmanager *AlertmanagerRoute `yaml:"alertmanager"`
	// Webhook posts them in Alertmanager's webhook format.
	Webhook *WebhookRoute `yaml:"webhook"`
}

// PagerDutyRoute is a PagerDuty Events v2 service.
type PagerDutyRoute struct {
	RoutingKeyEnv  string `yaml:"routingKeyEnv"`
	RoutingKeyFile string `yaml:"routingKeyFile"`
	// Severity is critical, error, warning or info.
	Severity string `yaml:"severity"`
}

// SlackRoute names a channel; empty means the owning team's channel.
type SlackRoute struct {
	Channel string `yaml:"channel"`
}

// SlackConnection is how flinkslo reaches Slack: a bot token (Web API) or an
// incoming webhook.
type SlackConnection struct {
	TokenEnv       string `yaml:"tokenEnv"`
	TokenFile      string `yaml:"tokenFile"`
	APIURL         string `yaml:"apiURL"`
	WebhookURLEnv  string `yaml:"webhookURLEnv"`
	WebhookURLFile string `yaml:"webhookURLFile"`
}

// PagerDutyConnection overrides the Events API v2 endpoint.
type PagerDutyConnection struct {
	EventsURL string `yaml:"eventsURL"`
}

// Classify configures failure ownership and the classifier's rules.
type Classify struct {
	PlatformStorage         []string   `yaml:"platformStorage"`
	PlatformImageRegistries []string   `yaml:"platformImageRegistries"`
	PlatformConnectors      []string   `yaml:"platformConnectors"`
	PlatformPackages        []string   `yaml:"platformPackages"`
	TenantPackages          []string   `yaml:"tenantPackages"`
	Escalation              Escalation `yaml:"escalation"`
	// UnknownRoute is where an unrecognised failure goes (default page).
	UnknownRoute string   `yaml:"unknownRoute"`
	RulesFiles   []string `yaml:"rulesFiles"`
}

// Escalation turns a recurring monitor-route cause into a page.
type Escalation struct {
	Count  int      `yaml:"count"`
	Window Duration `yaml:"window"`
}

// Kubernetes turns on discovery of FlinkDeployment and FlinkSessionJob
// resources. Its presence in the file is what enables discovery.
type Kubernetes struct {
	// Namespaces to watch; empty means all.
	Namespaces []string `yaml:"namespaces"`
	// LabelSelector filters the Flink resources.
	LabelSelector string `yaml:"labelSelector"`
	// RESTURLTemplate builds the JobManager URL; {name} and {namespace}.
	RESTURLTemplate string `yaml:"restURLTemplate"`
	// Keys read from the resource's labels, then annotations.
	TeamKey           string `yaml:"teamKey"`
	SlackChannelKey   string `yaml:"slackChannelKey"`
	RESTURLKey        string `yaml:"restURLKey"`
	ConsumerGroupsKey string `yaml:"consumerGroupsKey"`
	// PodSignals watches JobManager/TaskManager pods and events.
	PodSignals *bool `yaml:"podSignals"`
	// LeaderElection configures the Lease used when two replicas run per shard.
	LeaderElection LeaderElection `yaml:"leaderElection"`
}

// LeaderElection configures client-go leader election on a Lease.
type LeaderElection struct {
	Enabled       bool     `yaml:"enabled"`
	LeaseName     string   `yaml:"leaseName"`
	Namespace     string   `yaml:"namespace"`
	LeaseDuration Duration `yaml:"leaseDuration"`
	RenewDeadline Duration `yaml:"renewDeadline"`
	RetryPeriod   Duration `yaml:"retryPeriod"`
}

// Datadog configures the DogStatsD emitter.
type Datadog struct {
	// Address is host:port (UDP) or unix:///path, unixgram://, unixstream://.
	Address string `yaml:"address"`
	// Namespace prefixes every metric (default "flinkslo").
	Namespace string   `yaml:"namespace"`
	Tags      []string `yaml:"tags"`
	// Aggregation turns on client-side aggregation (default false).
	Aggregation *bool `yaml:"aggregation"`
	// Events sends classified failures as Datadog events (default true).
	Events *bool `yaml:"events"`
}
