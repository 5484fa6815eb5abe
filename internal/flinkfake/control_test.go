package flinkfake

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFailoverResetsCountsAndKeepsJobID(t *testing.T) {
	f := newFixture(t, Options{Jobs: []JobSpec{{Name: "orders", Scenario: RestartLoop}}})
	var before checkpointsJSON
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &before)
	f.clk.Advance(5 * time.Second)
	f.jm.Failover()
	id, _ := f.jm.JobID("orders")
	if id != f.id {
		t.Fatalf("job id %s after failover, want %s kept", id, f.id)
	}
	var ov jobsOverviewJSON
	get(t, f.jm, "/jobs/overview", &ov)
	if got := time.UnixMilli(ov.Jobs[0].StartTime); !got.Equal(f.clk.Now()) {
		t.Errorf("start-time %s, want the failover time %s", got, f.clk.Now())
	}
	if m := metrics(t, f.jm, f.id, "numRestarts,fullRestarts"); m["numRestarts"] != 0 || m["fullRestarts"] != 0 {
		t.Errorf("restarts after failover %v, want 0", m)
	}
	var cp checkpointsJSON
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &cp)
	if cp.Counts.Completed != 0 || cp.Counts.Failed != 0 || cp.Counts.Restored != 1 || cp.Latest.Completed != nil {
		t.Errorf("counts %+v latest.completed %v: want zeros, one restore, no completed checkpoint yet", cp.Counts, cp.Latest.Completed)
	}
	if cp.Latest.Restored == nil || cp.Latest.Restored.ID != before.Latest.Completed.ID {
		t.Errorf("restored %+v, want the last completed checkpoint %d", cp.Latest.Restored, before.Latest.Completed.ID)
	}
	var ex exceptionsJSON
	get(t, f.jm, "/jobs/"+f.id+"/exceptions", &ex)
	if len(ex.History.Entries) != 0 {
		t.Errorf("%d exceptions after failover, want the history lost with the JobMaster", len(ex.History.Entries))
	}
	f.jm.SetScenario(Healthy)
	f.clk.Advance(25 * time.Second)
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &cp)
	if cp.Counts.Completed != 2 || cp.Latest.Completed.ID <= before.Latest.Completed.ID {
		t.Errorf("after recovery completed %d, latest id %d: want 2 new ids above %d", cp.Counts.Completed, cp.Latest.Completed.ID, before.Latest.Completed.ID)
	}
}

func TestResubmitKeepsOldJobAsCanceled(t *testing.T) {
	f := newFixture(t, Options{})
	newID, err := f.jm.Resubmit("orders")
	if err != nil {
		t.Fatal(err)
	}
	if newID == f.id {
		t.Fatal("resubmission kept the job id")
	}
	var ov jobsOverviewJSON
	get(t, f.jm, "/jobs/overview", &ov)
	states := map[string]string{}
	for _, j := range ov.Jobs {
		states[j.ID] = j.State
		if j.Name != "orders" {
			t.Errorf("job %s named %q, want orders", j.ID, j.Name)
		}
	}
	if states[f.id] != "CANCELED" || states[newID] != "RUNNING" || len(states) != 2 {
		t.Errorf("jobs %v: want old CANCELED and new RUNNING", states)
	}
	var old jobJSON
	if code := get(t, f.jm, "/jobs/"+f.id, &old); code != 200 || old.EndTime <= 0 {
		t.Errorf("old job: %d end-time %d, want still served with an end-time", code, old.EndTime)
	}
	var o overviewJSON
	get(t, f.jm, "/overview", &o)
	if o.JobsCancelled != 1 || o.JobsRunning != 1 {
		t.Errorf("overview %+v: want 1 running, 1 cancelled", o)
	}
}

