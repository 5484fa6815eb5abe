package status

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/alerting"
	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/history"
)

// staticSnapshots serves one snapshot.
type staticSnapshots struct{ s *fleet.Snapshot }

func (s staticSnapshots) Load() *fleet.Snapshot { return s.s }

type staticIncidents []alerting.IncidentView

func (s staticIncidents) Incidents() []alerting.IncidentView { return s }

// bigFleet is n jobs in 300 namespaces of 40 teams, one in twenty
// unhealthy with a verdict and an open incident with a trail, every job
// with Kafka lag, and hours of history of all of them.
func bigFleet(b testing.TB, n int, hours int) *Handler {
	b.Helper()
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	snap := &fleet.Snapshot{Seq: 1}
	var incs staticIncidents
	for i := range n {
		ts := fleet.TargetStatus{
			Target: fleet.Target{Namespace: fmt.Sprintf("ns-%03d", i%300), Deployment: fmt.Sprintf("deployment-%05d", i),
				Owner: fleet.Owner{Team: fmt.Sprintf("team-%02d", i%40)}, URL: "http://jm:8081"},
			Up: true, FlinkVersion: "1.20.1", TaskManagers: 2, SlotsTotal: 4,
		}
		js := fleet.JobStatus{Name: fmt.Sprintf("job-%05d", i), ID: fmt.Sprintf("%032x", i), State: fleet.StateRunning, Expected: true, Healthy: true,
			CheckpointingEnabled: true, CheckpointsProgressing: true, HasKafkaLag: true, KafkaLagSecondsKnown: true}
		if i%20 == 0 {
			js.Healthy, js.Reasons = false, []fleet.Reason{fleet.ReasonTooManyRestarts, fleet.ReasonCheckpointsStalled}
			d := fleet.Decision{Route: fleet.Routes[i/20%3], Category: "tm_heartbeat_timeout", Reason: "a TaskManager stopped answering heartbeats", Hint: "check the TaskManager pods", Rule: "tm-heartbeat"}
			f := &fleet.Failure{JobRef: ts.Job(js.Name), Owner: ts.Owner, Time: at, Decision: d, Exception: "java.util.concurrent.TimeoutException", Excerpt: "java.util.concurrent.TimeoutException: Heartbeat of TaskManager timed out.\n\tat x.y(Z.java:1)"}
			js.Verdict, js.LastFailure = &fleet.Verdict{ExplainedBy: f}, f
			key := incident.Key{JobRef: f.JobRef, Category: d.Category}
			incs = append(incs, alerting.IncidentView{Key: key, Route: d.Route, Open: true, Opened: at, LastFailure: at, Total: 3, Decision: d, Owner: ts.Owner,
				Trail: []alerting.TrailEntry{{Action: incident.Trigger, At: at, Route: d.Route, Summary: "job failed", Deliveries: []alerting.Outcome{{Sink: "slack", Destination: "slack #x", Result: "sent", At: at}}}}})
		}
		ts.Jobs = []fleet.JobStatus{js}
		snap.Targets = append(snap.Targets, ts)
	}
	h := history.New(history.Options{})
	for c := range hours * 240 {
		snap.Finished = at.Add(time.Duration(c) * 15 * time.Second)
		for i := range snap.Targets {
			js := &snap.Targets[i].Jobs[0]
			js.CheckpointsCompleted += 3
			js.KafkaLagRecords, js.KafkaLagSeconds = float64((c+i)%4)*2500, float64((c+i)%4)*5
		}
		h.Apply(snap)
	}
	return New(Options{Snapshots: staticSnapshots{snap}, History: h, Incidents: incs, Now: func() time.Time { return snap.Finished }})
}

func benchGet(b *testing.B, h http.Handler, path string) {
	b.Helper()
	var size int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size)/1e6, "MB")
}

// BenchmarkFleetPage5000Jobs is the target: < 100 ms.
func BenchmarkFleetPage5000Jobs(b *testing.B) {
	benchGet(b, bigFleet(b, 5000, 1), "/ui/")
}

func BenchmarkFleetAPI5000Jobs(b *testing.B) {
	benchGet(b, bigFleet(b, 5000, 1), "/api/v1/fleet")
}

// BenchmarkJobPage is the target: < 20 ms, with 6 h of history
// in a fleet of 5,000 jobs.
func BenchmarkJobPage(b *testing.B) {
	benchGet(b, bigFleet(b, 5000, 6), "/ui/jobs/ns-000/deployment-00000/job-00000")
}

func BenchmarkJobAPI(b *testing.B) {
	benchGet(b, bigFleet(b, 5000, 6), "/api/v1/jobs/ns-000/deployment-00000/job-00000")
}
