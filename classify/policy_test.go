package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

func testPolicy(t *testing.T) *Policy {
	t.Helper()
	c, err := New(conventions)
	if err != nil {
		t.Fatal(err)
	}
	return NewPolicy(c, func() time.Time { return t0 })
}

// TestHealthRoutes: an unhealthy job nothing explains goes to whoever can
// act on its reasons and state — never a page the platform cannot act on.
func TestHealthRoutes(t *testing.T) {
	p := testPolicy(t)
	tests := []struct {
		name    string
		reasons []fleet.Reason
		state   fleet.JobState
		route   fleet.Route
		rule    string
	}{
		{"failed without an exception", []fleet.Reason{fleet.ReasonNotRunning}, fleet.StateFailed, fleet.Page, "health-failed"},
		{"cancelled by someone", []fleet.Reason{fleet.ReasonNotRunning}, fleet.StateCanceled, fleet.Notify, "health-cancelled"},
		{"finished", []fleet.Reason{fleet.ReasonNotRunning}, fleet.StateFinished, fleet.Notify, "health-finished"},
		{"restarting", []fleet.Reason{fleet.ReasonNotRunning}, fleet.StateRestarting, fleet.Monitor, "health-restarting"},
		{"a state from a newer Flink", []fleet.Reason{fleet.ReasonNotRunning}, "PAUSED", fleet.Page, "health-not-running"},
		{"restart storm outranks its state", []fleet.Reason{fleet.ReasonNotRunning, fleet.ReasonTooManyRestarts}, fleet.StateRestarting, fleet.Page, "health-restart-storm"},
		{"JobManager unreachable", []fleet.Reason{fleet.ReasonUnreachable}, "", fleet.Monitor, "health-jobmanager-unreachable"},
		{"checkpoints stalled", []fleet.Reason{fleet.ReasonCheckpointsStalled}, fleet.StateRunning, fleet.Monitor, "health-checkpoints-stalled"},
		{"lagging", []fleet.Reason{fleet.ReasonKafkaLagging}, fleet.StateRunning, fleet.Notify, "health-kafka-lagging"},
		{"stalled and lagging: monitor first", []fleet.Reason{fleet.ReasonCheckpointsStalled, fleet.ReasonKafkaLagging}, fleet.StateRunning, fleet.Monitor, "health-checkpoints-stalled"},
		{"job missing", []fleet.Reason{fleet.ReasonJobMissing}, "", fleet.Page, "health-job-missing"},
		// A stuck job brings its Kafka reasons along; it pages once, as
		// itself, not as a lag the owners are told about.
		{"stuck", []fleet.Reason{fleet.ReasonNoProgress}, fleet.StateRunning, fleet.Page, "health-no-progress"},
		{"stuck, lag growing, commits still", []fleet.Reason{fleet.ReasonKafkaLagging, fleet.ReasonKafkaStalled, fleet.ReasonNoProgress}, fleet.StateRunning, fleet.Page, "health-no-progress"},
		{"stuck while tasks wait for slots", []fleet.Reason{fleet.ReasonTasksNotRunning, fleet.ReasonNoProgress}, fleet.StateRunning, fleet.Monitor, "health-tasks-not-running"},
		{"back-pressured: the owners' sizing", []fleet.Reason{fleet.ReasonBackpressured}, fleet.StateRunning, fleet.Monitor, "health-backpressured"},
		{"back-pressured and lagging", []fleet.Reason{fleet.ReasonKafkaLagging, fleet.ReasonBackpressured}, fleet.StateRunning, fleet.Monitor, "health-backpressured"},
		{"checkpoint headroom used up", []fleet.Reason{fleet.ReasonCheckpointHeadroom}, fleet.StateRunning, fleet.Notify, "health-checkpoint-headroom"},
		{"headroom gone and stalled", []fleet.Reason{fleet.ReasonCheckpointsStalled, fleet.ReasonCheckpointHeadroom}, fleet.StateRunning, fleet.Monitor, "health-checkpoints-stalled"},
		{"watermark lagging (opt-in)", []fleet.Reason{fleet.ReasonWatermarkLagging}, fleet.StateRunning, fleet.Notify, "health-watermark-lagging"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &fleet.JobStatus{Name: "j", ID: "a1", State: tt.state, Expected: true, Reasons: tt.reasons}
			v := p.Health(Health{Job: j, UnhealthySince: t0, Now: t0.Add(time.Minute)})
			d := v.Decision
			if v.ExplainedBy != nil || d.Route != tt.route || d.Rule != tt.rule || d.Category != fleet.CategoryUnhealthy {
				t.Errorf("got %s by %s (%s), explained %v; want %s by %s, category %s", d.Route, d.Rule, d.Category, v.ExplainedBy, tt.route, tt.rule, fleet.CategoryUnhealthy)
			}
			if !strings.Contains(d.Reason, "no classified failure explains it") || d.Hint == "" {
				t.Errorf("reason %q, hint %q: want the reasons named and a hint", d.Reason, d.Hint)
			}
		})
	}
}