func TestAddVanishRemoveAndUnknownState(t *testing.T) {
	f := newFixture(t, Options{})
	second := f.jm.AddJob(JobSpec{Name: "payments", Scenario: Healthy})
	var ov jobsOverviewJSON
	get(t, f.jm, "/jobs/overview", &ov)
	if len(ov.Jobs) != 2 {
		t.Fatalf("%d jobs after AddJob, want 2", len(ov.Jobs))
	}
	if err := f.jm.Vanish("payments"); err != nil {
		t.Fatal(err)
	}
	get(t, f.jm, "/jobs/overview", &ov)
	if len(ov.Jobs) != 2 {
		t.Errorf("a vanished job is still listed in /jobs/overview; got %d jobs", len(ov.Jobs))
	}
	var e errorsJSON
	if code := get(t, f.jm, "/jobs/"+second, &e); code != 404 || !strings.HasPrefix(e.Errors[0], "org.apache.flink.runtime.rest.NotFoundException: Job "+second+" not found\n") {
		t.Errorf("vanished job: %d %q, want 404 NotFoundException", code, e.Errors)
	}
	var ms []metricJSON
	if code := get(t, f.jm, "/jobs/"+second+"/metrics?get=numRestarts", &ms); code != 200 || len(ms) != 0 {
		t.Errorf("metrics of a vanished job: %d %v, want 200 []", code, ms)
	}
	if err := f.jm.SetState("orders", "PAUSED"); err != nil {
		t.Fatal(err)
	}
	var st struct{ Status string }
	get(t, f.jm, "/jobs/"+f.id+"/status", &st)
	if st.Status != "PAUSED" {
		t.Errorf("status %q, want the unknown state PAUSED verbatim", st.Status)
	}
	if err := f.jm.RemoveJob("payments"); err != nil {
		t.Fatal(err)
	}
	get(t, f.jm, "/jobs/overview", &ov)
	if len(ov.Jobs) != 1 {
		t.Errorf("%d jobs after RemoveJob, want 1", len(ov.Jobs))
	}
	if err := f.jm.RemoveJob("nope"); err == nil {
		t.Error("RemoveJob of an unknown job: want an error")
	}
}

func TestSetJobScenarioKeepsCountersMonotonic(t *testing.T) {
	f := newFixture(t, Options{})
	var last checkpointsJSON
	get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &last)
	lastRestarts := int64(0)
	for _, s := range []Scenario{CheckpointsFailing, RestartLoop, CheckpointsStalled, Healthy, TasksNotRunning, Healthy} {
		if err := f.jm.SetJobScenario("orders", s, Transient); err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(95 * time.Second)
		var cp checkpointsJSON
		get(t, f.jm, "/jobs/"+f.id+"/checkpoints", &cp)
		if cp.Counts.Completed < last.Counts.Completed || cp.Counts.Failed < last.Counts.Failed || cp.Counts.Total < last.Counts.Total {
			t.Errorf("after %s counts went %+v → %+v", s, last.Counts, cp.Counts)
		}
		r := metrics(t, f.jm, f.id, "numRestarts")["numRestarts"]
		if r < lastRestarts {
			t.Errorf("after %s numRestarts went %d → %d", s, lastRestarts, r)
		}
		last, lastRestarts = cp, r
	}
}

func TestConcurrentRequestsAndControls(t *testing.T) {
	f := newFixture(t, Options{Jobs: []JobSpec{{Name: "orders", Scenario: RestartLoop}}})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for k := range 50 {
				path := []string{"/overview", "/jobs/overview", "/jobs/" + f.id + "/checkpoints", "/jobs/" + f.id + "/exceptions"}[(i+k)%4]
				get(t, f.jm, path, nil)
			}
		})
	}
	wg.Go(func() {
		for k := range 20 {
			f.clk.Advance(7 * time.Second)
			f.jm.SetScenario([]Scenario{Healthy, RestartLoop, CheckpointsFailing}[k%3])
			if k%5 == 0 {
				f.jm.Failover()
			}
		}
	})
	wg.Wait()
	if n := f.jm.Requests(); n != 400 {
		t.Errorf("Requests() = %d, want 400", n)
	}
}
