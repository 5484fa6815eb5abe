package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/fleet"
)

// reasonAlert is how a direct alert on one unhealthy reason reads: its
// name, how long the reason must hold, and the summary. Who it goes to is
// not here: the route of each reason (and, for not_running, of each job
// state) comes from the classifier's health rules, the same policy
// flinkslo's router applies to a job nothing explains, so that the two
// alert paths send each symptom to the same audience.
type reasonAlert struct {
	alert   string
	reason  fleet.Reason
	after   time.Duration // `for:` before ForScale
	summary string        // after "Flink job <namespace>/<deployment>/<job> "
}

var reasonAlerts = []reasonAlert{
	{"FlinkJobManagerUnreachable", fleet.ReasonUnreachable, 5 * time.Minute, "is not observable: its JobManager does not answer"},
	{"FlinkJobMissing", fleet.ReasonJobMissing, 10 * time.Minute, "is missing from its JobManager"},
	{"FlinkJobNotRunning", fleet.ReasonNotRunning, 10 * time.Minute, "is not running"},
	{"FlinkJobTasksNotRunning", fleet.ReasonTasksNotRunning, 10 * time.Minute, "has tasks that are not running"},
	{"FlinkJobCheckpointsStalled", fleet.ReasonCheckpointsStalled, 5 * time.Minute, "has stopped completing checkpoints"},
	{"FlinkJobRestartStorm", fleet.ReasonTooManyRestarts, 5 * time.Minute, "keeps restarting"},
	{"FlinkJobKafkaLagGrowing", fleet.ReasonKafkaLagging, 5 * time.Minute, "is falling behind its Kafka input"},
	{"FlinkJobKafkaConsumptionStalled", fleet.ReasonKafkaStalled, 5 * time.Minute, "has stopped consuming from Kafka"},
	{"FlinkDeploymentError", fleet.ReasonDeploymentError, 10 * time.Minute, "belongs to a deployment the operator reports in error"},
	{"FlinkJobNoProgress", fleet.ReasonNoProgress, 5 * time.Minute, "is running but processes no records while its input waits"},
	{"FlinkJobWatermarkLagging", fleet.ReasonWatermarkLagging, 5 * time.Minute, "has its event time (watermark) far behind the wall clock"},
	{"FlinkJobBackpressured", fleet.ReasonBackpressured, 5 * time.Minute, "is back-pressured{{ with $labels.vertex }}; the bottleneck is {{ . }}{{ end }}"},
	{"FlinkJobCheckpointHeadroomLow", fleet.ReasonCheckpointHeadroom, 5 * time.Minute, "has checkpoints that use most of their timeout"},
}

// labelFrom is, per reason, a per-job family whose extra label the alert
// carries when the job has a series of it: a back-pressured job's alert
// names its bottleneck vertex.
var labelFrom = map[fleet.Reason]struct{ family, label string }{
	fleet.ReasonBackpressured: {"flinkslo_job_bottleneck_busy_ratio", "vertex"},
}

// ReasonAlerts maps each unhealthy reason flinkslo exports to the alert
// that fires when a job keeps that reason.
func ReasonAlerts() map[string]string {
	m := make(map[string]string, len(reasonAlerts))
	for _, a := range reasonAlerts {
		m[string(a.reason)] = a.alert
	}
	return m
}

const jobName = "{{ $labels.namespace }}/{{ $labels.deployment }}/{{ $labels.job_name }}"

// jobKey joins job series across metrics: the labels every job series has.
const jobKey = "on (namespace, deployment, job_name)"

// KindSymptom marks the direct alerts on a job's unhealthy reasons. They
// say what is wrong, not why: flinkslo's router, when it delivers a route,
// has already told that route's audience the classified cause, and the
// shipped Alertmanager configuration inhibits these while it does (see
// FlinksloRouterDelivering).
const KindSymptom = "symptom"

// The other kinds: the SLO burn-rate alerts, and flinkslo's own health.
const (
	KindSLO  = "slo"
	KindSelf = "self"
)

