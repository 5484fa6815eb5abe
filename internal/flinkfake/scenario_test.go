package flinkfake

import (
	"strings"
	"testing"
	"time"
)

func TestHealthyCompletesACheckpointEveryInterval(t *testing.T) {
	f := newFixture(t, Options{CheckpointInterval: 10 * time.Second})
	var before, after checkpointsJSON
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &before)
	f.clk.Advance(60 * time.Second)
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &after)
	if d := after.Counts.Completed - before.Counts.Completed; d != 6 {
		t.Errorf("completed grew by %d in 60s, want 6 (interval 10s)", d)
	}
	if after.Counts.Failed != before.Counts.Failed {
		t.Errorf("failed went %d → %d, want unchanged", before.Counts.Failed, after.Counts.Failed)
	}
	c := after.Latest.Completed
	if c == nil || c.ClassName != "completed" {
		t.Fatalf("latest.completed = %+v, want a completed checkpoint", c)
	}
	if age := f.clk.Now().Sub(time.UnixMilli(c.LatestAck)); age < 0 || age > 10*time.Second {
		t.Errorf("latest completed acknowledged %s ago, want within one interval", age)
	}
	m := metrics(t, f.jm, f.id, "numberOfCompletedCheckpoints,numRestarts")
	if m["numberOfCompletedCheckpoints"] != after.Counts.Completed || m["numRestarts"] != 0 {
		t.Errorf("metrics %v disagree with counts.completed %d / 0 restarts", m, after.Counts.Completed)
	}
	if len(after.History) != checkpointHistorySize || after.History[0].ID <= after.History[1].ID {
		t.Errorf("history has %d entries starting %d, %d; want %d, newest first",
			len(after.History), after.History[0].ID, after.History[1].ID, checkpointHistorySize)
	}
}

func TestRestartLoopCyclesAndRecordsExceptions(t *testing.T) {
	f := newFixture(t, Options{
		Version: V1_19, RestartEvery: 30 * time.Second, RestartDelay: 10 * time.Second,
		Jobs: []JobSpec{{Name: "orders", Scenario: RestartLoop, Failure: UserConfig}},
	})
	m0 := metrics(t, f.jm, f.id, "numRestarts")["numRestarts"]
	if m0 != 20 {
		t.Errorf("after 10 minutes of 30s cycles numRestarts = %d, want 20", m0)
	}
	states := map[string]bool{}
	for range 6 {
		f.clk.Advance(5 * time.Second)
		var ov jobsOverviewJSON
		get(t, f.jm, "/jobs/overview", &ov)
		states[ov.Jobs[0].State] = true
	}
	if !states["RUNNING"] || !states["RESTARTING"] {
		t.Errorf("states over one cycle %v, want RUNNING and RESTARTING", states)
	}
	if m := metrics(t, f.jm, f.id, "numRestarts")["numRestarts"]; m != m0+1 {
		t.Errorf("numRestarts after one more cycle = %d, want %d", m, m0+1)
	}
	var ex exceptionsJSON
	get(t, f.jm, "/jobs/"+f.id+"/exceptions", &ex)
	if n := len(ex.History.Entries); n != exceptionHistorySize {
		t.Fatalf("history has %d entries, want the %d Flink keeps", n, exceptionHistorySize)
	}
	e := ex.History.Entries[0]
	if e.ExceptionName != "java.lang.RuntimeException" || !strings.Contains(e.Stacktrace, "Caused by: org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [orders.v1]") {
		t.Errorf("newest entry %s, trace %q: want the Kafka authorization chain", e.ExceptionName, truncate(e.Stacktrace))
	}
	if e.TaskName == nil || e.Endpoint == nil || e.TaskManagerID == nil || e.Location == nil {
		t.Errorf("a task failure on 1.19 has taskName, endpoint, location and taskManagerId; got %+v", e)
	}
	if ex.History.Entries[1].Timestamp >= e.Timestamp {
		t.Errorf("entries not newest first: %d then %d", e.Timestamp, ex.History.Entries[1].Timestamp)
	}
	var cp checkpointsJSON
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &cp)
	if cp.Counts.Restored != 21 || cp.Latest.Restored == nil {
		t.Errorf("restored %d (latest %+v), want one restore per recovery (21)", cp.Counts.Restored, cp.Latest.Restored)
	}
}

func TestCheckpointsStalledNeverComplete(t *testing.T) {
	f := newFixture(t, Options{Jobs: []JobSpec{{Name: "orders", Scenario: CheckpointsStalled}}})
	var a, b checkpointsJSON
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &a)
	f.clk.Advance(30 * time.Minute)
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &b)
	if b.Counts.Completed != a.Counts.Completed || b.Counts.InProgress != 1 {
		t.Errorf("completed %d → %d with %d in progress; want no change and one stuck", a.Counts.Completed, b.Counts.Completed, b.Counts.InProgress)
	}
	if age := f.clk.Now().Sub(time.UnixMilli(b.Latest.Completed.LatestAck)); age < 40*time.Minute {
		t.Errorf("last completed checkpoint is %s old, want older than the stall (40m)", age)
	}
	var ov jobsOverviewJSON
	get(t, f.jm, "/jobs/overview", &ov)
	if ov.Jobs[0].State != "RUNNING" {
		t.Errorf("state %s, want RUNNING", ov.Jobs[0].State)
	}
}

