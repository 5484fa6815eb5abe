package classify

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

var t0 = time.Date(2025, 6, 11, 10, 0, 0, 0, time.UTC)

func monitorResult(category string) fleet.Decision {
	return fleet.Decision{Route: fleet.Monitor, RuleRoute: fleet.Monitor, Category: category, Reason: "a TaskManager stopped answering", Rule: "r"}
}

// testRecurrences observes by a job key string, as the tests name jobs.
type testRecurrences struct{ *recurrences }

func (e testRecurrences) Observe(job string, d fleet.Decision, at time.Time) fleet.Decision {
	return e.observe(fleet.JobRef{Job: job}, d, nil, at)
}

func newTestEscalator(now *time.Time) testRecurrences {
	return testRecurrences{newRecurrences(5, 30*time.Minute, func() time.Time { return *now })}
}

func TestEscalatorCountsOccurrencesInWindow(t *testing.T) {
	now := t0
	e := newTestEscalator(&now)
	var last fleet.Decision
	for i := range 5 {
		at := t0.Add(time.Duration(i) * 5 * time.Minute)
		last = e.Observe("prod/orders/enrich", monitorResult("tm_heartbeat_timeout"), at)
		if i < 4 && last.Route != fleet.Monitor {
			t.Fatalf("occurrence %d: got %s, want monitor below the count", i+1, last.Route)
		}
	}
	if last.Route != fleet.Page || !last.Escalated || last.Occurrences != 5 || !strings.Contains(last.Reason, "5 occurrences of tm_heartbeat_timeout within 30m") {
		t.Errorf("5th occurrence: got %s escalated=%v occurrences=%d %q; want page, escalated, 5, reason saying so", last.Route, last.Escalated, last.Occurrences, last.Reason)
	}
}

func TestEscalatorCountsEachOccurrenceOnce(t *testing.T) {
	now := t0
	e := newTestEscalator(&now)
	// Every scrape sees the exception history again: the same two failures
	// observed ten times are two occurrences.
	for range 10 {
		for _, at := range []time.Time{t0, t0.Add(time.Minute)} {
			if r := e.Observe("job", monitorResult("rpc_timeout"), at); r.Route != fleet.Monitor || r.Occurrences > 2 {
				t.Fatalf("got %s with %d occurrences, want monitor with at most 2", r.Route, r.Occurrences)
			}
		}
	}
}

func TestEscalatorWindow(t *testing.T) {
	now := t0
	e := newTestEscalator(&now)
	// Four occurrences, then the fifth exactly one window after the first:
	// the first no longer counts.
	for i := range 4 {
		e.Observe("job", monitorResult("kafka_disconnect"), t0.Add(time.Duration(i)*time.Minute))
	}
	if r := e.Observe("job", monitorResult("kafka_disconnect"), t0.Add(30*time.Minute)); r.Route != fleet.Monitor || r.Occurrences != 4 {
		t.Errorf("got %s with %d occurrences, want monitor with 4 (the first left the window)", r.Route, r.Occurrences)
	}
	if r := e.Observe("job", monitorResult("kafka_disconnect"), t0.Add(30*time.Minute+time.Second)); r.Route != fleet.Page {
		t.Errorf("got %s, want page at 5 within the window", r.Route)
	}
}

func TestEscalatorKeysAndRoutes(t *testing.T) {
	now := t0
	e := newTestEscalator(&now)
	for i := range 4 {
		at := t0.Add(time.Duration(i) * time.Minute)
		e.Observe("job-a", monitorResult("rpc_timeout"), at)
		e.Observe("job-b", monitorResult("rpc_timeout"), at)
		e.Observe("job-a", monitorResult("partition_not_found"), at)
	}
	at := t0.Add(10 * time.Minute)
	if r := e.Observe("job-a", monitorResult("rpc_timeout"), at); r.Route != fleet.Page {
		t.Errorf("job-a rpc_timeout 5th: got %s, want page", r.Route)
	}
	if r := e.Observe("job-b", monitorResult("node_lost"), at); r.Route != fleet.Monitor {
		t.Errorf("job-b other category: got %s, want monitor", r.Route)
	}
	notify := fleet.Decision{Route: fleet.Notify, RuleRoute: fleet.Notify, Category: "kafka_topic_authorization"}
	page := fleet.Decision{Route: fleet.Page, RuleRoute: fleet.Page, Category: "metaspace_oom", Reason: "x"}
	for i := range 20 {
		at := t0.Add(time.Duration(i) * time.Second)
		if r := e.Observe("job-a", notify, at); r.Route != fleet.Notify || r.Escalated {
			t.Fatalf("notify: got %s escalated=%v, want notify unchanged", r.Route, r.Escalated)
		}
		if r := e.Observe("job-a", page, at); r != page {
			t.Fatalf("page: got %+v, want it unchanged", r)
		}
	}
}

func TestEscalatorCountsTerminalEscalations(t *testing.T) {
	now := t0
	e := newTestEscalator(&now)
	terminal := monitorResult("tm_unreachable")
	terminal.Route, terminal.Escalated = fleet.Page, true
	for i := range 4 {
		r := e.Observe("job", terminal, t0.Add(time.Duration(i)*time.Minute))
		if r.Route != fleet.Page || strings.Count(r.Reason, "escalated") > 0 {
			t.Fatalf("an already escalated result: got %s %q, want page with no second escalation", r.Route, r.Reason)
		}
	}
	if r := e.Observe("job", monitorResult("tm_unreachable"), t0.Add(5*time.Minute)); r.Route != fleet.Page {
		t.Errorf("5th occurrence after four terminal ones: got %s, want page", r.Route)
	}
}

func TestEscalatorOutOfOrder(t *testing.T) {
	now := t0
	e := newTestEscalator(&now)
	for _, m := range []int{20, 5, 15, 0, 10} {
		r := e.Observe("job", monitorResult("rpc_timeout"), t0.Add(time.Duration(m)*time.Minute))
		if m == 10 && r.Route != fleet.Page {
			t.Errorf("last of five within 30m, observed out of order: got %s, want page", r.Route)
		}
	}
}

func TestEscalatorForgetsIdleJobs(t *testing.T) {
	now := t0
	e := newTestEscalator(&now)
	for i := range sweepEvery - 1 {
		e.Observe(fmt.Sprintf("job-%d", i), monitorResult("rpc_timeout"), t0)
	}
	now = t0.Add(time.Hour)
	e.Observe("fresh", monitorResult("rpc_timeout"), now) // the sweep runs here
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.seen) != 1 {
		t.Errorf("keys after an hour idle: got %d, want 1", len(e.seen))
	}
}

func TestEscalatorConcurrent(t *testing.T) {
	now := t0
	e := newTestEscalator(&now)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				e.Observe(fmt.Sprintf("job-%d", g%3), monitorResult("rpc_timeout"), t0.Add(time.Duration(i)*time.Second))
			}
		})
	}
	wg.Wait()
	if r := e.Observe("job-0", monitorResult("rpc_timeout"), t0.Add(199*time.Second)); r.Occurrences != 200 {
		t.Errorf("occurrences: got %d, want 200 distinct times however many goroutines saw them", r.Occurrences)
	}
}
