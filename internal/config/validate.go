package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// FieldError is a validation error tied to a key of the file.
type FieldError struct {
	Line int    // 0 when the key is not in the file (a defaulted value)
	Path string // e.g. targets[0].url
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

type checker struct {
	lines lineIndex
	errs  []error
}

// written reports whether the file sets path itself, rather than leaving
// it to a default derived from another key.
func (c *checker) written(path string) bool {
	_, ok := c.lines[path]
	return ok
}

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, &FieldError{Line: c.lines.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *Config) validate(lines lineIndex) error {
	ck := &checker{lines: lines}
	c.validateScrape(ck)
	c.validateTargets(ck)
	c.validateTeamRefs(ck)
	c.Kafka.validate(ck, "kafka")
	for name, t := range c.Teams {
		p := "teams." + name
		if name == "" {
			ck.fail(p, "team name is empty")
		}
		if t.SlackChannel != "" {
			validateChannel(ck, p+".slackChannel", t.SlackChannel)
		}
	}
	c.Alerting.validate(ck)
	c.Classify.validate(ck)
	if c.Kubernetes != nil {
		c.Kubernetes.validate(ck)
	}
	if c.Datadog != nil {
		c.Datadog.validate(ck)
	}
	if c.OTLP != nil {
		c.OTLP.validate(ck)
	}
	return errors.Join(ck.errs...)
}

// RequireTargets reports an error when the configuration gives flinkslo
// nothing to watch: no static targets and no Kubernetes discovery.
func (c *Config) RequireTargets() error {
	if len(c.Targets) == 0 && c.Kubernetes == nil {
		return errors.New("targets: no targets and no kubernetes section: nothing to watch")
	}
	return nil
}

func (c *Config) validateScrape(ck *checker) {
	if c.ScrapeInterval <= 0 {
		ck.fail("scrapeInterval", "must be positive")
	}
	// An unset timeout is derived from the interval: only what the user
	// wrote is theirs to fix.
	switch {
	case !ck.written("scrapeTimeout"):
	case c.ScrapeTimeout <= 0:
		ck.fail("scrapeTimeout", "must be positive")
	case c.ScrapeTimeout > c.ScrapeInterval && c.ScrapeInterval > 0:
		ck.fail("scrapeTimeout", "%s is longer than scrapeInterval %s", c.ScrapeTimeout, c.ScrapeInterval)
	}
	if c.MaxConcurrentRequests < 1 {
		ck.fail("maxConcurrentRequests", "must be at least 1, got %d", c.MaxConcurrentRequests)
	}
	c.validateDetails(ck)
	validateHTTP(ck, "http", &c.HTTP)
	h := c.Health
	if h.RestartThreshold < 1 {
		ck.fail("health.restartThreshold", "must be at least 1, got %d", h.RestartThreshold)
	}
	if h.CheckpointHeadroomRatio <= 0 || h.CheckpointHeadroomRatio > 1 {
		ck.fail("health.checkpointHeadroomRatio", "want a share of the checkpoint timeout in (0, 1], got %g", h.CheckpointHeadroomRatio)
	}
	if h.CheckpointHeadroomCheckpoints < 1 {
		ck.fail("health.checkpointHeadroomCheckpoints", "must be at least 1, got %d", h.CheckpointHeadroomCheckpoints)
	}
	if h.CheckpointWindowMultiplier < 1 {
		ck.fail("health.checkpointWindowMultiplier", "must be at least 1, got %g", h.CheckpointWindowMultiplier)
	}
	for path, d := range map[string]Duration{
		"health.startupGrace": h.StartupGrace, "health.restartWindow": h.RestartWindow,
		"health.checkpointWindowFloor": h.CheckpointWindowFloor, "health.checkpointWindow": h.CheckpointWindow,
		"health.kafkaLagUnhealthyAfter": h.KafkaLagUnhealthyAfter, "health.stuckAfter": h.StuckAfter,
		"health.watermarkLagUnhealthyAfter": h.WatermarkLagUnhealthyAfter, "health.backpressureAfter": h.BackpressureAfter,
	} {
		if d < 0 {
			ck.fail(path, "must not be negative")
		}
	}
}

// validateDetails: the detail reads happen within scrape cycles, so they
// cannot come more often than the cycles do.
func (c *Config) validateDetails(ck *checker) {
	if d := c.DetailInterval; d != nil {
		switch {
		case *d < 0:
			ck.fail("detailInterval", "must not be negative (0s turns the detail reads off)")
		case *d > 0 && *d < c.ScrapeInterval:
			ck.fail("detailInterval", "%s is shorter than scrapeInterval %s: details are read within scrape cycles", *d, c.ScrapeInterval)
		}
	}
	if c.DetailMaxVertices < 1 {
		ck.fail("detailMaxVertices", "must be at least 1, got %d", c.DetailMaxVertices)
	}
	if c.DetailMaxTaskManagers < 1 {
		ck.fail("detailMaxTaskManagers", "must be at least 1, got %d", c.DetailMaxTaskManagers)
	}
	// The TaskManagers are read one by one within the detail reads: with
	// those off, the key would silently do nothing.
	if c.PerTaskManagerMetrics && c.DetailInterval != nil && *c.DetailInterval == 0 {
		ck.fail("perTaskManagerMetrics", "needs the detail reads, which detailInterval 0s turns off")
	}
}

// labelValueRE bounds names that become label values to something sane.
var labelValueRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,252}$`)

func (c *Config) validateTargets(ck *checker) {
	seen := map[string]int{}
	for i, t := range c.Targets {
		p := "targets[" + strconv.Itoa(i) + "]"
		switch {
		case t.Name == "":
			ck.fail(p+".name", "required")
		case !labelValueRE.MatchString(t.Name):
			ck.fail(p+".name", "%q: use letters, digits and . _ : / - (at most 253)", t.Name)
		}
		if t.Namespace != "" && !labelValueRE.MatchString(t.Namespace) {
			ck.fail(p+".namespace", "%q: use letters, digits and . _ : / -", t.Namespace)
		}
		key := t.Namespace + "/" + t.Name
		if j, dup := seen[key]; dup && t.Name != "" {
			ck.fail(p+".name", "deployment %q in namespace %q already defined by targets[%d]", t.Name, t.Namespace, j)
		}
		seen[key] = i
		validateURL(ck, p+".url", t.URL, true)
		if t.Team != "" && !labelValueRE.MatchString(t.Team) {
			ck.fail(p+".team", "%q: use letters, digits and . _ : / -", t.Team)
		}
		if t.SlackChannel != "" {
			validateChannel(ck, p+".slackChannel", t.SlackChannel)
		}
		if t.CheckpointWindow < 0 {
			ck.fail(p+".checkpointWindow", "must not be negative")
		}
		for key, d := range map[string]*Duration{"stuckAfter": t.StuckAfter, "watermarkLagUnhealthyAfter": t.WatermarkLagUnhealthyAfter} {
			if d != nil && *d < 0 {
				ck.fail(p+"."+key, "must not be negative (0s turns the check off for this deployment)")
			}
		}
		if t.HTTP != nil {
			validateHTTP(ck, p+".http", t.HTTP)
		}
		for j, g := range t.Kafka.ConsumerGroups {
			if strings.TrimSpace(g) == "" {
				ck.fail(fmt.Sprintf("%s.kafka.consumerGroups[%d]", p, j), "empty group name")
			}
		}
		if len(t.Kafka.ConsumerGroups) > 0 && !c.Kafka.hasCluster(t.Kafka.Cluster) {
			if t.Kafka.Cluster == "" {
				ck.fail(p+".kafka", "consumer groups given but kafka.brokers is not set")
			} else {
				ck.fail(p+".kafka.cluster", "no kafka.clusters entry named %q", t.Kafka.Cluster)
			}
		}
	}
}

func validateURL(ck *checker, path, raw string, required bool) {
	if raw == "" {
		if required {
			ck.fail(path, "required")
		}
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		ck.fail(path, "%v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		ck.fail(path, "%q: scheme must be http or https", raw)
	case u.Host == "":
		ck.fail(path, "%q: no host", raw)
	case u.User != nil:
		ck.fail(path, "credentials in the URL would leak into logs: use basicAuth with passwordEnv or passwordFile")
	}
}

func validateHTTP(ck *checker, path string, h *HTTPClient) {
	if b := h.BasicAuth; b != nil {
		if b.Username == "" {
			ck.fail(path+".basicAuth.username", "required")
		}
		validateSecretRef(ck, path+".basicAuth", "passwordEnv", "passwordFile", b.PasswordEnv, b.PasswordFile, true)
	}
	if t := h.BearerToken; t != nil {
		validateSecretRef(ck, path+".bearerToken", "env", "file", t.Env, t.File, true)
	}
	if h.BasicAuth != nil && h.BearerToken != nil {
		ck.fail(path, "basicAuth and bearerToken are exclusive")
	}
	validateTLS(ck, path+".tls", h.TLS)
}

func validateTLS(ck *checker, path string, t *TLS) {
	if t == nil {
		return
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		ck.fail(path, "certFile and keyFile go together")
	}
}

func validateSecretRef(ck *checker, path, envKey, fileKey, env, file string, required bool) {
	switch {
	case env != "" && file != "":
		ck.fail(path, "%s and %s are exclusive", envKey, fileKey)
	case env == "" && file == "" && required:
		ck.fail(path, "one of %s or %s is required", envKey, fileKey)
	}
}

var channelRE = regexp.MustCompile(`^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$`)

func validateChannel(ck *checker, path, ch string) {
	if !channelRE.MatchString(ch) {
		ck.fail(path, "%q: want #channel-name (lower case) or a channel ID such as C0123456", ch)
	}
}

// DefaultCluster is the name of the cluster described by kafka.brokers.
const DefaultCluster = "default"

func (k *Kafka) hasCluster(name string) bool {
	if name == "" || name == DefaultCluster {
		return len(k.Brokers) > 0
	}
	for _, c := range k.Clusters {
		if c.Name == name {
			return true
		}
	}
	return false
}

func (k *Kafka) validate(ck *checker, p string) {
	if len(k.Brokers) > 0 {
		validateBrokers(ck, p+".brokers", k.Brokers)
		validateSASL(ck, p+".sasl", k.SASL)
		validateTLS(ck, p+".tls", k.TLS)
	} else if k.SASL != nil || k.TLS != nil {
		ck.fail(p+".brokers", "tls/sasl given but no brokers")
	}
	names := map[string]bool{DefaultCluster: len(k.Brokers) > 0}
	for i, c := range k.Clusters {
		cp := fmt.Sprintf("%s.clusters[%d]", p, i)
		switch {
		case c.Name == "":
			ck.fail(cp+".name", "required")
		case names[c.Name]:
			ck.fail(cp+".name", "cluster %q defined twice", c.Name)
		case !labelValueRE.MatchString(c.Name):
			ck.fail(cp+".name", "%q: use letters, digits and . _ : / -", c.Name)
		}
		names[c.Name] = true
		if len(c.Brokers) == 0 {
			ck.fail(cp+".brokers", "required")
		}
		validateBrokers(ck, cp+".brokers", c.Brokers)
		validateSASL(ck, cp+".sasl", c.SASL)
		validateTLS(ck, cp+".tls", c.TLS)
	}
	for i, re := range k.Groups.Allow {
		validateRegexp(ck, fmt.Sprintf("%s.groups.allow[%d]", p, i), re)
	}
	for i, re := range k.Groups.Deny {
		validateRegexp(ck, fmt.Sprintf("%s.groups.deny[%d]", p, i), re)
	}
	if k.PollInterval <= 0 && ck.written(p+".pollInterval") { // else scrapeInterval's
		ck.fail(p+".pollInterval", "must be positive")
	}
	if k.RequestTimeout <= 0 {
		ck.fail(p+".requestTimeout", "must be positive")
	}
	if k.EvaluationWindow <= 0 {
		ck.fail(p+".evaluationWindow", "must be positive")
	}
	switch k.TimeLag {
	case "auto", "interpolate", "record":
	default:
		ck.fail(p+".timeLag", "%q: want auto, interpolate or record", k.TimeLag)
	}
}

func validateBrokers(ck *checker, p string, brokers []string) {
	for i, b := range brokers {
		if !hostPort(b) {
			ck.fail(fmt.Sprintf("%s[%d]", p, i), "%q: want host:port, the port a number from 1 to 65535", b)
		}
	}
}

// hostPort reports whether addr is host:port with a numeric port, as the
// Kafka and DogStatsD clients require ("[::1]:9092" for IPv6; an empty
// host is this one).
func hostPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

func validateRegexp(ck *checker, p, re string) {
	if _, err := regexp.Compile(re); err != nil {
		ck.fail(p, "%v", err)
	}
}

func validateSASL(ck *checker, p string, s *SASL) {
	if s == nil {
		return
	}
	switch s.Mechanism {
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		if s.Username == "" {
			ck.fail(p+".username", "required for %s", s.Mechanism)
		}
		validateSecretRef(ck, p, "passwordEnv", "passwordFile", s.PasswordEnv, s.PasswordFile, true)
	case "AWS_MSK_IAM":
		validateAWSAuth(ck, p, s)
	case "":
		ck.fail(p+".mechanism", "required: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM")
	default:
		ck.fail(p+".mechanism", "%q: want PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM", s.Mechanism)
	}
	if s.AWS != nil && s.Mechanism != "AWS_MSK_IAM" {
		ck.fail(p+".aws", "needs mechanism AWS_MSK_IAM, not %q", s.Mechanism)
	}
}

var (
	// awsRegionRE: eu-west-1, us-gov-west-1, cn-north-1, eusc-de-east-1.
	awsRegionRE = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]+$`)
	// iamRoleARNRE: arn:<partition>:iam::<account>:role/<path and name>.
	iamRoleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	// stsSessionNameRE is what STS accepts as RoleSessionName.
	stsSessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