// TestHealthNamesTheBottleneck: a back-pressured job's message says which
// vertex holds it back; other reasons do not mention one.
func TestHealthNamesTheBottleneck(t *testing.T) {
	p := testPolicy(t)
	j := &fleet.JobStatus{Name: "j", ID: "a1", State: fleet.StateRunning, Expected: true, Reasons: []fleet.Reason{fleet.ReasonBackpressured},
		Detail: fleet.JobDetail{HasBackpressure: true, Bottleneck: "Enrich with customers", BottleneckBusyRatio: 0.98}}
	d := p.Health(Health{Job: j, UnhealthySince: t0, Now: t0.Add(time.Minute)}).Decision
	if !strings.Contains(d.Reason, `bottleneck is vertex "Enrich with customers"`) {
		t.Errorf("back-pressured: reason %q, want the bottleneck named", d.Reason)
	}
	j.Reasons = []fleet.Reason{fleet.ReasonKafkaLagging}
	if d := p.Health(Health{Job: j, UnhealthySince: t0, Now: t0.Add(time.Minute)}).Decision; strings.Contains(d.Reason, "bottleneck") {
		t.Errorf("lagging only: reason %q names a bottleneck", d.Reason)
	}
}

// TestHealthExplained: a failure of the job's current run since it was
// last healthy explains the outage; nothing else does.
func TestHealthExplained(t *testing.T) {
	p := testPolicy(t)
	lastHealthy := t0.Add(-10 * time.Minute)
	acl := &fleet.Failure{JobID: "run-2", Time: t0.Add(-5 * time.Minute), Decision: fleet.Decision{Route: fleet.Notify, Category: "kafka_topic_authorization"}}
	tests := []struct {
		name        string
		job         fleet.Failure
		deployment  *fleet.Failure
		lastHealthy time.Time
		explained   bool
	}{
		{"the run's own failure", *acl, nil, lastHealthy, true},
		{"already failing when flinkslo started", *acl, nil, time.Time{}, true},
		{"an earlier run's failure", func() fleet.Failure { f := *acl; f.JobID = "run-1"; return f }(), nil, lastHealthy, false},
		{"a failure before the job was last healthy", func() fleet.Failure { f := *acl; f.Time = lastHealthy.Add(-time.Hour); return f }(), nil, lastHealthy, false},
		{"a failure just before the last healthy sighting", func() fleet.Failure { f := *acl; f.Time = lastHealthy.Add(-30 * time.Second); return f }(), nil, lastHealthy, true},
		{"a side effect explains nothing", func() fleet.Failure { f := *acl; f.Decision.SideEffect = true; return f }(), nil, lastHealthy, false},
		{"the deployment's pod failure", fleet.Failure{}, &fleet.Failure{Time: t0.Add(-time.Minute), Decision: fleet.Decision{Route: fleet.Notify, Category: "image_pull_tenant"}}, lastHealthy, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &fleet.JobStatus{Name: "j", ID: "run-2", State: fleet.StateRestarting, Expected: true, Reasons: []fleet.Reason{fleet.ReasonNotRunning, fleet.ReasonTooManyRestarts}}
			if tt.job.Decision.Route != "" {
				f := tt.job
				j.LastFailure = &f
			}
			v := p.Health(Health{Job: j, Deployment: tt.deployment, LastHealthy: tt.lastHealthy, UnhealthySince: t0, Now: t0})
			if got := v.ExplainedBy != nil; got != tt.explained {
				t.Fatalf("explained = %v, want %v (decision %s by %s)", got, tt.explained, v.Decision.Route, v.Decision.Rule)
			}
			if !tt.explained && v.Decision.Route != fleet.Page {
				t.Errorf("unexplained restart storm routes %s, want page", v.Decision.Route)
			}
		})
	}
}

