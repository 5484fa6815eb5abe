package dogstatsd

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// has reports whether ls holds a line of name (without namespace) with
// the given tags (a subset) and, when value is not empty, that value.
func has(ls []line, name, value string, tags ...string) bool {
	return slices.ContainsFunc(ls, func(l line) bool {
		if l.Name != "flinkslo."+name || (value != "" && l.Value != value) {
			return false
		}
		for _, t := range tags {
			if !slices.Contains(l.Tags, t) {
				return false
			}
		}
		return true
	})
}

// TestSecondCycle checks what a user of the Datadog dashboards relies on
// when the fleet changes between two cycles (see fleet for the story).
func TestSecondCycle(t *testing.T) {
	a := listen(t, "udp")
	e, _ := newEmitter(t, testConfig(a.addr, true))
	first := sendSync(t, e, a, sampleFleet(1))
	second := sendSync(t, e, a, sampleFleet(2))
	fraud := []string{"deployment:fraud-scorer", "job_name:fraud-scorer"}
	for _, tc := range []struct {
		name  string
		lines []line
		want  bool
		mname string
		value string
		tags  []string
	}{
		{"first sight of the fleet sends no counts", first, false, "job.restarts", "", nil},
		{"first sight of the fleet sends no failures", first, false, "job.failures", "", nil},
		{"restarts since the last cycle are counted", second, true, "job.restarts", "3", fraud},
		{"failed checkpoints since the last cycle are counted", second, true, "job.checkpoints_failed", "2", fraud},
		{"a failure counter that grew counts the difference", second, true, "job.failures", "1", append(fraud, "route:page", "category:container_oom_killed")},
		{"a failure category new to a known job counts whole", second, true, "job.failures", "1", append(fraud, "route:monitor", "category:tm_heartbeat_timeout")},
		{"an unchanged failure counter sends nothing", second, false, "job.failures", "", []string{"category:user_code_exception"}},
		{"an unchanged counter sends nothing", second, false, "job.checkpoints_completed", "", fraud},
		{"a job seen for the first time sends no counts", second, false, "job.restarts", "", []string{"job_name:reindex"}},
		{"a job seen for the first time has its gauges", second, true, "job.healthy", "1", []string{"job_name:reindex"}},
		{"a deployment failure new to a known target counts", second, true, "deployment.failures", "1", []string{"deployment:indexer", "route:notify"}},
		{"a reason that cleared is sent as 0", second, true, "job.unhealthy_reason", "0", append(fraud, "reason:too_many_restarts")},
		{"a reason that holds is still 1", second, true, "job.unhealthy_reason", "1", append(fraud, "reason:checkpoints_stalled")},
		{"the state left is sent as 0", second, true, "job.state", "0", append(fraud, "state:restarting")},
		{"the state entered is 1", second, true, "job.state", "1", append(fraud, "state:running")},
		{"a team whose deployments left is sent as 0", second, true, "fleet.jobs_expected", "0", []string{"team:analytics"}},
		{"a job without a team is team:none", first, true, "job.healthy", "0", []string{"job_name:nightly-etl", "team:none"}},
		{"a suspended deployment has no target.up", first, false, "target.up", "", []string{"deployment:backfill"}},
		{"a job not expected to run has no job.healthy", first, false, "job.healthy", "", []string{"job_name:daily-backfill"}},
		{"a group whose lag is unknown is not sent", first, false, "consumergroup.lag_records", "", []string{"group:fraud-scorer"}},
		{"a group whose time lag is not estimated yet has records", first, true, "consumergroup.lag_records", "40", []string{"group:indexer"}},
		{"a group whose time lag is not estimated yet has no seconds", first, false, "consumergroup.lag_seconds", "", []string{"group:indexer"}},
		{"a job whose time lag is not estimated yet has no seconds", first, false, "job.kafka_lag_seconds", "", []string{"deployment:indexer"}},
		{"global tags are on every line", first, true, "target.up", "", []string{"env:test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := has(tc.lines, tc.mname, tc.value, tc.tags...); got != tc.want {
				t.Errorf("line %s=%q with %v sent: %v, want %v", tc.mname, tc.value, tc.tags, got, tc.want)
			}
		})
	}
}

