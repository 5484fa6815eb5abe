package flink

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fakeClient serves a JobManager with o and returns a client for it.
func fakeClient(t *testing.T, o flinkfake.Options) (*Client, *flinkfake.JobManager, *flinkfake.Clock) {
	t.Helper()
	clk := flinkfake.NewClock(t0)
	o.Now = clk.Now
	jm, srv := flinkfake.ServeJobManager(t, o)
	c, err := New(srv.URL, Options{HTTP: srv.Client(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c, jm, clk
}

func jobID(t *testing.T, jm *flinkfake.JobManager, name string) string {
	t.Helper()
	id, err := jm.JobID(name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestEveryVersion reads every endpoint of a JobManager of each version,
// with one job restarting in a loop (exceptions), one healthy (checkpoints)
// and one without checkpointing.
func TestEveryVersion(t *testing.T) {
	for _, v := range flinkfake.Versions() {
		t.Run(string(v), func(t *testing.T) {
			ctx := context.Background()
			c, jm, clk := fakeClient(t, flinkfake.Options{Version: v, Cluster: "orders", FailureLabels: true, Jobs: []flinkfake.JobSpec{
				{Name: "loop", Scenario: flinkfake.RestartLoop, Failure: flinkfake.Transient},
				{Name: "steady"},
				{Name: "nocp", Scenario: flinkfake.CheckpointingDisabled},
			}})
			loop, steady, nocp := jobID(t, jm, "loop"), jobID(t, jm, "steady"), jobID(t, jm, "nocp")
			checkOverview(t, c, v)
			checkJobs(ctx, t, c, v, loop, steady)
			checkCheckpoints(ctx, t, c, steady, clk.Now())
			checkExceptions(ctx, t, c, v, loop)
			checkMetrics(ctx, t, c, v, loop, steady)
			if _, err := c.Checkpoints(ctx, nocp); !errors.Is(err, ErrCheckpointingDisabled) || !errors.Is(err, ErrNotFound) {
				t.Errorf("checkpoints of a job without checkpointing: %v, want ErrCheckpointingDisabled (a 404)", err)
			}
			if _, err := c.CheckpointConfig(ctx, nocp); !errors.Is(err, ErrCheckpointingDisabled) {
				t.Errorf("checkpoint config of a job without checkpointing: %v, want ErrCheckpointingDisabled", err)
			}
		})
	}
}

func checkOverview(t *testing.T, c *Client, v flinkfake.Version) {
	t.Helper()
	ov, err := c.Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ov.FlinkVersion != v.Release() || ov.TaskManagers == 0 || ov.SlotsTotal == 0 || ov.JobsRunning != 3 {
		t.Errorf("overview %+v: want version %s, task managers, slots and 3 running jobs", ov, v.Release())
	}
}

func checkJobs(ctx context.Context, t *testing.T, c *Client, v flinkfake.Version, loop, steady string) {
	t.Helper()
	jobs, err := c.JobsOverview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 {
		t.Fatalf("%d jobs, want 3", len(jobs))
	}
	for _, j := range jobs {
		if !j.State.Known() || j.StartTime.Time().IsZero() || j.EndTime.Time() != (time.Time{}) || j.Tasks["total"] != 10 {
			t.Errorf("job %+v: want a known state, a start, no end (-1) and 10 tasks", j)
		}
	}
	d, err := c.Job(ctx, steady)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != steady || d.State != fleet.StateRunning || len(d.Vertices) != 3 || d.Timestamps[fleet.StateRunning] == 0 || d.Now == 0 {
		t.Errorf("details %+v: want RUNNING with 3 vertices and a RUNNING timestamp", d)
	}
	if wantType := v >= "1.20"; (d.JobType == "STREAMING") != wantType {
		t.Errorf("job-type %q on %s (present from 1.20)", d.JobType, v)
	}
	if d.Vertices[0].Tasks["RUNNING"] != d.Vertices[0].Parallelism {
		t.Errorf("vertex %+v: want all subtasks RUNNING", d.Vertices[0])
	}
}

func checkCheckpoints(ctx context.Context, t *testing.T, c *Client, id string, now time.Time) {
	t.Helper()
	cp, err := c.Checkpoints(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	lc := cp.Latest.Completed
	if lc == nil || lc.ClassName != "completed" || lc.Status != "COMPLETED" || lc.ExternalPath == "" {
		t.Fatalf("latest.completed = %+v", lc)
	}
	if age := now.Sub(lc.LatestAckTimestamp.Time()); age < 0 || age > 10*time.Second {
		t.Errorf("latest checkpoint acknowledged %s ago, want within the interval", age)
	}
	if cp.Latest.Savepoint != nil || cp.Latest.Restored != nil {
		t.Errorf("latest savepoint %+v restored %+v: explicit nulls must decode as nil", cp.Latest.Savepoint, cp.Latest.Restored)
	}
	if cp.Counts.Completed == 0 || len(cp.History) != 10 || cp.Summary.EndToEndDuration.Avg == 0 {
		t.Errorf("counts %+v, %d history entries, summary %+v", cp.Counts, len(cp.History), cp.Summary)
	}
	cc, err := c.CheckpointConfig(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Mode != "exactly_once" || cc.Interval() != 10*time.Second || cc.Timeout() != 10*time.Minute {
		t.Errorf("checkpoint config %+v", cc)
	}
}

func checkExceptions(ctx context.Context, t *testing.T, c *Client, v flinkfake.Version, id string) {
	t.Helper()
	ex, err := c.Exceptions(ctx, id, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Entries) != 5 || !ex.Truncated {
		t.Fatalf("%d entries truncated=%v, want 5 of 16, truncated", len(ex.Entries), ex.Truncated)
	}
	e := ex.Entries[0]
	if e.ExceptionName != "java.util.concurrent.TimeoutException" || !strings.HasPrefix(e.Stacktrace, e.ExceptionName+": Heartbeat of TaskManager") {
		t.Errorf("entry %s: %.80q", e.ExceptionName, e.Stacktrace)
	}
	if e.TaskName == "" || !strings.HasSuffix(e.Where(), ":6121") {
		t.Errorf("task %q where %q: want a task failure with its TaskManager (endpoint or location)", e.TaskName, e.Where())
	}
	if (e.TaskManagerID != "") != (v >= "1.17") {
		t.Errorf("taskManagerId %q on %s (from 1.17)", e.TaskManagerID, v)
	}
	if (e.FailureLabels["TYPE"] == "SYSTEM") != (v >= "1.18") {
		t.Errorf("failureLabels %v on %s (from 1.18)", e.FailureLabels, v)
	}
	if len(e.Concurrent) != 1 || e.Concurrent[0].TaskName == e.TaskName {
		t.Errorf("concurrent %+v: want the other subtask on the lost TaskManager", e.Concurrent)
	}
	if !ex.Entries[0].Timestamp.Time().After(ex.Entries[1].Timestamp.Time()) {
		t.Error("entries are not newest first")
	}
}

func checkMetrics(ctx context.Context, t *testing.T, c *Client, v flinkfake.Version, loop, steady string) {
	t.Helper()
	names := []string{"numRestarts", "fullRestarts", "uptime", "numberOfCompletedCheckpoints", "lastCheckpointCompletedTimestamp", "lastCheckpointExternalPath", "nope"}
	m, err := c.JobMetrics(ctx, loop, names...)
	if err != nil {
		t.Fatal(err)
	}
	if m["numRestarts"] < 20 {
		t.Errorf("numRestarts %v, want the loop's restarts", m["numRestarts"])
	}
	if _, ok := m["fullRestarts"]; ok != (v < "2.0") {
		t.Errorf("fullRestarts present %v on %s (removed in 2.0)", ok, v)
	}
	if _, ok := m["lastCheckpointExternalPath"]; ok {
		t.Error("a path is not a number and must be left out")
	}
	if _, ok := m["nope"]; ok {
		t.Error("an unknown metric must be absent")
	}
	s, err := c.JobMetrics(ctx, steady, names...)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s["lastCheckpointCompletedTimestamp"]; ok != (v >= "2.0") {
		t.Errorf("lastCheckpointCompletedTimestamp present %v on %s (from 2.0)", ok, v)
	}
	if s["numberOfCompletedCheckpoints"] == 0 || s["uptime"] <= 0 {
		t.Errorf("steady job metrics %v", s)
	}
}

func TestLegacyRootExceptionFallback(t *testing.T) {
	body := `{"root-exception":"java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)\n","timestamp":1718000000000,"all-exceptions":[],"truncated":false,"exceptionHistory":{"entries":[],"truncated":false}}`
	ex, err := decodeExceptions([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Entries) != 1 || ex.Entries[0].ExceptionName != "java.lang.IllegalStateException" || ex.Entries[0].Timestamp != 1718000000000 {
		t.Errorf("entries %+v: want the root exception as one entry", ex.Entries)
	}
}
