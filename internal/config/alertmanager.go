package config

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
)

// AlertmanagerConnection is how flinkslo reaches Alertmanager: every URL
// (the members of an HA cluster) gets every alert, as from Prometheus.
type AlertmanagerConnection struct {
	// URLs are Alertmanagers' base URLs (http://alertmanager:9093, with
	// the path prefix of --web.route-prefix if any); alerts are posted to
	// <url>/api/v2/alerts.
	URLs []string `yaml:"urls"`
	// Timeout bounds one post.
	Timeout Duration `yaml:"timeout"`
	// RefreshInterval is how often an open incident's alert is posted
	// again, so that Alertmanager keeps it firing: each post says it ends
	// four intervals later unless posted again.
	RefreshInterval Duration `yaml:"refreshInterval"`
	// HTTP holds TLS, basic auth or bearer token and headers.
	HTTP HTTPClient `yaml:"http"`
}

// AlertmanagerRoute turns posting to Alertmanager on for a route.
type AlertmanagerRoute struct {
	// Labels are added to the route's alerts (e.g. cluster: eu-1); they
	// may not set the labels flinkslo sets (ReservedAlertLabels).
	Labels map[string]string `yaml:"labels"`
}

// ReservedAlertLabels are the labels of the alerts flinkslo posts
// (alerting/alertmanager sets each): a route's labels cannot replace them.
var ReservedAlertLabels = []string{
	"alertname", "alert_kind", "route", "category", "namespace", "deployment", "job_name", "team", "severity",
}

// WebhookRoute posts a route's incidents to a URL in Alertmanager's
// webhook format (version 4), optionally signed with HMAC-SHA256.
type WebhookRoute struct {
	// One of URL (written here: no credentials in it), URLEnv or URLFile
	// (a URL that carries a token).
	URL     string `yaml:"url"`
	URLEnv  string `yaml:"urlEnv"`
	URLFile string `yaml:"urlFile"`
	// The HMAC secret signs each body (X-Flinkslo-Signature); optional.
	HMACSecretEnv  string `yaml:"hmacSecretEnv"`
	HMACSecretFile string `yaml:"hmacSecretFile"`
	// HTTP holds TLS, basic auth or bearer token and headers.
	HTTP *HTTPClient `yaml:"http"`
}

// labelNameRE is a label name Alertmanager's API accepts everywhere.
var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func (a *Alerting) validateAlertmanager(ck *checker) {
	c := &a.Alertmanager
	const p = "alerting.alertmanager"
	seen := map[string]int{}
	for i, u := range c.URLs {
		up := fmt.Sprintf("%s.urls[%d]", p, i)
		validateBaseURL(ck, up, u, true)
		if j, dup := seen[u]; dup {
			ck.fail(up, "%q already given as urls[%d]", u, j)
		}
		seen[u] = i
	}
	if c.Timeout <= 0 {
		ck.fail(p+".timeout", "must be positive")
	}
	if c.RefreshInterval <= 0 {
		ck.fail(p+".refreshInterval", "must be positive")
	}
	validateHTTP(ck, p+".http", &c.HTTP)
	validateBaseURL(ck, "alerting.externalURL", a.ExternalURL, false)
	for _, r := range a.routes() {
		rp := "alerting." + r.name
		if am := r.route.Alertmanager; am != nil {
			for _, k := range slices.Sorted(maps.Keys(am.Labels)) {
				lp := rp + ".alertmanager.labels." + k
				switch {
				case !labelNameRE.MatchString(k):
					ck.fail(lp, "%q is not a label name: letters, digits and _, not starting with a digit", k)
				case slices.Contains(ReservedAlertLabels, k):
					ck.fail(lp, "flinkslo sets %s itself", k)
				case am.Labels[k] == "":
					ck.fail(lp, "empty value: Alertmanager treats it as no label")
				}
			}
		}
		if w := r.route.Webhook; w != nil {
			w.validate(ck, rp+".webhook")
		}
	}
}

