package status

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPages: every page renders from a fleet that went through failures,
// says what a reader looks for, and the unknown is a 404 with a way back.
func TestPages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a simulated fleet through the collector, router and history")
	}
	g := newRig(t)
	g.story(t)
	cases := []struct {
		path string
		code int
		want []string
	}{
		{"/ui/", 200, []string{"Unhealthy now", "supply/inventory-sync", "checkpoint_storage_access_denied", `class="tile suspended"`, "SLO"}},
		{"/ui/?team=risk", 200, []string{"risk/fraud-scoring", `<option value="risk" selected>`}},
		{"/ui/teams/supply", 200, []string{"Team supply", "What was sent", "pagerduty", "slack #flink-platform"}},
		{"/ui/teams/risk", 200, []string{"dropped: rejected", "#risk-alerts"}},
		{"/ui/jobs/supply/inventory-sync/inventory-sync", 200, []string{"Why it is unhealthy", "too_many_restarts", "What to do", "<svg class=\"timeline\"", "Runbook", "https://runbooks.example.com/flink/checkpoint_storage_access_denied", "pagerduty"}},
		{"/ui/jobs/risk/fraud-scoring/fraud-scoring", 200, []string{"not_running", "Culprit frame", "tenant code", "dropped: rejected"}},
		{"/ui/jobs/checkout/orders-enrichment/orders-enrichment", 200, []string{"Kafka lag (records)", "Kafka time lag"}},
		{"/ui/incidents", 200, []string{"Recently resolved", "job_unhealthy", "kafka_topic_authorization"}},
		{"/ui/jobs/supply/inventory-sync/nope", 404, []string{"Back to the fleet"}},
		{"/ui/teams/nope", 404, []string{"No team nope"}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			code, body := get(t, g.status, tc.path)
			require.Equal(t, tc.code, code)
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("%s does not say %q", tc.path, w)
				}
			}
		})
	}
	t.Run("/ goes to the fleet", func(t *testing.T) {
		rec := httptest.NewRecorder()
		g.status.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		require.Equal(t, http.StatusFound, rec.Code)
		require.Equal(t, "/ui/", rec.Header().Get("Location"))
	})
	t.Run("read-only", func(t *testing.T) {
		for _, p := range []string{"/ui/", "/api/v1/fleet"} {
			rec := httptest.NewRecorder()
			g.status.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, p, strings.NewReader("x")))
			require.Equal(t, http.StatusMethodNotAllowed, rec.Code, p)
		}
	})
	t.Run("assets are embedded", func(t *testing.T) {
		for _, p := range []string{"/ui/assets/style.css", "/ui/assets/status.js"} {
			code, body := get(t, g.status, p)
			require.Equal(t, 200, code, p)
			require.NotEmpty(t, body)
		}
	})
}
