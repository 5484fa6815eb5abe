package alerting

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

func TestGroupingCountsRepeatsIntoOneMessage(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0)
	down := snap(unhealthy("orders", "enrich", nil, fleet.ReasonNotRunning))
	e.snapshot(down, t0)
	e.failure(failure("orders", "enrich", "tm_heartbeat_timeout", fleet.Monitor, t0), t0)
	first := e.take()
	require.Equal(t, []string{"trigger monitor orders/enrich/enrich/tm_heartbeat_timeout"}, brief(first))
	require.Equal(t, 1, occurrences(first))

	for i := 1; i <= 3; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		e.snapshot(down, at)
		e.failure(failure("orders", "enrich", "tm_heartbeat_timeout", fleet.Monitor, at), at)
		e.tick(at)
	}
	mid := e.take()
	require.Empty(t, brief(mid), "repeats within the group window wait")
	require.Equal(t, 3, occurrences(mid), "every failure is still an occurrence for Datadog")

	e.snapshot(down, t0.Add(5*time.Minute))
	e.tick(t0.Add(5 * time.Minute))
	got := e.take()
	require.Equal(t, []string{"repeat monitor orders/enrich/enrich/tm_heartbeat_timeout count=3 window=5m"}, brief(got))
	require.Equal(t, 4, got[0].Total)
	require.Equal(t, "3 more occurrences in the last 5m (4 since opened)", got[0].What())

	e.snapshot(down, t0.Add(11*time.Minute))
	e.tick(t0.Add(11 * time.Minute))
	require.Empty(t, brief(e.take()), "nothing new, nothing sent")
}

func TestResolveAfterContinuousHealth(t *testing.T) {
	cases := []struct {
		name string
		// health is the job's health at each minute after the failure.
		health      []bool
		resolvedMin int
	}{
		{"healthy throughout", []bool{true, true, true, true, true, true, true}, 5},
		{"unhealthy for two minutes", []bool{false, false, true, true, true, true, true, true}, 7},
		{"flaps", []bool{true, false, true, true, true, true, true, true}, 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, testConfig(), t0)
			f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
			e.failure(f, t0)
			e.take()
			resolved := -1
			for m, h := range tc.health {
				now := t0.Add(time.Duration(m) * time.Minute)
				js := healthy("orders", "enrich")
				if !h {
					js = unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)
				}
				e.snapshot(snap(js), now)
				e.tick(now)
				for _, n := range e.take() {
					if n.Action == incident.Resolve {
						require.Equal(t, -1, resolved, "resolved twice")
						resolved = m
					}
				}
			}
			require.Equal(t, tc.resolvedMin, resolved)
		})
	}
}

func TestAfterResolveTheSameKeyOpensANewIncident(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0)
	e.snapshot(snap(healthy("orders", "enrich")), t0)
	e.failure(failure("orders", "enrich", "platform_code_exception", fleet.Page, t0), t0)
	e.tick(t0.Add(5 * time.Minute))
	require.Equal(t, []string{
		"trigger page orders/enrich/enrich/platform_code_exception",
		"resolve page orders/enrich/enrich/platform_code_exception",
	}, brief(e.take()))

	// A replay of the resolved failure is not news; a new failure is.
	e.failure(failure("orders", "enrich", "platform_code_exception", fleet.Page, t0), t0.Add(6*time.Minute))
	require.Empty(t, e.take())
	e.failure(failure("orders", "enrich", "platform_code_exception", fleet.Page, t0.Add(7*time.Minute)), t0.Add(7*time.Minute))
	require.Equal(t, []string{"trigger page orders/enrich/enrich/platform_code_exception"}, brief(e.take()))
}

func TestReminderWhileStillUnhealthy(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0)
	f := failure("checkout", "cart", "sql_validation_error", fleet.Notify, t0)
	e.failure(f, t0)
	e.take()
	for m := 0; m <= 8*60; m += 30 {
		now := t0.Add(time.Duration(m) * time.Minute)
		e.snapshot(snap(unhealthy("checkout", "cart", &f, fleet.ReasonNotRunning)), now)
		e.tick(now)
	}
	got := e.take()
	require.Equal(t, []string{
		"remind notify checkout/cart/cart/sql_validation_error",
		"remind notify checkout/cart/cart/sql_validation_error",
	}, brief(got), "one reminder per repeat interval")
	require.Equal(t, t0.Add(4*time.Hour), got[0].At)
	require.Equal(t, []string{"not_running"}, got[0].Health)
}

func TestEscalationMovesTheIncidentToPage(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0)
	for i := range 6 {
		at := t0.Add(time.Duration(i) * time.Minute)
		route := fleet.Monitor
		f := failure("orders", "enrich", "checkpoint_expired", route, at)
		if i == 5 {
			f.Decision.Route, f.Decision.Escalated = fleet.Page, true
		}
		e.failure(f, at)
	}
	got := e.take()
	require.Equal(t, []string{
		"trigger monitor orders/enrich/enrich/checkpoint_expired",
		"trigger page orders/enrich/enrich/checkpoint_expired from=monitor",
	}, brief(got))
	esc := got[len(got)-1]
	require.Equal(t, []fleet.Route{fleet.Monitor}, esc.PastRoutes)
	require.Equal(t, 6, esc.Total)

	// A later monitor-route occurrence does not take the page back.
	e.failure(failure("orders", "enrich", "checkpoint_expired", fleet.Monitor, t0.Add(7*time.Minute)), t0.Add(7*time.Minute))
	e.tick(t0.Add(10 * time.Minute))
	require.Equal(t, []string{"repeat page orders/enrich/enrich/checkpoint_expired count=1 window=5m"}, brief(e.take()))
}

