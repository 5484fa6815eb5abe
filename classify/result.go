package classify

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// maxResultMessage bounds Result.Message.
const maxResultMessage = 1000

// UnknownCategory is the category of a failure no rule recognised.
const UnknownCategory = "unknown_platform_error"

// Classify routes one failure, or an unhealthy job (SourceHealth evidence:
// its reasons and state), by the first rule whose conditions hold. Failures
// and health have their own rules: a rule that conditions on health only
// ever routes health. It never fails: a failure no rule matches takes the
// configured unknown route, an unhealthy job no rule matches goes to
// monitor. It keeps no state: recurrence is the Policy's (or the caller's,
// through RecentOccurrences).
func (c *Classifier) Classify(in fleet.Evidence) fleet.Decision {
	d, _ := c.classify(in)
	return d
}

// classify is Classify that also returns the rule that decided (nil for
// the fallbacks), so that the Policy can escalate with its hint.
func (c *Classifier) classify(in fleet.Evidence) (fleet.Decision, *rule) {
	health := in.Source == fleet.SourceHealth
	f := c.newFacts(&in)
	var res fleet.Decision
	var veto, decided *rule
	vetoLink := -1
	var relied, vetoRelied reliance
	for _, r := range c.rules {
		if r.health != health {
			continue
		}
		f.relied = reliance{}
		ok, link := r.when.matchLink(f)
		if !ok {
			continue
		}
		if len(r.vetoes) > 0 {
			if veto == nil {
				veto, vetoLink, vetoRelied = r, link, f.relied
			}
			continue
		}
		res, decided, relied = r.result(f, link), r, f.relied
		break
	}
	switch {
	case decided == nil && health:
		res = healthFallback(in.Health)
	case decided == nil:
		res = c.unknownResult(f)
	}
	if veto != nil && containsRoute(veto.vetoes, res.Route) {
		res, decided, relied = veto.result(f, vetoLink), veto, vetoRelied
	}
	if frame, o := f.culprit(relied); frame != "" {
		res.Culprit, res.CulpritOwner = frame, o.String()
	}
	res.RuleRoute = res.Route
	res.SideEffect = decided != nil && decided.echo || sideEffect(in, res)
	c.escalate(f, &res, decided)
	return res, decided
}

// echoWindow is how long after a job's own failure a transient checkpoint
// failure is taken for its echo: the restarts it causes abort and expire
// the checkpoints in flight.
const echoWindow = 10 * time.Minute

// sideEffect: a failed checkpoint of a job that is not running, or a
// transient one (monitor) soon after the job's own failure, follows from
// that failure, which is what explains the job's state and has its own
// audience. It is counted, but neither explains nor is sent. A checkpoint
// failure that pages (the platform's storage refusing) is never an echo.
func sideEffect(in fleet.Evidence, d fleet.Decision) bool {
	if in.Source != fleet.SourceCheckpoint {
		return false
	}
	if in.State != "" && in.State != fleet.StateRunning {
		return true
	}
	echo := !in.JobFailedAt.IsZero() && !in.Timestamp.Before(in.JobFailedAt) && in.Timestamp.Sub(in.JobFailedAt) <= echoWindow
	return echo && d.Route == fleet.Monitor
}

// healthFallback routes an unhealthy job no rule covers (a user's rules
// file removed the defaults): to monitor, which wakes nobody.
func healthFallback(reasons []fleet.Reason) fleet.Decision {
	return fleet.Decision{
		Route: fleet.Monitor, Category: fleet.CategoryUnhealthy, Rule: "health-unknown",
		Reason: "no health rule routes " + joinReasons(reasons),
		Hint:   "Platform: look at the job in the Flink UI; add a health rule for these reasons to a classify.rulesFiles file.",
	}
}

func containsRoute(list []fleet.Route, r fleet.Route) bool {
	for _, v := range list {
		if v == r {
			return true
		}
	}
	return false
}

