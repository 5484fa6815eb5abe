package dashboards

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Replicas of flinkslo (two per shard under leader election) export the
// same fleet series, told apart only by the scrape's instance and pod
// labels. A panel counts each job once only if every such series is first
// folded over those labels by an aggregation that duplicates cannot change:
// max, min or avg without (instance, pod), or by labels that exclude them.
// sum, count, topk … directly over the raw series count every job twice.

// replicated reports the series every replica exports alike: the fleet's
// (jobs, targets, deployments, consumer groups, Kafka clusters) and the
// per-job recordings built from them. flinkslo's own process series
// (scrape cycle, leader, notifications) differ per replica and are shown
// per pod; team: and fleet: recordings are already aggregated.
func replicated(metric string) bool {
	for _, p := range []string{"flinkslo_job_", "flinkslo_target_", "flinkslo_deployment_", "flinkslo_consumergroup_", "flinkslo_kafka_", "job:"} {
		if strings.HasPrefix(metric, p) {
			return true
		}
	}
	return false
}

var (
	identifier = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	aggregator = map[string]bool{
		"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
		"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true,
	}
	// idempotent aggregations give the same result over one series or
	// over two copies of it.
	idempotent = map[string]bool{"max": true, "min": true, "avg": true, "group": true}
)

// undeduplicated returns the replicated metrics of expr that are not
// folded over instance and pod before anything else aggregates them.
func undeduplicated(expr string, metrics []string) []string {
	masked := mask(expr)
	var out []string
	for _, loc := range identifier.FindAllStringIndex(masked, -1) {
		name := masked[loc[0]:loc[1]]
		if !slices.Contains(metrics, name) || !replicated(name) || (loc[0] > 0 && masked[loc[0]-1] == '$') {
			continue
		}
		if !foldedOverReplicas(masked, loc[0]) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mask blanks string literals, label matchers and range brackets (keeping
// every offset), so that parentheses and words left are PromQL structure.
func mask(expr string) string {
	b := []byte(expr)
	blank := func(from, to int) {
		for i := from; i < to && i < len(b); i++ {
			b[i] = ' '
		}
	}
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"', '\'', '`':
			j := i + 1
			for j < len(b) && b[j] != c {
				if b[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			blank(i, j+1)
			i = j
		case '{', '[':
			closing := map[byte]byte{'{': '}', '[': ']'}[c]
			j := i + 1
			for j < len(b) && b[j] != closing {
				if b[j] == '"' || b[j] == '\'' || b[j] == '`' {
					q := b[j]
					for j++; j < len(b) && b[j] != q; j++ {
						if b[j] == '\\' {
							j++
						}
					}
				}
				j++
			}
			blank(i, j+1)
			i = j
		}
	}
	return string(b)
}

// foldedOverReplicas walks outwards from the selector at pos through the
// parentheses around it, past function calls and plain grouping, to the
// first aggregation, and says whether that one removes instance and pod
// idempotently.
func foldedOverReplicas(s string, pos int) bool {
	for open := enclosing(s, pos); open >= 0; open = enclosing(s, open) {
		before := strings.TrimRight(s[:open], " \t\n")
		op, grouping := "", ""
		if strings.HasSuffix(before, ")") { // sum by (a, b) (…)
			listOpen := matchingOpen(before, len(before)-1)
			if listOpen < 0 {
				return false
			}
			kw := lastWord(strings.TrimRight(before[:listOpen], " \t\n"))
			if kw != "by" && kw != "without" {
				continue // a call's arguments end here: (…)(…) is not PromQL
			}
			head := strings.TrimRight(before[:listOpen], " \t\n")
			head = strings.TrimRight(head[:len(head)-len(kw)], " \t\n")
			op, grouping = lastWord(head), kw+" "+before[listOpen:]
		} else {
			op = lastWord(before)
			if !aggregator[strings.ToLower(op)] {
				continue // a function such as increase(…), or plain parentheses
			}
			// sum (…) by (a): the grouping after the body.
			if close := matchingClose(s, open); close > 0 {
				after := strings.TrimLeft(s[close+1:], " \t\n")
				if kw := firstWord(after); kw == "by" || kw == "without" {
					rest := strings.TrimLeft(after[len(kw):], " \t\n")
					if end := strings.IndexByte(rest, ')'); strings.HasPrefix(rest, "(") && end > 0 {
						grouping = kw + " " + rest[:end+1]
					}
				}
			}
		}
		return idempotent[strings.ToLower(op)] && removesReplicaLabels(grouping)
	}
	return false
}

func removesReplicaLabels(grouping string) bool {
	kw, list, _ := strings.Cut(grouping, " ")
	labels := strings.FieldsFunc(list, func(r rune) bool { return r == '(' || r == ')' || r == ',' || r == ' ' })
	switch kw {
	case "":
		return true // aggregates everything away
	case "without":
		return slices.Contains(labels, "instance") && slices.Contains(labels, "pod")
	case "by":
		return !slices.Contains(labels, "instance") && !slices.Contains(labels, "pod")
	}
	return false
}

// enclosing returns the offset of the '(' that encloses pos, or -1.
func enclosing(s string, pos int) int {
	depth := 0
	for i := pos - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

func matchingOpen(s string, close int) int { return enclosing(s, close) }

func matchingClose(s string, open int) int {
	depth := 0
	for i := open + 1; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

func lastWord(s string) string {
	locs := identifier.FindAllStringIndex(s, -1)
	if len(locs) == 0 || locs[len(locs)-1][1] != len(s) {
		return ""
	}
	return s[locs[len(locs)-1][0]:]
}

func firstWord(s string) string {
	loc := identifier.FindStringIndex(s)
	if loc == nil || loc[0] != 0 {
		return ""
	}
	return s[:loc[1]]
}

func TestUndeduplicated(t *testing.T) {
	tests := []struct {
		name, expr string
		want       []string
	}{
		{"raw series", `flinkslo_job_healthy{team=~"$team"}`, []string{"flinkslo_job_healthy"}},
		{"count over raw series", `count(flinkslo_job_healthy == 0)`, []string{"flinkslo_job_healthy"}},
		{"max without before count", `count(max without (instance, pod) (flinkslo_job_healthy{a="b"}) == 0) or vector(0)`, nil},
		{"without only instance", `count(max without (instance) (flinkslo_job_healthy))`, []string{"flinkslo_job_healthy"}},
		{"sum by job sums replicas", `sum by (namespace, deployment, job_name) (increase(flinkslo_job_restarts_total[5m]))`, []string{"flinkslo_job_restarts_total"}},
		{"max by job", `topk(10, max by (namespace, deployment, job_name) (flinkslo_job_kafka_lag_seconds))`, nil},
		{"max by pod keeps replicas", `max by (pod) (flinkslo_job_healthy)`, []string{"flinkslo_job_healthy"}},
		{"grouping after the body", `max (flinkslo_job_healthy) without (pod, instance)`, nil},
		{"function inside the fold", `sum by (route) (max without (instance, pod) (increase(flinkslo_job_failures_total{x="a(b"}[$__rate_interval])))`, nil},
		{"topk first", `topk(5, flinkslo_job_checkpoint_age_seconds)`, []string{"flinkslo_job_checkpoint_age_seconds"}},
		{"recordings of jobs too", `sum(sum_over_time(job:flinkslo_job_healthy:sum5m[1d:5m]))`, []string{"job:flinkslo_job_healthy:sum5m"}},
		{"team recordings are aggregated", `team:flinkslo_job_healthy:ratio1h{team=~"$team"}`, nil},
		{"per-replica process metrics", `max by (pod) (flinkslo_scrape_cycle_duration_seconds)`, nil},
		{"min by cluster", `min by (cluster) (flinkslo_kafka_up)`, nil},
		{"one side of a division", `sum(max without (instance, pod) (flinkslo_job_tasks)) / sum(flinkslo_job_tasks_running)`, []string{"flinkslo_job_tasks_running"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metrics := identifier.FindAllString(tt.expr, -1)
			if d := cmp.Diff(tt.want, undeduplicated(tt.expr, metrics)); d != "" {
				t.Errorf("undeduplicated(%q) (-want +got):\n%s", tt.expr, d)
			}
		})
	}
}