// jobAlertGroup has one alert per health rule of each reason: the job's
// reason (restricted to the rule's job states, minus the states an earlier
// rule of the reason took), routed as the rule routes it; a rule that
// escalates after a while gets a second alert, paging after that long.
func jobAlertGroup(opts Options) Group {
	g := Group{Name: "flinkslo-jobs"}
	byReason := map[fleet.Reason][]classify.HealthRule{}
	for _, h := range opts.Health {
		byReason[h.Reason] = append(byReason[h.Reason], h)
	}
	for _, a := range reasonAlerts {
		var taken []string
		for _, h := range byReason[a.reason] {
			lf := labelFrom[a.reason]
			expr := withLabel(yielding(reasonExpr(a.reason, h.States, taken), fleet.ExplainedBy(a.reason)), lf.family, lf.label)
			for _, st := range h.States {
				taken = append(taken, string(st))
			}
			g.Rules = append(g.Rules, symptomRule(opts, a, h, expr, h.Route, a.after))
			if h.EscalateAfter > 0 {
				g.Rules = append(g.Rules, symptomRule(opts, a, h, expr, fleet.Page, h.EscalateAfter))
			}
		}
	}
	return g
}

// reasonExpr selects the jobs that have reason, in one of states (any when
// empty) and in none of taken. Both replicas of a shard export the series,
// so they are deduplicated first: one alert per job, not per replica.
func reasonExpr(reason fleet.Reason, states []fleet.JobState, taken []string) string {
	expr := fmt.Sprintf(`max without (instance, pod) (flinkslo_job_unhealthy_reason{reason=%q}) == 1`, string(reason))
	if len(states) > 0 {
		var names []string
		for _, st := range states {
			names = append(names, string(st))
		}
		expr += fmt.Sprintf("\nand %s\n  (max without (instance, pod) (flinkslo_job_state{state=~%q}) == 1)", jobKey, strings.Join(names, "|"))
	} else if len(taken) > 0 {
		expr += fmt.Sprintf("\nunless %s\n  (max without (instance, pod) (flinkslo_job_state{state=~%q}) == 1)", jobKey, strings.Join(taken, "|"))
	}
	return expr
}

// yielding drops from expr the jobs that have one of reasons, the ones
// that explain expr's (fleet.ExplainedBy): a stuck job is heard of once, as
// stuck, not also as lagging (the order of the health rules says the same
// to flinkslo's router).
func yielding(expr string, reasons []fleet.Reason) string {
	if len(reasons) == 0 {
		return expr
	}
	names := make([]string, len(reasons))
	for i, r := range reasons {
		names[i] = string(r)
	}
	return fmt.Sprintf("(%s)\nunless %s\n  (max without (instance, pod) (flinkslo_job_unhealthy_reason{reason=~%q}) == 1)", expr, jobKey, strings.Join(names, "|"))
}

// withLabel gives expr's jobs the label of family where they have a
// series of it, and keeps the others as they are.
func withLabel(expr, family, label string) string {
	if family == "" {
		return expr
	}
	// topk keeps one series per job (two replicas may name two vertices
	// for a cycle), as group_left requires.
	one := fmt.Sprintf("topk by (namespace, deployment, job_name) (1, max without (instance, pod) (%s))", family)
	return fmt.Sprintf("(\n  (%s)\n  * %s group_left (%s)\n  (0 * %s + 1)\n)\nor %s\n(%s)", expr, jobKey, label, one, jobKey, expr)
}

func symptomRule(opts Options, a reasonAlert, h classify.HealthRule, expr string, route fleet.Route, after time.Duration) Rule {
	forDur := scaledFor(after, opts.ForScale)
	desc := upperFirst(h.Summary) + ". Reason " + string(a.reason) + " for " + forDur + " or more"
	hint := h.Hint
	if route != h.Route {
		desc += ", with nothing to explain it: the " + string(h.Route) + " route's outage has lasted long enough to page"
		// The page is read by the on-call, not the monitor channel.
		if h.EscalatedHint != "" {
			hint = h.EscalatedHint
		}
	}
	return Rule{
		Alert: a.alert,
		Expr:  expr,
		For:   forDur,
		Labels: map[string]string{
			"route": string(route), "severity": severity(route), "alert_kind": KindSymptom, "policy_rule": h.ID,
		},
		Annotations: map[string]string{
			"summary":     "Flink job " + jobName + " " + a.summary,
			"description": desc + ".",
			"hint":        hint,
			"runbook_url": runbookURL(opts, a.alert),
		},
	}
}