func validateAWSAuth(ck *checker, p string, s *SASL) {
	a := s.AWS
	if a == nil {
		return
	}
	ap := p + ".aws"
	if a.Region != "" && !awsRegionRE.MatchString(a.Region) {
		ck.fail(ap+".region", "%q: want a region such as eu-west-1", a.Region)
	}
	if a.Profile != "" && s.StaticAWSKeys() {
		ck.fail(ap+".profile", "profile and accessKeyEnv/secretKeyEnv/sessionTokenEnv are exclusive")
	}
	if a.RoleARN != "" && !iamRoleARNRE.MatchString(a.RoleARN) {
		ck.fail(ap+".roleARN", "%q: want arn:aws:iam::<account>:role/<name>", a.RoleARN)
	}
	if !stsSessionNameRE.MatchString(a.RoleSessionName) {
		ck.fail(ap+".roleSessionName", "%q: 2 to 64 letters, digits or _+=,.@-", a.RoleSessionName)
	}
}

func (a *Alerting) validate(ck *checker) {
	for name, r := range map[string]*Route{"page": &a.Page, "monitor": &a.Monitor, "notify": &a.Notify} {
		p := "alerting." + name
		if pd := r.PagerDuty; pd != nil {
			validateSecretRef(ck, p+".pagerduty", "routingKeyEnv", "routingKeyFile", pd.RoutingKeyEnv, pd.RoutingKeyFile, true)
			switch pd.Severity {
			case "critical", "error", "warning", "info":
			default:
				ck.fail(p+".pagerduty.severity", "%q: want critical, error, warning or info", pd.Severity)
			}
		}
		if s := r.Slack; s != nil && s.Channel != "" {
			validateChannel(ck, p+".slack.channel", s.Channel)
		}
	}
	s := a.Slack
	validateSecretRef(ck, "alerting.slack", "tokenEnv", "tokenFile", s.TokenEnv, s.TokenFile, false)
	validateSecretRef(ck, "alerting.slack", "webhookURLEnv", "webhookURLFile", s.WebhookURLEnv, s.WebhookURLFile, false)
	validateURL(ck, "alerting.slack.apiURL", s.APIURL, false)
	validateURL(ck, "alerting.pagerduty.eventsURL", a.PagerDuty.EventsURL, false)
	for path, d := range map[string]Duration{
		"alerting.groupWindow": a.GroupWindow, "alerting.repeatInterval": a.RepeatInterval,
		"alerting.resolveAfter": a.ResolveAfter, "alerting.lookback": a.Lookback,
	} {
		if d < 0 {
			ck.fail(path, "must not be negative")
		}
	}
	if a.QueueSize < 1 {
		ck.fail("alerting.queueSize", "must be at least 1, got %d", a.QueueSize)
	}
	a.validateAlertmanager(ck)
}

