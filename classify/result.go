package classify

import (
	"fmt"
	"strings"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// maxResultMessage bounds Result.Message.
const maxResultMessage = 1000

// UnknownCategory is the category of a failure no rule recognised.
const UnknownCategory = "unknown_platform_error"

// Classify routes one failure. It never fails: a failure no rule matches
// takes the configured unknown route.
func (c *Classifier) Classify(in fleet.Evidence) fleet.Decision {
	f := c.newFacts(&in)
	var res fleet.Decision
	var veto *rule
	matched := false
	vetoLink := -1
	for _, r := range c.rules {
		ok, link := r.when.matchLink(f)
		if !ok {
			continue
		}
		if len(r.vetoes) > 0 {
			if veto == nil {
				veto, vetoLink = r, link
			}
			continue
		}
		res, matched = r.result(f, link), true
		break
	}
	if !matched {
		res = c.unknownResult(f)
	}
	if veto != nil && containsRoute(veto.vetoes, res.Route) {
		res = veto.result(f, vetoLink)
	}
	res.RuleRoute = res.Route
	c.escalate(f, &res)
	return res
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
func (c *Classifier) escalate(f *facts, r *fleet.Decision) {
	if r.Route != fleet.Monitor {
		return
	}
	for _, t := range c.terminal {
		if t.match(f) {
			r.Route, r.Escalated = fleet.Page, true
			r.Reason += "; escalated: restarts are exhausted and the job will not recover by itself"
			return
		}
	}
	if n := f.in.RecentOccurrences; n > 0 {
		r.Occurrences = n
		if n >= c.escCount {
			r.Route, r.Escalated = fleet.Page, true
			r.Reason += fmt.Sprintf("; escalated: %d occurrences of %s within %s", n, r.Category, config.Duration(c.escWindow))
		}
	}
}