// severity is what each route means to a pager: a page is critical.
func severity(r fleet.Route) string {
	if r == fleet.Page {
		return "critical"
	}
	return "warning"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// exporterAlertGroup watches flinkslo itself: when it cannot see, every
// other alert is silent, so being blind pages.
func exporterAlertGroup(opts Options) Group {
	rule := func(alert, expr string, after time.Duration, route, severity, summary, detail string) Rule {
		return Rule{
			Alert: alert, Expr: expr, For: scaledFor(after, opts.ForScale),
			Labels: map[string]string{"route": route, "severity": severity, "alert_kind": KindSelf},
			Annotations: map[string]string{
				"summary": summary, "description": detail, "runbook_url": runbookURL(opts, alert),
			},
		}
	}
	delivering := Rule{
		Alert: "FlinksloRouterDelivering", Expr: "max by (route) (flinkslo_alerting_route_active) == 1",
		Labels: map[string]string{"severity": "none", "alert_kind": KindSelf},
		Annotations: map[string]string{
			"summary":     "flinkslo's router delivers route {{ $labels.route }} to people",
			"description": "Not a problem: while this fires, flinkslo itself tells route {{ $labels.route }}'s audience about every failure, classified, and the shipped Alertmanager configuration inhibits the Prometheus symptom alerts (alert_kind=symptom) of that route, so nobody hears a failure twice.",
			"runbook_url": runbookURL(opts, "FlinksloRouterDelivering"),
		},
	}
	return Group{Name: "flinkslo-exporter", Rules: []Rule{
		delivering,
		rule("FlinksloExporterDown", "absent(flinkslo_last_scrape_timestamp_seconds)", 10*time.Minute, "page", "critical",
			"Prometheus has no data from flinkslo",
			"No flinkslo_last_scrape_timestamp_seconds series: flinkslo is down or Prometheus cannot scrape it, so no Flink SLO or job alert can fire."),
		rule("FlinksloScrapeLoopStalled", "time() - flinkslo_last_scrape_timestamp_seconds > 300", 5*time.Minute, "page", "critical",
			"flinkslo {{ $labels.instance }} has not finished a scrape cycle for over 5 minutes",
			"flinkslo's background scrape loop is stuck: every job signal it exports is stale."),
		rule("FlinksloNoLeader", "max by (lease) (flinkslo_leader{lease!=\"\"}) == 0", 5*time.Minute, "page", "critical",
			"No flinkslo replica holds the Lease {{ $labels.lease }}: its shard sends no notifications",
			"Leader election is on and every replica scraping this shard is a follower, so its pages, monitors and notifies are not sent (the signals still are): check the replicas' logs for lease errors and their RBAC on the Lease."),
		rule("FlinksloTargetDown",
			"flinkslo_target_up == 0\nunless on (deployment, namespace)\n  (flinkslo_job_unhealthy_reason{reason=\"jobmanager_unreachable\"} == 1)",
			10*time.Minute, "monitor", "warning",
			"flinkslo cannot scrape the JobManager of {{ $labels.namespace }}/{{ $labels.deployment }}",
			"The target has never answered, so flinkslo knows none of its jobs (FlinkJobManagerUnreachable covers targets with known jobs): check its URL, credentials and network policy."),
		rule("FlinksloTargetScrapeErrors",
			"sum by (deployment, namespace, kind) (rate(flinkslo_target_scrape_errors_total[5m])) > 0\nand on (deployment, namespace)\n  (flinkslo_target_up == 1)",
			15*time.Minute, "monitor", "warning",
			"flinkslo keeps getting {{ $labels.kind }} errors from {{ $labels.namespace }}/{{ $labels.deployment }}",
			"The JobManager answers but some of flinkslo's requests keep failing, so some of the deployment's signals may be missing or stale."),
	}}
}

// runbookURL links an alert to its section of the runbook: Markdown
// renderers make the heading "## FlinkJobMissing" the anchor #flinkjobmissing.
func runbookURL(opts Options, alert string) string {
	return opts.RunbookURL + "#" + strings.ToLower(alert)
}