func TestFailuresBeforeStartAreNotResent(t *testing.T) {
	start := t0.Add(time.Hour)
	cases := []struct {
		name     string
		lookback time.Duration
		at       time.Time
		sent     bool
	}{
		{"before start", 0, t0, false},
		{"after start", 0, start.Add(time.Second), true},
		{"within lookback", 2 * time.Hour, t0, true},
		{"beyond lookback", 30 * time.Minute, t0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Alerting.Lookback = config.Duration(tc.lookback)
			e := newTestEngine(t, cfg, start)
			e.failure(failure("orders", "enrich", "platform_code_exception", fleet.Page, tc.at), start.Add(time.Minute))
			require.Equal(t, tc.sent, len(e.take()) > 0)
		})
	}
}

func TestRoutesAndChannels(t *testing.T) {
	cfg := testConfig()
	cfg.Alerting.Page.Slack = nil // pages copy to the monitor channel
	e := newTestEngine(t, cfg, t0)
	override := failure("checkout", "cart", "sql_validation_error", fleet.Notify, t0)
	override.SlackChannel = "#cart-team"
	cases := []struct {
		name    string
		f       func() collectorFailure
		channel string
		note    string
	}{
		{"notify goes to the team's channel", func() collectorFailure { return failure("checkout", "cart", "sql_parse_error", fleet.Notify, t0) }, "#checkout-alerts", ""},
		{"a target's channel overrides the team's", func() collectorFailure { return override }, "#cart-team", ""},
		{"a team without a channel falls back to monitor", func() collectorFailure { return failure("orders", "enrich", "sql_parse_error", fleet.Notify, t0) },
			"#flink-platform", "team orders has no Slack channel (set teams.orders.slackChannel); posted to the monitor channel"},
		{"monitor goes to the platform channel", func() collectorFailure { return failure("checkout", "cart", "tm_unreachable", fleet.Monitor, t0) }, "#flink-platform", ""},
		{"a page is copied to the platform channel", func() collectorFailure {
			return failure("checkout", "cart", "platform_code_exception", fleet.Page, t0)
		}, "#flink-platform", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.failure(tc.f(), t0)
			got := e.take()
			require.Len(t, got, 2)
			n := got[1]
			require.Equal(t, incident.Trigger, n.Action)
			require.Equal(t, tc.channel, n.SlackChannel)
			require.Equal(t, tc.note, n.Note)
			require.Equal(t, []incident.Link{{Text: "Runbook", URL: "https://runbooks.example.com/" + n.Key.Category}}, n.Links)
		})
	}
	require.Equal(t, []string{SinkPagerDuty, SinkSlack, SinkConsole}, e.routes.sinks[fleet.Page])
	require.Equal(t, []string{SinkSlack, SinkConsole}, e.routes.sinks[fleet.Notify])
}

type collectorFailure = fleet.Failure

func TestUnexplainedUnhealthyJobOpensAHealthIncident(t *testing.T) {
	recent := failure("orders", "enrich", "tm_heartbeat_timeout", fleet.Monitor, t0.Add(-time.Minute))
	cases := []struct {
		name    string
		job     jobState
		wantNow []string
	}{
		{"not running, nothing to explain it: page", unhealthy("orders", "enrich", nil, fleet.ReasonNotRunning),
			[]string{"trigger page orders/enrich/enrich/job_unhealthy"}},
		{"lagging: the team's to fix", unhealthy("orders", "enrich", nil, fleet.ReasonKafkaLagging),
			[]string{"trigger notify orders/enrich/enrich/job_unhealthy"}},
		{"checkpoints stalled: monitor", unhealthy("orders", "enrich", nil, fleet.ReasonCheckpointsStalled, fleet.ReasonKafkaLagging),
			[]string{"trigger monitor orders/enrich/enrich/job_unhealthy"}},
		{"a recent failure explains it", unhealthy("orders", "enrich", &recent, fleet.ReasonNotRunning), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, testConfig(), t0.Add(-time.Hour))
			e.snapshot(snap(healthy("orders", "enrich")), t0.Add(-2*time.Minute))
			e.snapshot(snap(tc.job), t0)
			require.Empty(t, brief(e.take()), "not before the health wait")
			e.snapshot(snap(tc.job), t0.Add(30*time.Second))
			got := e.take()
			require.Equal(t, tc.wantNow, brief(got))
			if len(tc.wantNow) > 0 {
				n := got[len(got)-1]
				require.Equal(t, fleet.SourceHealth, n.Source)
				require.Equal(t, t0, n.Opened)
				require.NotEmpty(t, n.Hint)
			}
		})
	}
}

