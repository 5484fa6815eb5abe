package status

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

func utc(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// ago says how long before now t was, the way people say it.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < time.Second {
		return "just now"
	}
	return incident.Human(d.Truncate(time.Second)) + " ago"
}

// formatRatio is a ratio as a percentage with the precision an SLO needs.
func formatRatio(r float64) string {
	p := r * 100
	switch {
	case p >= 99.995 && r < 1:
		return "99.99%"
	case p == 100:
		return "100%"
	}
	return strconv.FormatFloat(math.Floor(p*100)/100, 'f', 2, 64) + "%"
}

// formatCount groups thousands: 1,234,567.
func formatCount(v float64) string {
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func formatSeconds(v float64) string {
	return incident.Human(time.Duration(v * float64(time.Second)))
}

// reasonTexts explain the unhealthy reasons, as the README's signals do.
var reasonTexts = map[fleet.Reason]string{
	fleet.ReasonUnreachable:        "the JobManager did not answer; the job is shown as last seen",
	fleet.ReasonJobMissing:         "the JobManager answers but lists no job for the deployment",
	fleet.ReasonNotRunning:         "the job is not RUNNING",
	fleet.ReasonTasksNotRunning:    "RUNNING, but not every task is running",
	fleet.ReasonCheckpointsStalled: "checkpoints are not completing within the checkpoint window",
	fleet.ReasonTooManyRestarts:    "too many restarts within the restart window",
	fleet.ReasonKafkaLagging:       "a consumer group's lag keeps growing",
	fleet.ReasonKafkaStalled:       "a consumer group commits nothing while records arrive",
	fleet.ReasonDeploymentError:    "the Flink Kubernetes Operator reports the deployment in ERROR",
}

func reasonText(r string) string { return reasonTexts[fleet.Reason(r)] }

// routeTexts say who acts on each route.
var routeTexts = map[fleet.Route]string{
	fleet.Page:    "the platform on-call acts now",
	fleet.Monitor: "the platform watches it; nobody is woken",
	fleet.Notify:  "the owning team acts",
}

func routeText(r string) string { return routeTexts[fleet.Route(r)] }

// teamName is how a team is shown.
func teamName(t string) string {
	if t == "" {
		return "(no team)"
	}
	return t
}

// target is namespace/deployment as people name it.
func targetName(ns, dep string) string {
	return fleet.JobRef{Namespace: ns, Deployment: dep}.Target()
}