func (c *Classify) validate(ck *checker) {
	switch c.UnknownRoute {
	case "page", "monitor", "notify":
	default:
		ck.fail("classify.unknownRoute", "%q: want page, monitor or notify", c.UnknownRoute)
	}
	if c.Escalation.Count < 1 {
		ck.fail("classify.escalation.count", "must be at least 1, got %d", c.Escalation.Count)
	}
	if c.Escalation.Window <= 0 {
		ck.fail("classify.escalation.window", "must be positive")
	}
	for i, f := range c.RulesFiles {
		if strings.TrimSpace(f) == "" {
			ck.fail(fmt.Sprintf("classify.rulesFiles[%d]", i), "empty path")
		}
	}
}

func (k *Kubernetes) validate(ck *checker) {
	if _, err := labels.Parse(k.LabelSelector); err != nil {
		ck.fail("kubernetes.labelSelector", "%q: %v", k.LabelSelector, err)
	}
	for i, ns := range k.Namespaces {
		if ns != "" {
			validateDNSLabel(ck, fmt.Sprintf("kubernetes.namespaces[%d]", i), ns)
		}
	}
	if le := k.LeaderElection; le.Enabled {
		if errs := validation.IsDNS1123Subdomain(le.LeaseName); len(errs) > 0 {
			ck.fail("kubernetes.leaderElection.leaseName", "%q: %s", le.LeaseName, strings.Join(errs, "; "))
		}
		if le.Namespace != "" {
			validateDNSLabel(ck, "kubernetes.leaderElection.namespace", le.Namespace)
		}
	}
	if !strings.Contains(k.RESTURLTemplate, "{name}") {
		ck.fail("kubernetes.restURLTemplate", "%q must contain {name}", k.RESTURLTemplate)
	}
	probe := strings.NewReplacer("{name}", "n", "{namespace}", "ns").Replace(k.RESTURLTemplate)
	validateURL(ck, "kubernetes.restURLTemplate", probe, true)
	for i, ns := range k.Namespaces {
		if ns == "" {
			ck.fail(fmt.Sprintf("kubernetes.namespaces[%d]", i), "empty namespace")
		}
	}
	le := k.LeaderElection
	if le.Enabled && !(le.LeaseDuration > le.RenewDeadline && le.RenewDeadline > le.RetryPeriod && le.RetryPeriod > 0) {
		// Name the values in force: some may be defaults the user never wrote.
		have := func(key string, d Duration) string {
			if ck.written("kubernetes.leaderElection." + key) {
				return fmt.Sprintf("%s %s", key, d)
			}
			return fmt.Sprintf("%s %s (default)", key, d)
		}
		ck.fail("kubernetes.leaderElection", "want leaseDuration > renewDeadline > retryPeriod > 0, have %s, %s, %s",
			have("leaseDuration", le.LeaseDuration), have("renewDeadline", le.RenewDeadline), have("retryPeriod", le.RetryPeriod))
	}
}

func validateDNSLabel(ck *checker, path, name string) {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		ck.fail(path, "%q is not a namespace name: %s", name, strings.Join(errs, "; "))
	}
}

func (d *Datadog) validate(ck *checker) {
	a := d.Address
	switch {
	case strings.HasPrefix(a, "unix://"), strings.HasPrefix(a, "unixgram://"), strings.HasPrefix(a, "unixstream://"):
		if _, path, _ := strings.Cut(a, "://"); path == "" {
			ck.fail("datadog.address", "%q: no socket path", a)
		}
	case !hostPort(a):
		ck.fail("datadog.address", "%q: want host:port (the port a number) or unix:///path/to/socket", a)
	}
	for i, t := range d.Tags {
		if t == "" || strings.ContainsAny(t, ", |") {
			ck.fail(fmt.Sprintf("datadog.tags[%d]", i), "%q: a tag is key:value without spaces, commas or pipes", t)
		}
	}
}