// A job that failed before flinkslo started: its failure is not re-sent
// (no lookback), so it explains nothing and the job's health opens an
// incident on the failure's route, saying what the failure was.
func TestJobFailedBeforeStartIsNotified(t *testing.T) {
	start := t0
	old := failure("risk", "scoring", "platform_code_exception", fleet.Page, start.Add(-2*time.Hour))
	old.Decision.Hint = "look up the Flink issue tracker"
	e := newTestEngine(t, testConfig(), start)
	e.failure(old, start)
	require.Empty(t, brief(e.take()), "the old failure itself is not re-sent")
	job := unhealthy("risk", "scoring", &old, fleet.ReasonNotRunning)
	e.snapshot(snap(job), start)
	e.snapshot(snap(job), start.Add(30*time.Second))
	got := e.take()
	require.Equal(t, []string{"trigger page risk/scoring/scoring/job_unhealthy"}, brief(got))
	n := got[0]
	require.Contains(t, n.Reason, "since before flinkslo started")
	require.Contains(t, n.Reason, "platform_code_exception")
	require.Equal(t, old.Decision.Hint, n.Hint)

	// A user error from before the start goes to the team, not the pager.
	userErr := failure("risk", "scoring", "kafka_topic_authorization", fleet.Notify, start.Add(-time.Hour))
	e = newTestEngine(t, testConfig(), start)
	job = unhealthy("risk", "scoring", &userErr, fleet.ReasonNotRunning)
	e.snapshot(snap(job), start)
	e.snapshot(snap(job), start.Add(30*time.Second))
	require.Equal(t, []string{"trigger notify risk/scoring/scoring/job_unhealthy"}, brief(e.take()))
}

func TestOpenFailureIncidentExplainsTheOutage(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0)
	e.snapshot(snap(healthy("orders", "enrich")), t0)
	// A deployment-level failure (pod OOMKilled) explains its job's outage.
	f := failure("orders", "enrich", "container_oom_killed", fleet.Page, t0)
	f.Job = ""
	e.failure(f, t0)
	for s := 0; s <= 120; s += 15 {
		now := t0.Add(time.Duration(s) * time.Second)
		e.snapshot(snap(unhealthy("orders", "enrich", nil, fleet.ReasonNotRunning)), now)
		e.tick(now)
	}
	require.Equal(t, []string{"trigger page orders/enrich//container_oom_killed"}, brief(e.take()))
}

func TestHealthIncidentEscalatesWithItsReasons(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0)
	lag := unhealthy("orders", "enrich", nil, fleet.ReasonKafkaLagging)
	e.snapshot(snap(lag), t0)
	e.snapshot(snap(lag), t0.Add(time.Minute))
	e.snapshot(snap(unhealthy("orders", "enrich", nil, fleet.ReasonKafkaLagging, fleet.ReasonNotRunning)), t0.Add(2*time.Minute))
	require.Equal(t, []string{
		"trigger notify orders/enrich/enrich/job_unhealthy",
		"trigger page orders/enrich/enrich/job_unhealthy from=notify",
	}, brief(e.take()))
	for m := 3; m <= 8; m++ {
		e.snapshot(snap(healthy("orders", "enrich")), t0.Add(time.Duration(m)*time.Minute))
		e.tick(t0.Add(time.Duration(m) * time.Minute))
	}
	got := e.take()
	require.Equal(t, []string{"resolve page orders/enrich/enrich/job_unhealthy"}, brief(got))
	require.Equal(t, []fleet.Route{fleet.Notify}, got[0].PastRoutes)
}

func TestVanishedJobResolves(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0)
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	e.snapshot(snap(unhealthy("orders", "enrich", &f, fleet.ReasonNotRunning)), t0)
	e.failure(f, t0)
	e.take()
	for m := 1; m <= 5; m++ {
		now := t0.Add(time.Duration(m) * time.Minute)
		e.snapshot(snap(), now)
		e.tick(now)
	}
	got := e.take()
	require.Equal(t, []string{"resolve page orders/enrich/enrich/platform_code_exception"}, brief(got))
	require.Contains(t, got[0].Note, "no longer watched")
}

func TestDeploymentFailureResolvesWithTheDeployment(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0)
	f := failure("orders", "enrich", "image_pull_tenant", fleet.Notify, t0)
	f.Job = ""
	e.failure(f, t0)
	e.take()
	down := snap(healthy("orders", "enrich"))
	down.Targets[0].Up = false
	for m := 0; m <= 10; m++ {
		now := t0.Add(time.Duration(m) * time.Minute)
		s := down
		if m >= 3 {
			s = snap(healthy("orders", "enrich"))
		}
		e.snapshot(s, now)
		e.tick(now)
		if got := brief(e.take()); len(got) > 0 {
			require.Equal(t, 8, m, "resolved 5m after the deployment was up with every job healthy")
			require.Equal(t, []string{"resolve notify orders/enrich//image_pull_tenant"}, got)
			return
		}
	}
	t.Fatal("never resolved")
}
