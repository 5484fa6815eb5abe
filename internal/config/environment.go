package config

import (
	"cmp"
	"fmt"
	"os"
	"strconv"
)

// What happens when a secret cannot be read, by where it is read.
const (
	effectRefuse = "flinkslo run refuses to start until it can be read"
	effectTarget = "the targets it applies to are reported down until it can be read"
)

// CheckEnvironment tries every secret the configuration names (environment
// variables and files) and every TLS file, as flinkslo run would read them
// here and now, and returns a warning naming each variable or file that
// cannot be read, and what that costs; rules files likewise. check-config runs where the secrets
// may not be (CI, a laptop), so these warn; run fails on them as before.
// Secret values are read, never returned or printed.
func (c *Config) CheckEnvironment(getenv func(string) string) []Warning {
	e := &envCheck{c: c, getenv: getenv}
	e.http("http", &c.HTTP)
	for i := range c.Targets {
		if h := c.Targets[i].HTTP; h != nil {
			e.http("targets["+strconv.Itoa(i)+"].http", h)
		}
	}
	if len(c.Kafka.Brokers) > 0 {
		e.kafka("kafka", c.Kafka.TLS, c.Kafka.SASL)
	}
	for i, cl := range c.Kafka.Clusters {
		e.kafka(fmt.Sprintf("kafka.clusters[%d]", i), cl.TLS, cl.SASL)
	}
	for _, r := range c.Alerting.routes() {
		if pd := r.route.PagerDuty; pd != nil {
			e.secret("alerting."+r.name+".pagerduty", "routingKeyEnv", "routingKeyFile", pd.RoutingKeyEnv, pd.RoutingKeyFile, effectRefuse)
		}
	}
	e.slack()
	e.alertmanager()
	for i, f := range c.Classify.RulesFiles {
		if _, err := os.ReadFile(f); err != nil {
			e.out = c.warn(e.out, fmt.Sprintf("classify.rulesFiles[%d]", i), "%v: %s", err, effectRefuse)
		}
	}
	return e.out
}

type envCheck struct {
	c      *Config
	getenv func(string) string
	out    []Warning
}

// secret warns when the secret path names (by envKey or fileKey) cannot be
// read, saying what that costs; it reports whether it could be read.
func (e *envCheck) secret(path, envKey, fileKey, env, file, effect string) bool {
	w, ok := e.read(path, envKey, fileKey, env, file)
	if !ok {
		w.Msg += ": " + effect
		e.out = append(e.out, w)
	}
	return ok
}

// read reads a secret as run would; an unset reference (validation says
// where one is required) reads fine.
func (e *envCheck) read(path, envKey, fileKey, env, file string) (Warning, bool) {
	if env == "" && file == "" {
		return Warning{}, true
	}
	_, err := ReadSecret(e.getenv, env, file)
	if err == nil {
		return Warning{}, true
	}
	key := path + "." + fileKey
	if env != "" {
		key = path + "." + envKey
	}
	return Warning{Line: e.c.lines.line(key), Path: key, Msg: err.Error()}, false
}

func (e *envCheck) http(path string, h *HTTPClient) {
	if b := h.BasicAuth; b != nil {
		e.secret(path+".basicAuth", "passwordEnv", "passwordFile", b.PasswordEnv, b.PasswordFile, effectTarget)
	}
	if t := h.BearerToken; t != nil {
		e.secret(path+".bearerToken", "env", "file", t.Env, t.File, effectTarget)
	}
	e.tls(path+".tls", h.TLS, effectTarget)
}

func (e *envCheck) kafka(path string, t *TLS, s *SASL) {
	e.tls(path+".tls", t, effectRefuse)
	if s == nil {
		return
	}
	p := path + ".sasl"
	switch {
	case s.Mechanism != "AWS_MSK_IAM":
		e.secret(p, "passwordEnv", "passwordFile", s.PasswordEnv, s.PasswordFile, effectRefuse)
	case s.StaticAWSKeys():
		// The standard variables stand in for the ones not named, as
		// the Kafka collector reads them; the session token is optional.
		for _, k := range []struct{ key, env, def string }{
			{"accessKeyEnv", s.AccessKeyEnv, "AWS_ACCESS_KEY_ID"},
			{"secretKeyEnv", s.SecretKeyEnv, "AWS_SECRET_ACCESS_KEY"},
		} {
			if name := cmp.Or(k.env, k.def); e.getenv(name) == "" {
				e.out = e.c.warn(e.out, p+"."+k.key, "environment variable %s is empty or unset: %s", name, effectRefuse)
			}
		}
		if s.SessionTokenEnv != "" && e.getenv(s.SessionTokenEnv) == "" {
			e.out = e.c.warn(e.out, p+".sessionTokenEnv", "environment variable %s is empty or unset: no session token is sent", s.SessionTokenEnv)
		}
	}
}

// tls reads the files of t and builds its client configuration, as the
// clients do when they start (Kafka) or first connect (a target).
func (e *envCheck) tls(path string, t *TLS, effect string) {
	if t == nil {
		return
	}
	ok := true
	for _, f := range []struct{ key, file string }{{"caFile", t.CAFile}, {"certFile", t.CertFile}, {"keyFile", t.KeyFile}} {
		if f.file == "" {
			continue
		}
		if _, err := os.ReadFile(f.file); err != nil {
			e.out = e.c.warn(e.out, path+"."+f.key, "%v: %s", err, effect)
			ok = false
		}
	}
	if !ok {
		return
	}
	if _, err := t.ClientConfig(); err != nil {
		e.out = e.c.warn(e.out, path, "%v: %s", err, effect)
	}
}

// slack: either the bot token or the webhook URL is enough.
func (e *envCheck) slack() {
	a := &e.c.Alerting
	wanted := false
	for _, r := range a.routes() {
		wanted = wanted || r.route.Slack != nil
	}
	if !wanted {
		return
	}
	s := a.Slack
	tw, tokenOK := e.read("alerting.slack", "tokenEnv", "tokenFile", s.TokenEnv, s.TokenFile)
	hw, hookOK := e.read("alerting.slack", "webhookURLEnv", "webhookURLFile", s.WebhookURLEnv, s.WebhookURLFile)
	tokenSet, hookSet := s.TokenEnv != "" || s.TokenFile != "", s.WebhookURLEnv != "" || s.WebhookURLFile != ""
	effect := effectRefuse
	if tokenSet && hookSet && (tokenOK || hookOK) {
		effect = "the other Slack setting is used"
	}
	for _, w := range []struct {
		w  Warning
		ok bool
	}{{tw, tokenOK}, {hw, hookOK}} {
		if !w.ok {
			w.w.Msg += ": " + effect
			e.out = append(e.out, w.w)
		}
	}
}
