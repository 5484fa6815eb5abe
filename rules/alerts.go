package rules

import (
	"fmt"
	"strings"
	"time"
)

// reasonAlert is a direct alert on one unhealthy reason of a job. Each
// reason's alert picks the route of whoever usually has to act on that
// symptom (see runbook.md, "Routes"); the failure's actual cause is
// flinkslo's router's business, which has already sent the classified
// failure by the time these fire.
type reasonAlert struct {
	alert    string
	reason   string
	after    time.Duration // `for:` before ForScale
	route    string
	severity string
	summary  string // after "Flink job <namespace>/<deployment>/<job> "
	detail   string
}

var reasonAlerts = []reasonAlert{
	{"FlinkJobManagerUnreachable", "jobmanager_unreachable", 5 * time.Minute, "page", "critical",
		"is not observable: its JobManager does not answer",
		"flinkslo cannot reach the JobManager REST API of the deployment. JobManager pods, their service and the network path are the platform's."},
	{"FlinkJobMissing", "job_missing", 10 * time.Minute, "page", "critical",
		"is missing from its JobManager",
		"The deployment is expected to run this job but its JobManager does not list it: the job was lost by the platform (HA metadata, operator, JobManager failover)."},
	{"FlinkJobNotRunning", "not_running", 10 * time.Minute, "notify", "warning",
		"is not running",
		"The job is failing, restarting, failed or cancelled. Most such failures are the job's own code or configuration; flinkslo's router has paged the platform if it classified the failure as a server error."},
	{"FlinkJobTasksNotRunning", "tasks_not_running", 10 * time.Minute, "page", "critical",
		"has tasks that are not running",
		"The job is RUNNING but some tasks are not, past the start-up grace: usually missing task slots or TaskManagers, which is platform capacity."},
	{"FlinkJobCheckpointsStalled", "checkpoints_stalled", 5 * time.Minute, "page", "critical",
		"has stopped completing checkpoints",
		"No checkpoint completed within the job's checkpoint window: recovery would replay ever more data and exactly-once sinks have stopped committing."},
	{"FlinkJobRestartStorm", "too_many_restarts", 5 * time.Minute, "monitor", "warning",
		"keeps restarting",
		"The job restarted more often than the health threshold allows within its window. flinkslo's router classifies each failure and escalates repeats."},
	{"FlinkJobKafkaLagGrowing", "kafka_lagging", 5 * time.Minute, "notify", "warning",
		"is falling behind its Kafka input",
		"The consumer lag of the job's consumer groups keeps growing: the job cannot keep up with its input, which its owners size (parallelism, resources)."},
	{"FlinkJobKafkaConsumptionStalled", "kafka_stalled", 5 * time.Minute, "page", "critical",
		"has stopped consuming from Kafka",
		"The job's consumer groups have lag but commit no progress: data is not flowing through the job."},
	{"FlinkDeploymentError", "deployment_error", 10 * time.Minute, "notify", "warning",
		"belongs to a deployment the operator reports in error",
		"The Flink Kubernetes Operator reports an error for the deployment, usually a spec the team controls (validation, image, resources)."},
}

// ReasonAlerts maps each unhealthy reason flinkslo exports to the alert
// that fires when a job keeps that reason.
func ReasonAlerts() map[string]string {
	m := make(map[string]string, len(reasonAlerts))
	for _, a := range reasonAlerts {
		m[a.reason] = a.alert
	}
	return m
}

const jobName = "{{ $labels.namespace }}/{{ $labels.deployment }}/{{ $labels.job_name }}"

func jobAlertGroup(opts Options) Group {
	g := Group{Name: "flinkslo-jobs"}
	for _, a := range reasonAlerts {
		after := scaledFor(a.after, opts.ForScale)
		g.Rules = append(g.Rules, Rule{
			Alert:  a.alert,
			Expr:   fmt.Sprintf(`flinkslo_job_unhealthy_reason{reason=%q} == 1`, a.reason),
			For:    after,
			Labels: map[string]string{"route": a.route, "severity": a.severity},
			Annotations: map[string]string{
				"summary":     "Flink job " + jobName + " " + a.summary,
				"description": a.detail + " Reason " + a.reason + " for " + after + " or more.",
				"runbook_url": runbookURL(opts, a.alert),
			},
		})
	}
	return g
}

// exporterAlertGroup watches flinkslo itself: when it cannot see, every
// other alert is silent, so being blind pages.
func exporterAlertGroup(opts Options) Group {
	rule := func(alert, expr string, after time.Duration, route, severity, summary, detail string) Rule {
		return Rule{
			Alert: alert, Expr: expr, For: scaledFor(after, opts.ForScale),
			Labels: map[string]string{"route": route, "severity": severity},
			Annotations: map[string]string{
				"summary": summary, "description": detail, "runbook_url": runbookURL(opts, alert),
			},
		}
	}
	return Group{Name: "flinkslo-exporter", Rules: []Rule{
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