// TestServiceChecks: one job.healthy check per expected job, CRITICAL
// with the reasons, UNKNOWN when the data is stale, none for a job that
// is not expected to run.
func TestServiceChecks(t *testing.T) {
	a := listen(t, "udp")
	e, _ := newEmitter(t, testConfig(a.addr, true))
	got := map[string]line{}
	for _, l := range sendSync(t, e, a, sampleFleet(1)) {
		if l.Type == "sc" {
			job, _ := l.tag("job_name")
			got[job] = l
		}
	}
	for _, tc := range []struct{ job, status, msg string }{
		{"orders-enricher", "0", ""},
		{"kafka___es__v2___eu", "0", ""},
		{"fraud-scorer", "2", "checkpoints_stalled, too_many_restarts"},
		{"nightly-etl", "3", "stale, JobManager unreachable: jobmanager_unreachable"},
	} {
		t.Run(tc.job, func(t *testing.T) {
			l, ok := got[tc.job]
			if !ok {
				t.Fatalf("no service check for job %s", tc.job)
			}
			if l.Name != "flinkslo.job.healthy" || l.Value != tc.status || l.Msg != tc.msg {
				t.Errorf("service check %s, want _sc|flinkslo.job.healthy|%s|…|m:%s", l, tc.status, tc.msg)
			}
		})
	}
	if _, ok := got["daily-backfill"]; ok || len(got) != 4 {
		t.Errorf("service checks for jobs %v, want exactly the 4 expected jobs", slices.Sorted(maps.Keys(got)))
	}
}

// TestMetricsListed keeps Metrics, which the dashboards are checked
// against, in step with what is really sent: every line sent is listed
// with its type and tags, and every listed metric is sent by the fleet.
func TestMetricsListed(t *testing.T) {
	a := listen(t, "udp")
	e, _ := newEmitter(t, testConfig(a.addr, true))
	sent := append(sendSync(t, e, a, sampleFleet(1)), sendSync(t, e, a, sampleFleet(2))...)
	types := map[string]string{"g": Gauge, "c": Count, "sc": ServiceCheck}
	listed := map[[2]string]Metric{}
	for _, m := range Metrics("flinkslo") {
		listed[[2]string{m.Name, m.Type}] = m
	}
	seen := map[[2]string]bool{}
	for _, l := range sent {
		k := [2]string{l.Name, types[l.Type]}
		m, ok := listed[k]
		if !ok {
			t.Errorf("sent %s, a %s not in Metrics", l.Name, k[1])
			continue
		}
		seen[k] = true
		var keys []string
		for _, tg := range l.Tags {
			if key, _, _ := strings.Cut(tg, ":"); key != "env" {
				keys = append(keys, key)
			}
		}
		for _, want := range m.Tags {
			if !slices.Contains(keys, want) {
				t.Errorf("%s lacks tag %s: %s", l.Name, want, l)
			}
		}
		for _, k := range keys {
			if !slices.Contains(m.Tags, k) && !slices.Contains(m.OptionalTags, k) {
				t.Errorf("%s has tag %s not listed in Metrics: %s", l.Name, k, l)
			}
		}
	}
	for k := range listed {
		if !seen[k] {
			t.Errorf("Metrics lists %s (%s), the fleet never sent it", k[0], k[1])
		}
	}
	names := MetricNames("flinkslo")
	if len(names) != len(listed)-1 { // job.healthy is a gauge and a service check
		t.Errorf("MetricNames has %d names, want %d distinct: %v", len(names), len(listed)-1, names)
	}
}

func TestMetricNamesNamespace(t *testing.T) {
	for _, tc := range []struct{ name, ns, want string }{
		{"default", "flinkslo", "flinkslo.target.up"},
		{"trailing dot", "platform.flink.", "platform.flink.target.up"},
		{"none", "", "target.up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MetricNames(tc.ns)[0]; got != tc.want {
				t.Errorf("MetricNames(%q)[0] = %q, want %q", tc.ns, got, tc.want)
			}
		})
	}
}