// TestHealthEscalatesWhenItLasts: an unexplained monitor outage pages
// once it outlasts its rule's escalateAfter, with a hint for the pager.
func TestHealthEscalatesWhenItLasts(t *testing.T) {
	p := testPolicy(t)
	j := &fleet.JobStatus{Name: "j", Expected: true, Stale: true, Reasons: []fleet.Reason{fleet.ReasonUnreachable}}
	early := p.Health(Health{Job: j, UnhealthySince: t0, Now: t0.Add(29 * time.Minute)}).Decision
	if early.Route != fleet.Monitor || early.Escalated {
		t.Fatalf("after 29m: got %s escalated=%v, want monitor", early.Route, early.Escalated)
	}
	late := p.Health(Health{Job: j, UnhealthySince: t0, Now: t0.Add(31 * time.Minute)}).Decision
	if late.Route != fleet.Page || !late.Escalated || late.RuleRoute != fleet.Monitor {
		t.Fatalf("after 31m: got %s escalated=%v rule route %s, want an escalated page", late.Route, late.Escalated, late.RuleRoute)
	}
	if !strings.Contains(late.Reason, "unhealthy for 31m") || !strings.HasPrefix(late.Hint, "Platform - ") || strings.Contains(late.Hint, "Nothing to do") {
		t.Errorf("escalated reason %q, hint %q: want how long, and a hint for the on-call", late.Reason, late.Hint)
	}
}

const tmHeartbeat = "java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id ledger-taskmanager-3-1(10.42.9.3:6122) timed out.\n" +
	"\tat org.apache.flink.runtime.jobmaster.JobMaster$TaskManagerHeartbeatListener.notifyHeartbeatTimeout(JobMaster.java:1500)\n"

// TestEscalatedPageSaysWhatToDo: when a transient cause escalates, the
// page tells the on-call what to do, not "nothing to do unless it repeats".
func TestEscalatedPageSaysWhatToDo(t *testing.T) {
	p := testPolicy(t)
	job := fleet.JobRef{Namespace: "ledger", Deployment: "ledger", Job: "ledger"}
	var d fleet.Decision
	for i := range config.DefaultEscalationCount {
		d = p.Failure(job, fleet.Evidence{Source: fleet.SourceFlinkREST, Stacktrace: tmHeartbeat, Timestamp: t0.Add(time.Duration(i) * time.Minute)})
		if i < config.DefaultEscalationCount-1 && (d.Route != fleet.Monitor || !strings.HasPrefix(d.Hint, "Nothing to do")) {
			t.Fatalf("occurrence %d: got %s %q, want monitor with the channel's hint", i+1, d.Route, d.Hint)
		}
	}
	if d.Category != "tm_heartbeat_timeout" || d.Route != fleet.Page || !d.Escalated {
		t.Fatalf("got %s/%s escalated=%v, want an escalated page", d.Route, d.Category, d.Escalated)
	}
	if !strings.HasPrefix(d.Hint, "Platform - ") || strings.Contains(d.Hint, "Nothing to do") || !strings.Contains(d.Hint, "TaskManager pods") {
		t.Errorf("escalated hint %q: want the rule's escalatedHint for the on-call", d.Hint)
	}

	terminal := "org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000)\n" +
		"\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:180)\n" +
		"Caused by: " + tmHeartbeat
	d = p.Failure(fleet.JobRef{Job: "other"}, fleet.Evidence{Source: fleet.SourceFlinkREST, Stacktrace: terminal, Timestamp: t0})
	if d.Route != fleet.Page || !strings.HasPrefix(d.Hint, "The job has stopped restarting") {
		t.Errorf("terminal: got %s %q, want a page saying the job stays down", d.Route, d.Hint)
	}
}