// result is the rule's decision; link is the exception its conditions
// matched, or -1 to report the root cause.
func (r *rule) result(f *facts, link int) fleet.Decision {
	i := link
	if i < 0 {
		i = len(f.links) - 1
	}
	res := fleet.Decision{Route: r.route, Category: r.category, Rule: r.id, Reason: r.reason, Hint: r.hint}
	res.Root, res.Message = f.describe(i)
	if strings.Contains(r.reason, "${") || strings.Contains(r.hint, "${") {
		res.Reason, res.Hint = r.expand(f, i, r.reason), r.expand(f, i, r.hint)
	}
	return res
}

// expand fills ${name} in a reason or hint from the named groups of the
// rule's message pattern (on the link it matched), root message pattern or
// Kubernetes message pattern, whichever matched first.
func (r *rule) expand(f *facts, i int, tmpl string) string {
	type src struct {
		p    *pattern
		text string
	}
	var cands []src
	if i >= 0 {
		cands = append(cands, src{r.when.message, f.links[i].t.Message})
	}
	if root := f.root(); root != nil {
		cands = append(cands, src{r.when.rootMsg, root.t.Message})
	}
	cands = append(cands, src{r.when.k8sMessage, f.in.K8sMessage})
	for _, c := range cands {
		if c.p == nil || c.p.re.NumSubexp() == 0 {
			continue
		}
		if m := c.p.re.FindStringSubmatchIndex(c.text); m != nil {
			out := string(c.p.re.ExpandString(nil, tmpl, c.text, m))
			return shorten(Redact(out), 500)
		}
	}
	return tmpl
}

// describe returns the class and redacted message of link i, or what the
// Kubernetes signal says when there is no exception.
func (f *facts) describe(i int) (root, msg string) {
	if i >= 0 && i < len(f.links) {
		t := f.links[i].t
		return t.Class, shorten(Redact(t.Message), maxResultMessage)
	}
	if f.in.K8sReason != "" || f.in.K8sMessage != "" {
		return "", shorten(Redact(strings.TrimSpace(f.in.K8sReason+": "+f.in.K8sMessage)), maxResultMessage)
	}
	return "", ""
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

func (c *Classifier) unknownResult(f *facts) fleet.Decision {
	res := fleet.Decision{Route: c.unknown, Category: UnknownCategory, Rule: "unknown"}
	root := f.root()
	res.Root, res.Message = f.describe(len(f.links) - 1)
	what := "this failure"
	switch {
	case root != nil && root.t.Class != "":
		what = root.t.Class
	case f.in.K8sReason != "":
		what = "Kubernetes reason " + f.in.K8sReason
	}
	res.Reason = fmt.Sprintf("unknown failure: no rule recognises %s and no tenant code threw it, so it is treated as an unexpected server error (%s)", what, c.unknown)
	res.Hint = "Platform: investigate the stack trace; if it recurs, add a rule for it to a classify.rulesFiles file."
	return res
}

// escalate turns a monitor cause into a page when the job stopped
// restarting or the caller counted enough recent occurrences.
func (c *Classifier) escalate(f *facts, d *fleet.Decision, r *rule) {
	if d.Route != fleet.Monitor {
		return
	}
	for _, t := range c.terminal {
		if t.match(f) {
			escalateTo(d, r, "restarts are exhausted and the job will not recover by itself",
				"The job has stopped restarting and stays down until someone acts: ")
			return
		}
	}
	if n := f.in.RecentOccurrences; n > 0 {
		d.Occurrences = n
		if n >= c.escCount {
			escalateTo(d, r, fmt.Sprintf("%d occurrences of %s within %s", n, d.Category, config.Duration(c.escWindow)), "")
		}
	}
}

// genericEscalatedHint is the page's hint for a monitor rule that has no
// escalatedHint of its own.
const genericEscalatedHint = "Platform: this temporary cause keeps coming back, so Flink's and Kubernetes' own recovery is not enough; find the underlying cause in the exception, the pods' events and the nodes."

// escalateTo makes d a page, saying why in its reason and giving the hint
// written for the page's reader (the rule's escalatedHint).
func escalateTo(d *fleet.Decision, r *rule, why, hintPrefix string) {
	d.Route, d.Escalated = fleet.Page, true
	d.Reason += "; escalated: " + why
	hint := genericEscalatedHint
	if r != nil && r.escalatedHint != "" {
		hint = r.escalatedHint
	}
	d.Hint = hintPrefix + hint
}
