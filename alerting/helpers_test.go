package alerting

import (
	"fmt"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// testConfig is the example plus a Slack copy of pages: page to
// PagerDuty, monitor to the platform channel, notify to each team's.
func testConfig() *config.Config {
	return &config.Config{
		Teams: map[string]config.Team{"checkout": {SlackChannel: "#checkout-alerts"}, "orders": {}},
		Alerting: config.Alerting{
			Page:               config.Route{PagerDuty: &config.PagerDutyRoute{RoutingKeyEnv: "PD_KEY", Severity: "critical"}},
			Monitor:            config.Route{Slack: &config.SlackRoute{Channel: "#flink-platform"}},
			Notify:             config.Route{Slack: &config.SlackRoute{}},
			GroupWindow:        config.Duration(5 * time.Minute),
			RepeatInterval:     config.Duration(4 * time.Hour),
			ResolveAfter:       config.Duration(5 * time.Minute),
			QueueSize:          100,
			RunbookURLTemplate: "https://runbooks.example.com/{category}",
		},
	}
}

// allSinks stands for a full set of sinks, for route tables in engine tests.
var allSinks = map[string]Sink{SinkPagerDuty: nil, SinkSlack: nil, SinkDatadog: nil, SinkConsole: nil}

func newTestEngine(t *testing.T, cfg *config.Config, start time.Time) *engine {
	t.Helper()
	a := cfg.Alerting
	e := newEngine(engineConfig{
		groupWindow: a.GroupWindow.D(), repeatInterval: a.RepeatInterval.D(), resolveAfter: a.ResolveAfter.D(),
		healthWait: 30 * time.Second, since: start.Add(-a.Lookback.D()), tombstoneTTL: time.Hour,
	}, newRoutes(ConfigFrom(cfg), allSinks))
	e.leader = true
	return e
}

// failure builds a classified failure of job in namespace/deployment
// (deployment named after the job).
func failure(team, job, category string, route fleet.Route, at time.Time) fleet.Failure {
	return fleet.Failure{
		JobRef: fleet.JobRef{Namespace: team, Deployment: job, Job: job}, Owner: fleet.Owner{Team: team}, JobID: "id-" + job,
		Time: at, Seen: at, Source: fleet.SourceFlinkREST,
		Decision:  fleet.Decision{Route: route, Category: category, Reason: category + " happened", Hint: "fix " + category, Rule: "r-" + category},
		Exception: "java.lang.RuntimeException", Excerpt: "java.lang.RuntimeException: boom",
	}
}

// jobState is one job in a test snapshot.
type jobState struct {
	team, job string
	healthy   bool
	reasons   []fleet.Reason
	last      *fleet.Failure
}

// testPolicy gives the test snapshots the verdicts the scrape loop would:
// the router only carries them out.
var testPolicy = func() *classify.Policy {
	c, err := classify.New(config.Classify{})
	if err != nil {
		panic(err)
	}
	return classify.NewPolicy(c, nil)
}()

func snap(jobs ...jobState) *fleet.Snapshot {
	s := &fleet.Snapshot{}
	for _, j := range jobs {
		js := fleet.JobStatus{Name: j.job, ID: "id-" + j.job, Expected: true, Healthy: j.healthy, Reasons: j.reasons, LastFailure: j.last}
		if !js.Healthy {
			v := testPolicy.Health(classify.Health{Job: &js})
			js.Verdict = &v
		}
		s.Targets = append(s.Targets, fleet.TargetStatus{
			Target: fleet.Target{Deployment: j.job, Namespace: j.team, Owner: fleet.Owner{Team: j.team}, URL: "http://" + j.job + ":8081"},
			Up:     true,
			Jobs:   []fleet.JobStatus{js},
		})
	}
	return s
}

func healthy(team, job string) jobState { return jobState{team: team, job: job, healthy: true} }

func unhealthy(team, job string, last *fleet.Failure, rs ...fleet.Reason) jobState {
	return jobState{team: team, job: job, reasons: rs, last: last}
}

// brief renders notifications compactly for comparison, leaving out
// single occurrences (see withOccurrences).
func brief(ns []*incident.Notification) []string {
	var out []string
	for _, n := range ns {
		if n.Action == incident.Occurrence {
			continue
		}
		out = append(out, line(*n))
	}
	return out
}

func line(n incident.Notification) string {
	s := fmt.Sprintf("%s %s %s", n.Action, n.Route, n.Key)
	if n.Action == incident.Repeat {
		s += fmt.Sprintf(" count=%d window=%s", n.Count, incident.Human(n.Window))
	}
	if n.EscalatedFrom != "" {
		s += " from=" + string(n.EscalatedFrom)
	}
	return s
}

func occurrences(ns []*incident.Notification) int {
	c := 0
	for _, n := range ns {
		if n.Action == incident.Occurrence {
			c++
		}
	}
	return c
}

func durationOf(d time.Duration) config.Duration { return config.Duration(d) }

func nilDatadog(events *bool) *config.Datadog { return &config.Datadog{Events: events} }

// encodeState is the engine's state alone, with no outbox.
func (e *engine) encodeState() ([]byte, error) {
	b, _, err := encodeState(e, nil, 0, 0)
	return b, err
}