// TestCheckpointSideEffect: a failed checkpoint of a job that is not
// running follows from the job's own failure; of a running job it does not.
func TestCheckpointSideEffect(t *testing.T) {
	p := testPolicy(t)
	ev := fleet.Evidence{Source: fleet.SourceCheckpoint, Stacktrace: "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.", Timestamp: t0}
	for state, want := range map[fleet.JobState]bool{fleet.StateRunning: false, fleet.StateRestarting: true, "": false} {
		ev.State = state
		if got := p.Failure(fleet.JobRef{Job: string(state)}, ev).SideEffect; got != want {
			t.Errorf("state %q: side effect %v, want %v", state, got, want)
		}
	}
}

// TestEchoesAreSideEffects: what is by nature the consequence of another
// failure (a task cancelled for a failover, a checkpoint aborted because the
// job changed) is counted but neither sent nor taken as an explanation.
func TestEchoesAreSideEffects(t *testing.T) {
	p := testPolicy(t)
	for name, ev := range map[string]fleet.Evidence{
		"checkpoint aborted by the job's restart": {Source: fleet.SourceCheckpoint, Stacktrace: "Checkpoint Coordinator is suspending.", State: fleet.StateRunning, Timestamp: t0},
		"task cancelled for a failover":           {Source: fleet.SourceFlinkREST, Stacktrace: "org.apache.flink.runtime.execution.CancelTaskException: Buffer pool has already been destroyed.", Timestamp: t0},
	} {
		if d := p.Failure(fleet.JobRef{Job: name}, ev); !d.SideEffect {
			t.Errorf("%s: %s/%s not a side effect", name, d.Route, d.Category)
		}
	}
	if d := p.Failure(fleet.JobRef{Job: "expired"}, fleet.Evidence{Source: fleet.SourceCheckpoint, Stacktrace: "Checkpoint expired before completing.", State: fleet.StateRunning, Timestamp: t0}); d.SideEffect {
		t.Errorf("an expired checkpoint of a running job with no failure is an event of its own, got a side effect")
	}
}

// TestCheckpointCauseSpliced: the tolerable-failure exception has no cause;
// the failed checkpoint's message decides.
func TestCheckpointCauseSpliced(t *testing.T) {
	p := testPolicy(t)
	ev := fleet.Evidence{
		Source:            fleet.SourceFlinkREST,
		Stacktrace:        "org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to Asynchronous task checkpoint failed.\n\tat org.apache.flink.runtime.checkpoint.CheckpointFailureManager.checkFailureAgainstCounter(CheckpointFailureManager.java:212)\n",
		CheckpointFailure: trace(s3Denied, "s3a://plat-state-eu1"),
		Timestamp:         t0,
	}
	if d := p.Failure(fleet.JobRef{Job: "j"}, ev); d.Category != "checkpoint_storage_access_denied" || d.Route != fleet.Page {
		t.Errorf("with the checkpoint's cause: got %s/%s, want page/checkpoint_storage_access_denied", d.Route, d.Category)
	}
	ev.CheckpointFailure = ""
	if d := p.Failure(fleet.JobRef{Job: "k"}, ev); d.Category == "checkpoint_storage_access_denied" {
		t.Errorf("without it: got %s, want the generic checkpoint category", d.Category)
	}
}

// TestHealthRules: the list the Prometheus alerts mirror has a rule for
// every reason, the state-specific ones before the catch-all.
func TestHealthRules(t *testing.T) {
	c, err := New(conventions)
	if err != nil {
		t.Fatal(err)
	}
	byReason := map[fleet.Reason][]HealthRule{}
	for _, h := range c.HealthRules() {
		byReason[h.Reason] = append(byReason[h.Reason], h)
	}
	for _, r := range fleet.Reasons {
		hs := byReason[r]
		if len(hs) == 0 {
			t.Errorf("reason %s: no health rule", r)
			continue
		}
		if last := hs[len(hs)-1]; len(last.States) != 0 {
			t.Errorf("reason %s: last rule %s has states %v, want a catch-all", r, last.ID, last.States)
		}
	}
	var ids []string
	for _, h := range byReason[fleet.ReasonNotRunning] {
		ids = append(ids, h.ID)
	}
	if got, want := strings.Join(ids, " "), "health-failed health-cancelled health-finished health-restarting health-not-running"; got != want {
		t.Errorf("not_running rules %q, want %q", got, want)
	}
}