func TestCheckpointsFailingCountsFailures(t *testing.T) {
	f := newFixture(t, Options{CheckpointInterval: 10 * time.Second, Jobs: []JobSpec{{Name: "orders", Scenario: CheckpointsFailing, Failure: CheckpointStorage}}})
	var a, b checkpointsJSON
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &a)
	f.clk.Advance(time.Minute)
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &b)
	if d := b.Counts.Failed - a.Counts.Failed; d != 6 {
		t.Errorf("failed grew by %d in a minute, want 6", d)
	}
	if b.Counts.Completed != a.Counts.Completed {
		t.Errorf("completed changed %d → %d, want none", a.Counts.Completed, b.Counts.Completed)
	}
	if lf := b.Latest.Failed; lf == nil || lf.FailureMessage != msgAsync || lf.ClassName != "failed" {
		t.Errorf("latest.failed = %+v, want className failed and %q", lf, msgAsync)
	}
	for _, h := range b.History {
		if h.Status == "FAILED" && h.FailureMessage == "" {
			t.Errorf("history checkpoint %d FAILED without failure_message", h.ID)
		}
	}
}

func TestFailedIsTerminalWithSuppressedRecovery(t *testing.T) {
	f := newFixture(t, Options{Version: V2_0, Jobs: []JobSpec{{Name: "orders", Scenario: Failed, Failure: PlatformBug}}})
	var ov jobsOverviewJSON
	get(t, f.jm, "/jobs/overview", &ov)
	if j := ov.Jobs[0]; j.State != "FAILED" || j.EndTime <= 0 || j.Tasks["failed"] != 1 {
		t.Errorf("job %+v: want FAILED with an end-time and one failed task", j)
	}
	var ex exceptionsJSON
	get(t, f.jm, "/jobs/"+f.id+"/exceptions", &ex)
	e := ex.History.Entries[0]
	if !strings.HasPrefix(e.Stacktrace, "org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy") {
		t.Errorf("terminal entry starts %q", truncate(e.Stacktrace))
	}
	if !strings.Contains(e.Stacktrace, `Caused by: java.lang.NullPointerException: Cannot invoke "org.apache.flink.runtime.state.KeyGroupRange`) {
		t.Errorf("2.x runs Java 17: want the helpful NPE message in %q", truncate(e.Stacktrace))
	}
	if ex.RootException != nil {
		t.Errorf("2.0 dropped root-exception, got %q", truncate(*ex.RootException))
	}
	var o overviewJSON
	get(t, f.jm, "/overview", &o)
	if o.JobsFailed != 1 || o.JobsRunning != 0 {
		t.Errorf("overview %+v: want 1 failed, 0 running", o)
	}
	if m := metrics(t, f.jm, f.id, "uptime,downtime"); m["uptime"] != -1 || m["downtime"] != -1 {
		t.Errorf("uptime/downtime of a terminal job = %v, want -1", m)
	}
}

func TestTasksNotRunning(t *testing.T) {
	f := newFixture(t, Options{Jobs: []JobSpec{{Name: "orders", Scenario: TasksNotRunning}}})
	var ov jobsOverviewJSON
	get(t, f.jm, "/jobs/overview", &ov)
	tk := ov.Jobs[0].Tasks
	if ov.Jobs[0].State != "RUNNING" || tk["running"] >= tk["total"] || tk["deploying"] == 0 || tk["scheduled"] == 0 {
		t.Errorf("state %s tasks %v: want RUNNING with some DEPLOYING and SCHEDULED", ov.Jobs[0].State, tk)
	}
	var a, b checkpointsJSON
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &a)
	f.clk.Advance(time.Minute)
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &b)
	if a.Counts.Total != b.Counts.Total {
		t.Errorf("checkpoints triggered while tasks are not running: total %d → %d", a.Counts.Total, b.Counts.Total)
	}
}

func TestCheckpointingDisabled(t *testing.T) {
	f := newFixture(t, Options{Jobs: []JobSpec{{Name: "orders", Scenario: CheckpointingDisabled}}})
	for path, want := range map[string]string{
		"/jobs/" + f.id + "/checkpoints":        "Checkpointing has not been enabled.",
		"/jobs/" + f.id + "/checkpoints/config": "Checkpointing is not enabled for this job (" + f.id + ").",
	} {
		var e errorsJSON
		if code := get(t, f.jm, path, &e); code != 404 || len(e.Errors) != 1 || !strings.Contains(strings.SplitN(e.Errors[0], "\n", 2)[0], want) {
			t.Errorf("GET %s = %d %q, want 404 saying %q", path, code, e.Errors, want)
		}
	}
	m := metrics(t, f.jm, f.id, "numRestarts,numberOfCompletedCheckpoints,lastCheckpointDuration")
	if _, ok := m["numberOfCompletedCheckpoints"]; ok || len(m) != 1 {
		t.Errorf("metrics %v: without checkpointing only numRestarts exists", m)
	}
}
