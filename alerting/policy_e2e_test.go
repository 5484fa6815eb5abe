package alerting

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/slackfake"
)

// These tests follow one failure each through the whole path (simulated
// JobManager → collector → policy → router → fake Slack and PagerDuty)
// and check exactly who heard what: one correct audience per failure, once.

// A tenant's error, however long it keeps the job down, restarting and
// flapping, never pages the platform: the team is told once, and the
// job's outage is that failure's, not a health incident of its own.
func TestTenantErrorNeverPages(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	g := newRig(t)
	g.cycles(2)
	g.set(t, "cart", flinkfake.RestartLoop, flinkfake.UserConfig)
	g.cycles(4 * 45) // 45 minutes of restarts
	g.set(t, "cart", flinkfake.Failed, flinkfake.UserConfig)
	g.cycles(4 * 15) // and a quarter of an hour failed for good
	g.stop()

	require.Empty(t, g.pdActions("cart"), "nobody is paged for the team's ACL")
	require.Equal(t, fleet.Route(""), g.route("checkout", "cart", fleet.CategoryUnhealthy), "no health incident beside the failure's")
	var top []string
	for _, m := range g.inChannel("#checkout-alerts") {
		if m.ThreadTS == "" {
			top = append(top, m.Text)
		}
	}
	require.Len(t, top, 1, "one top-level message for the team: %q", top)
	require.Contains(t, top[0], "kafka_topic_authorization")
	for _, m := range g.inChannel("#flink-platform") {
		require.NotContains(t, m.Text, "checkout/cart", "the platform channel hears nothing of the team's error")
	}
}

// The checkpoint bucket of the platform refusing its role pages, and the
// recovery resolves the page.
func TestPlatformBucketPages(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	g := newRig(t)
	g.cycles(2)
	// Restoring from the platform's bucket fails: S3 403 in every restart.
	g.set(t, "enrich", flinkfake.RestartLoop, flinkfake.CheckpointStorage)
	g.cycles(8)
	require.Equal(t, fleet.Page, g.route("orders", "enrich", "checkpoint_storage_access_denied"))
	g.set(t, "enrich", flinkfake.Healthy, flinkfake.CheckpointStorage)
	g.cycles(4 * 12)
	g.stop()
	require.Equal(t, []string{"trigger", "resolve"}, g.pdActions("enrich"))
	require.Empty(t, g.inChannel("#orders-alerts"), "the team is not told about the platform's bucket")
	require.Equal(t, fleet.Route(""), g.route("orders", "enrich", fleet.CategoryUnhealthy))
}

// A user-code failure that ends the job notifies the team, and stays
// theirs though the job is down for good: notify never escalates, and a
// failed job explained by it opens no page.
func TestUserCodeEndingTheJobNotifies(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	g := newRig(t)
	g.cycles(2)
	g.set(t, "scoring", flinkfake.Failed, flinkfake.UserCode)
	g.cycles(4 * 20)
	g.stop()
	require.Empty(t, g.pdActions("scoring"))
	msgs := g.inChannel("#risk-alerts")
	require.NotEmpty(t, msgs)
	require.Contains(t, msgs[0].Text, "user_code_exception")
	require.Contains(t, blocksText(t, msgs[0]), "com.acme.fraud.MerchantEnricher.map", "the message shows the team's frame")
	require.Contains(t, blocksText(t, msgs[0]), "Culprit (tenant code)", "and says whose code it is")
}

// A transient cause that keeps repeating escalates to one page, whose
// message tells the on-call what to do rather than to wait.
func TestEscalatedPageTellsWhatToDo(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	g := newRig(t)
	g.cycles(2)
	g.set(t, "scoring", flinkfake.RestartLoop, flinkfake.Transient)
	g.cycles(12)
	g.stop()
	var triggers []string
	for _, e := range g.pd.Events() {
		if strings.Contains(e.DedupKey, "/scoring/scoring/") && e.Action == "trigger" {
			triggers = append(triggers, e.Payload.Summary)
		}
	}
	require.Len(t, triggers, 1, "one escalated page: %q", triggers)
	var escalation string
	for _, m := range g.inChannel("#flink-platform") {
		if strings.Contains(m.Text, "PAGE: risk/scoring") {
			escalation = blocksText(t, m)
		}
	}
	require.Contains(t, escalation, "escalated")
	require.NotContains(t, escalation, "Nothing to do unless it repeats", "the page's hint is for the on-call")
	require.Contains(t, escalation, "Platform - it keeps recurring")
}

// The demo's false page, replayed: a job unhealthy for a reason that
// routes to its team (Kafka lag) with no failure yet, then its classified
// tenant failure, then not running as well. The health incident stays with
// the team: the failure explains the outage, so nothing re-routes it.
func TestExplainedOutageNeverEscalatesElsewhere(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0.Add(-time.Hour))
	e.snapshot(snap(healthy("payments", "fraud")), t0.Add(-time.Minute))
	lag := unhealthy("payments", "fraud", nil, fleet.ReasonKafkaLagging)
	e.snapshot(snap(lag), t0)
	e.snapshot(snap(lag), t0.Add(30*time.Second))
	acl := failure("payments", "fraud", "kafka_topic_authorization", fleet.Notify, t0.Add(40*time.Second))
	e.failure(acl, t0.Add(45*time.Second))
	for s := 50; s <= 600; s += 5 {
		now := t0.Add(time.Duration(s) * time.Second)
		e.snapshot(snap(unhealthy("payments", "fraud", &acl, fleet.ReasonKafkaLagging, fleet.ReasonNotRunning, fleet.ReasonTooManyRestarts)), now)
		e.tick(now)
	}
	for _, l := range brief(e.take()) {
		require.NotContains(t, l, "page", "no page for the tenant's error: %s", l)
	}
	require.Equal(t, fleet.Notify, e.open[keyOf(acl)].route)
}

// blocksText is everything a Slack message's blocks say.
func blocksText(t *testing.T, m slackfake.Message) string {
	t.Helper()
	b, err := json.Marshal(m.Blocks)
	require.NoError(t, err)
	return string(b)
}
