package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

// tablePrinter prints a compact health table whenever the fleet's health
// changes: what a platform engineer would glance at instead of a dozen
// Flink UIs.
type tablePrinter struct {
	mu   sync.Mutex
	w    io.Writer
	last string // the health the last table showed
}

// Observe prints synchronously: the demo's table is small and its writer
// is a terminal, so this never holds up the loop for long.
func (p *tablePrinter) Observe(s *fleet.Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := healthOf(s); h != p.last {
		p.last = h
		writeTable(p.w, s)
	}
}

// healthOf is every job's health and reasons, to tell a change.
func healthOf(s *fleet.Snapshot) string {
	var b strings.Builder
	for _, t := range s.Targets {
		for _, j := range t.Jobs {
			b.WriteString(name(t) + "/" + j.Name + "=" + health(j) + ";")
		}
	}
	return b.String()
}

func writeTable(w io.Writer, s *fleet.Snapshot) {
	healthy, expected := 0, 0
	for _, t := range s.Targets {
		for _, j := range t.Jobs {
			if j.Expected {
				expected++
				if j.Healthy {
					healthy++
				}
			}
		}
	}
	fmt.Fprintf(w, "\n── cycle %d at %s: %d/%d jobs healthy, %d new failures ──\n",
		s.Seq, s.Finished.Format("15:04:05"), healthy, expected, len(s.Failures))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEPLOYMENT\tJOB\tSTATE\tHEALTH\tCHECKPOINT\tRESTARTS\tKAFKA LAG\tLAST FAILURE")
	for _, t := range s.Targets {
		if len(t.Jobs) == 0 {
			fmt.Fprintf(tw, "%s\t-\t%s\t%s\t-\t-\t-\t%s\n", name(t), targetState(t), "-", lastFailure(t.LastFailure))
		}
		for _, j := range t.Jobs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name(t), j.Name, jobState(t, j), health(j),
				checkpoint(s, j), restarts(j), lag(j), lastFailure(j.LastFailure))
		}
	}
	tw.Flush()
}

func name(t fleet.TargetStatus) string {
	if t.Namespace == "" {
		return t.Deployment
	}
	return t.Namespace + "/" + t.Deployment
}

func targetState(t fleet.TargetStatus) string {
	switch {
	case t.Suspended:
		return "SUSPENDED"
	case !t.Up:
		return "DOWN"
	}
	return "UP"
}

func jobState(t fleet.TargetStatus, j fleet.JobStatus) string {
	if !t.Up {
		return "DOWN (" + string(t.ErrorKind) + ")"
	}
	if j.State == "" {
		return "-"
	}
	return string(j.State)
}

func health(j fleet.JobStatus) string {
	switch {
	case !j.Expected:
		return "suspended"
	case j.Healthy:
		return "ok"
	}
	rs := make([]string, len(j.Reasons))
	for i, r := range j.Reasons {
		rs[i] = string(r)
	}
	return "UNHEALTHY: " + strings.Join(rs, ",")
}

func checkpoint(s *fleet.Snapshot, j fleet.JobStatus) string {
	switch {
	case !j.CheckpointingEnabled:
		return "off"
	case j.LastCheckpoint.IsZero():
		return "none yet"
	}
	age := s.Finished.Sub(j.LastCheckpoint).Round(time.Second)
	mark := "✓"
	if !j.CheckpointsProgressing {
		mark = "✗"
	}
	return fmt.Sprintf("%s %s ago", mark, age)
}

func restarts(j fleet.JobStatus) string {
	if j.ID == "" {
		return "-"
	}
	return fmt.Sprintf("%.0f (%d recent)", j.Restarts, j.RestartsInWindow)
}

func lag(j fleet.JobStatus) string {
	if !j.HasKafkaLag {
		return "-"
	}
	return fmt.Sprintf("%.0f rec / %.0fs", j.KafkaLagRecords, j.KafkaLagSeconds)
}

func lastFailure(f *fleet.Failure) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprintf("%s %s", strings.ToUpper(string(f.Decision.Route)), f.Decision.Category)
}