func (w *WebhookRoute) validate(ck *checker, p string) {
	set := 0
	for _, v := range []string{w.URL, w.URLEnv, w.URLFile} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		ck.fail(p, "exactly one of url, urlEnv or urlFile is required")
	}
	validateBaseURL(ck, p+".url", w.URL, false)
	validateSecretRef(ck, p, "hmacSecretEnv", "hmacSecretFile", w.HMACSecretEnv, w.HMACSecretFile, false)
	if w.HTTP != nil {
		validateHTTP(ck, p+".http", w.HTTP)
	}
}

// validateBaseURL is validateURL for a URL flinkslo adds to (a path, a
// job's page): without a query or fragment.
func validateBaseURL(ck *checker, path, raw string, required bool) {
	n := len(ck.errs)
	validateURL(ck, path, raw, required)
	if len(ck.errs) > n || raw == "" {
		return
	}
	if u, _ := url.Parse(raw); u.RawQuery != "" || u.Fragment != "" {
		ck.fail(path, "%q: no query or fragment", raw)
	}
}

// runnableAlertmanager: a route posts to Alertmanager only with somewhere
// to post.
func (a *Alerting) runnableAlertmanager(ck *checker) {
	if len(a.Alertmanager.URLs) > 0 {
		return
	}
	for _, r := range a.routes() {
		if r.route.Alertmanager != nil {
			ck.fail("alerting."+r.name+".alertmanager", "posts to Alertmanager, but alerting.alertmanager.urls is empty")
		}
	}
}

// alertmanagerWarnings: Alertmanager configured for no route, or a route
// that reaches people both directly and through Alertmanager.
func (c *Config) alertmanagerWarnings(out []Warning) []Warning {
	a := &c.Alerting
	used := false
	for _, r := range a.routes() {
		if r.route.Alertmanager == nil {
			continue
		}
		used = true
		if r.route.PagerDuty != nil || r.route.Slack != nil {
			out = c.warn(out, "alerting."+r.name+".alertmanager",
				"the route also sends to PagerDuty or Slack itself: if Alertmanager routes its alerts there too, people hear each incident twice")
		}
	}
	if !used && len(a.Alertmanager.URLs) > 0 {
		out = c.warn(out, "alerting.alertmanager.urls", "no route has an alertmanager entry: nothing is posted to Alertmanager")
	}
	return out
}

// alertmanager tries the secrets the Alertmanager and webhook sinks read.
func (e *envCheck) alertmanager() {
	a := &e.c.Alerting
	used := false
	for _, r := range a.routes() {
		used = used || r.route.Alertmanager != nil
		w := r.route.Webhook
		if w == nil {
			continue
		}
		p := "alerting." + r.name + ".webhook"
		e.secret(p, "urlEnv", "urlFile", w.URLEnv, w.URLFile, effectRefuse)
		e.secret(p, "hmacSecretEnv", "hmacSecretFile", w.HMACSecretEnv, w.HMACSecretFile, effectRefuse)
		if w.HTTP != nil {
			e.httpSink(p+".http", w.HTTP)
		}
	}
	if used {
		e.httpSink("alerting.alertmanager.http", &a.Alertmanager.HTTP)
	}
}

// httpSink checks the client settings of a sink: a secret named by
// environment variable and the TLS files are read as the sink is built
// (prometheus/common/config reads them again as they change), a password
// or token file at each post.
func (e *envCheck) httpSink(path string, h *HTTPClient) {
	const effectPost = "every post fails until it can be read"
	if b := h.BasicAuth; b != nil {
		effect := effectRefuse
		if b.PasswordEnv == "" {
			effect = effectPost
		}
		e.secret(path+".basicAuth", "passwordEnv", "passwordFile", b.PasswordEnv, b.PasswordFile, effect)
	}
	if t := h.BearerToken; t != nil {
		effect := effectRefuse
		if t.Env == "" {
			effect = effectPost
		}
		e.secret(path+".bearerToken", "env", "file", t.Env, t.File, effect)
	}
	e.tls(path+".tls", h.TLS, effectRefuse)
}
