package alerting

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/slack"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/slackfake"
)

// One channel flooded — and, in the second case, failing — while twelve
// teams' channels get a post each: the teams' posts do not wait for it.
// Slack is paced at 10 posts a second per channel here, so that the flood
// takes seconds rather than a minute.
func TestAFloodedChannelDelaysNoOther(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault *slackfake.Fault
	}{
		{name: "flooded"},
		{name: "flooded and failing", fault: &slackfake.Fault{Status: 500}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sl := slackfake.New()
			defer sl.Close()
			if tc.fault != nil {
				sl.DownChannel("#flink-platform", *tc.fault)
			}
			sink, err := slack.New(slack.Options{Token: config.NewSecret(testSlackToken), APIURL: sl.APIURL(), PerChannel: 10, Burst: 1})
			require.NoError(t, err)
			cfg := testConfig()
			const teams, flood = 12, 60
			for i := range teams {
				cfg.Teams[fmt.Sprintf("team-%02d", i)] = config.Team{SlackChannel: fmt.Sprintf("#team-%02d", i)}
			}
			r := newRouter(t, Options{Config: ConfigFrom(cfg), Sinks: map[string]Sink{SinkSlack: sink}, Now: newClock(t0).now, Start: t0})
			run(t, r)

			var fs []fleet.Failure
			for i := range flood {
				fs = append(fs, failure("platform", fmt.Sprintf("job-%02d", i), "tm_heartbeat_timeout", fleet.Monitor, t0))
			}
			r.Observe(withFailures(fs...))
			fs = nil
			for i := range teams {
				fs = append(fs, failure(fmt.Sprintf("team-%02d", i), "cart", "sql_validation_error", fleet.Notify, t0))
			}
			r.Observe(withFailures(fs...))

			inTeams := func() (n, platform int) {
				for _, m := range sl.Messages() {
					if m.Channel == "#flink-platform" {
						platform++
					} else {
						n++
					}
				}
				return n, platform
			}
			require.Eventually(t, func() bool { n, _ := inTeams(); return n == teams }, 10*time.Second, time.Millisecond)
			_, platform := inTeams()
			require.Less(t, platform, flood/2, "every team's post arrived while the platform channel had most of its backlog to go")
		})
	}
}
