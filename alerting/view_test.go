package alerting

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// trailOf renders an incident's trail as "action route: destination=result" lines.
func trailLines(v IncidentView) []string {
	var out []string
	for _, e := range v.Trail {
		s := string(e.Action) + " " + string(e.Route) + ":"
		for _, d := range e.Deliveries {
			s += " " + d.Destination + "=" + d.Result
		}
		out = append(out, s)
	}
	return out
}

func findView(vs []IncidentView, job string) *IncidentView {
	for i := range vs {
		if vs[i].Key.Job == job {
			return &vs[i]
		}
	}
	return nil
}

// TestIncidentsView: the status page's copy of the incidents says, for
// open and resolved ones, what the policy decided and who was told what,
// with each delivery's result.
func TestIncidentsView(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	g := newRig(t)
	g.cycles(1)
	g.set(t, "cart", flinkfake.Failed, flinkfake.UserConfig)
	g.set(t, "enrich", flinkfake.RestartLoop, flinkfake.PlatformBug)
	g.cycles(3)
	require.Eventually(t, func() bool {
		v := findView(g.r.Incidents(), "enrich")
		return v != nil && len(v.Trail) > 0 && len(v.Trail[0].Deliveries) == 2
	}, 10*time.Second, 10*time.Millisecond)

	open := g.r.Incidents()
	cart := findView(open, "cart")
	require.NotNil(t, cart)
	require.True(t, cart.Open)
	require.Equal(t, fleet.Notify, cart.Route)
	require.Equal(t, "checkout", cart.Owner.Team)
	require.NotEmpty(t, cart.Decision.Hint, "the hint reaches the page")
	require.NotEmpty(t, cart.Decision.Reason)
	require.Eventually(t, func() bool {
		return len(trailLines(*findView(g.r.Incidents(), "cart"))) == 1
	}, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, []string{"trigger notify: slack #checkout-alerts=sent"}, trailLines(*findView(g.r.Incidents(), "cart")))
	enrich := findView(open, "enrich")
	require.Equal(t, fleet.Page, enrich.Route)
	require.ElementsMatch(t, []string{"pagerduty", "slack #flink-platform"}, []string{enrich.Trail[0].Deliveries[0].Destination, enrich.Trail[0].Deliveries[1].Destination})

	// The platform bug is fixed: the page resolves, and the resolved
	// incident still says what it was and where its resolve went.
	g.set(t, "enrich", flinkfake.Healthy, flinkfake.PlatformBug)
	g.cycles(4 * 16)
	g.stop()
	all := g.r.Incidents()
	enrich = findView(all, "enrich")
	require.NotNil(t, enrich)
	require.False(t, enrich.Open)
	require.False(t, enrich.Resolved.IsZero())
	require.Equal(t, fleet.Page, enrich.Route)
	require.Equal(t, "orders", enrich.Owner.Team)
	require.NotEmpty(t, enrich.Decision.Category)
	lines := trailLines(*enrich)
	require.Equal(t, incident.Resolve, enrich.Trail[len(enrich.Trail)-1].Action)
	require.Contains(t, lines[len(lines)-1], "pagerduty=sent")
	require.True(t, all[0].Open, "open incidents come first")
}

// TestTrailBounds: an incident keeps its first notification and the
// latest ones; Occurrences are not kept.
func TestTrailBounds(t *testing.T) {
	tr := NewTrail()
	k := incident.Key{JobRef: fleet.JobRef{Namespace: "a", Deployment: "b", Job: "b"}, Category: "c"}
	tr.Record(incident.Notification{Key: k, Action: incident.Occurrence, At: t0}, SinkDatadog, resultSent, t0)
	got, _ := tr.of(k)
	require.Empty(t, got)
	tr.Record(incident.Notification{Key: k, Action: incident.Trigger, Route: fleet.Monitor, At: t0}, SinkSlack, resultSent, t0)
	for i := range 3 * trailPerIncident {
		at := t0.Add(time.Duration(i+1) * time.Minute)
		n := incident.Notification{Key: k, Action: incident.Repeat, Route: fleet.Monitor, At: at, Count: i}
		tr.Record(n, SinkSlack, resultSent, at)
		tr.Record(n, SinkConsole, resultSent, at)
	}
	got, last := tr.of(k)
	require.Len(t, got, trailPerIncident)
	require.Equal(t, incident.Trigger, got[0].Action, "the first notification stays")
	require.Equal(t, 3*trailPerIncident-1, got[len(got)-1].Count)
	require.Len(t, got[len(got)-1].Deliveries, 2, "one entry per notification, one delivery per sink")
	require.Equal(t, "console", got[len(got)-1].Deliveries[1].Destination)
	require.Equal(t, incident.Repeat, last.Action)
}
