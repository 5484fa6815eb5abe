package classify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// Policy is the one place that decides who must act: on every classified
// failure (the rules, the unknown fallback, terminal markers and
// escalation by recurrence) and on every unhealthy job (whether a failure
// explains it, and if not, the health rules and escalation by duration).
// Everything downstream only groups, deduplicates and delivers its
// decisions. It is safe for concurrent use.
type Policy struct {
	c   *Classifier
	rec *recurrences
	// explainSlack is how long before the job was last seen healthy a
	// failure may have happened and still explain the outage: Flink's
	// timestamps and the scrape that saw the job last are apart by up to a
	// scrape interval.
	explainSlack time.Duration
}

// PolicyOption configures NewPolicy.
type PolicyOption func(*Policy)

// WithExplainSlack sets how much earlier than the last healthy sighting a
// failure may be and still explain an outage (default one minute; give
// the scrape loop's two intervals when they are longer).
func WithExplainSlack(d time.Duration) PolicyOption {
	return func(p *Policy) {
		if d > 0 {
			p.explainSlack = d
		}
	}
}

// NewPolicy wraps a classifier with the state escalation needs. now is the
// clock that forgets idle jobs; time.Now when nil.
func NewPolicy(c *Classifier, now func() time.Time, opts ...PolicyOption) *Policy {
	if now == nil {
		now = time.Now
	}
	p := &Policy{c: c, rec: newRecurrences(c.escCount, c.escWindow, now), explainSlack: time.Minute}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Failure decides one failure of job: the rules' decision, escalated to
// page when its monitor category has recurred for the job count times
// within the window (each occurrence, identified by its time, counts once
// however often it is seen).
func (p *Policy) Failure(job fleet.JobRef, ev fleet.Evidence) fleet.Decision {
	d, r := p.c.classify(ev)
	return p.rec.observe(job, d, r, ev.Timestamp)
}

// Health is what the policy needs to know of an unhealthy job.
type Health struct {
	Job *fleet.JobStatus
	// Deployment is the newest failure of the job's deployment itself (a
	// pod, the operator), which can explain any of its jobs.
	Deployment *fleet.Failure
	// LastHealthy is when the job was last seen healthy; zero if never
	// (it was already failing when flinkslo started).
	LastHealthy time.Time
	// UnhealthySince is when the current outage began, as flinkslo saw it.
	UnhealthySince time.Time
	Now            time.Time
}

// Health gives the verdict on an expected job that is unhealthy. A failure
// explains the outage when it belongs to the job's current run (the same
// job id, or the deployment's pods or operator) and happened since the job
// was last seen healthy: the job is then the failure's business and its
// route, and no health decision may send it elsewhere. Otherwise the
// health rules route it by its reasons and state, and an outage on monitor
// that outlasts its rule's escalateAfter pages.
func (p *Policy) Health(h Health) fleet.Verdict {
	j := h.Job
	if f := p.explaining(h); f != nil {
		return fleet.Verdict{ExplainedBy: f}
	}
	ev := fleet.Evidence{Source: fleet.SourceHealth, Health: j.Reasons, State: j.State, Timestamp: h.UnhealthySince}
	d, r := p.c.classify(ev)
	d.Reason = fmt.Sprintf("unhealthy (%s) and no classified failure explains it: %s%s", joinReasons(j.Reasons), d.Reason, bottleneck(j))
	if r != nil && r.escalateAfter > 0 && d.Route == fleet.Monitor && !h.UnhealthySince.IsZero() {
		if lasted := h.Now.Sub(h.UnhealthySince); lasted >= r.escalateAfter {
			escalateTo(&d, r, "unhealthy for "+config.Duration(lasted.Round(time.Second)).String()+" with nothing to explain it", "")
		}
	}
	return fleet.Verdict{Decision: d}
}

// bottleneck names the vertex that holds a back-pressured job back, so
// that "backpressured" comes with "because of this operator". Only the
// name: the ratios change every read and the reason must not.
func bottleneck(j *fleet.JobStatus) string {
	if j.Detail.Bottleneck == "" || !slices.Contains(j.Reasons, fleet.ReasonBackpressured) {
		return ""
	}
	return fmt.Sprintf("; the bottleneck is vertex %q", j.Detail.Bottleneck)
}

// explaining returns the failure that explains the job's outage, if any:
// the job's own newest failure of its current run, else the deployment's.
func (p *Policy) explaining(h Health) *fleet.Failure {
	for _, f := range []*fleet.Failure{h.Job.LastFailure, h.Deployment} {
		if f == nil || f.Decision.SideEffect {
			continue
		}
		if f.JobID != "" && h.Job.ID != "" && f.JobID != h.Job.ID {
			continue // an earlier run's failure: the resubmitted job is another matter
		}
		if !h.LastHealthy.IsZero() && f.Time.Before(h.LastHealthy.Add(-p.explainSlack)) {
			continue // it happened before the job was last fine
		}
		return f
	}
	return nil
}

// HealthRule is a health rule as Prometheus alerts can mirror it: the
// route a job gets for Reason (in one of States, or any state when empty)
// when nothing explains it.
type HealthRule struct {
	ID     string
	Reason fleet.Reason
	States []fleet.JobState
	Route  fleet.Route
	// EscalateAfter > 0: the outage pages after this long.
	EscalateAfter time.Duration
	Summary, Hint string
	// EscalatedHint is the hint of the page the outage escalates to,
	// written for the platform on-call (Hint is for the monitor channel).
	EscalatedHint string
}

// HealthRules lists, per reason in fleet.Reasons order, the health rules
// that decide a job with only that reason, in evaluation order: the rules
// Prometheus alerts mirror (see package rules). A rule over several
// reasons appears under each of them.
func (c *Classifier) HealthRules() []HealthRule {
	var out []HealthRule
	for _, reason := range fleet.Reasons {
		for _, r := range c.rules {
			if !r.health || !r.when.mayHold(reason) {
				continue
			}
			out = append(out, HealthRule{
				ID: r.id, Reason: reason, States: r.when.states, Route: r.route,
				EscalateAfter: r.escalateAfter, Summary: r.reason, Hint: r.hint, EscalatedHint: r.escalatedHint,
			})
			if len(r.when.states) == 0 {
				break // later rules cannot decide this reason
			}
		}
	}
	return out
}

// mayHold reports whether c can hold for a job whose only reason is
// reason: its reason list names it (or is absent) and it has no condition
// a Prometheus alert cannot see (only reason and state are mirrored).
func (c *cond) mayHold(reason fleet.Reason) bool {
	if len(c.reasons) > 0 && !containsReason(c.reasons, reason) {
		return false
	}
	return len(c.reasons) > 0 && len(c.any) == 0 && c.not == nil
}

func containsReason(rs []fleet.Reason, r fleet.Reason) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// String renders the rule for tests and errors.
func (h HealthRule) String() string {
	var states []string
	for _, s := range h.States {
		states = append(states, string(s))
	}
	return fmt.Sprintf("%s: %s [%s] -> %s", h.ID, h.Reason, strings.Join(states, ","), h.Route)
}
