package status

import (
	"time"
)

// The API's documents. Field names are the contract of /api/v1/ (the
// README documents them); times are RFC 3339 in UTC, durations seconds.

// Health is a job's colour on the pages.
type Health string

const (
	Healthy   Health = "healthy"
	Unhealthy Health = "unhealthy"
	// Suspended: the deployment is not expected to run.
	Suspended Health = "suspended"
)

// JobSummary is one job in a list. A suspended deployment, which is not
// scraped, is one suspended job named as its target expects (Job may be
// empty) and without a page.
type JobSummary struct {
	Namespace  string   `json:"namespace"`
	Deployment string   `json:"deployment"`
	Job        string   `json:"job"`
	Team       string   `json:"team"`
	Health     Health   `json:"health"`
	State      string   `json:"state,omitempty"`
	Reasons    []string `json:"reasons,omitempty"`
	// Stale: its JobManager did not answer; the job is as last seen.
	Stale bool `json:"stale,omitempty"`
	// Route, Category and Why say who must act on an unhealthy job and
	// why: the failure that explains it, or the health rules' answer.
	Route    string `json:"route,omitempty"`
	Category string `json:"category,omitempty"`
	Why      string `json:"why,omitempty"`
	// Page is the job's status page, API its document.
	Page string `json:"page,omitempty"`
	API  string `json:"api,omitempty"`
}

// Totals counts a set of jobs and their deployments.
type Totals struct {
	Deployments int `json:"deployments"`
	Jobs        int `json:"jobs"`
	// Expected to run: the jobs of deployments that are not suspended.
	Expected          int            `json:"expected"`
	Healthy           int            `json:"healthy"`
	Unhealthy         int            `json:"unhealthy"`
	UnhealthyByReason map[string]int `json:"unhealthyByReason"`
	Suspended         int            `json:"suspended"`
	TargetsDown       int            `json:"targetsDown"`
	// OpenIncidents by route.
	OpenIncidents map[string]int `json:"openIncidents"`
}

// SLO is the healthy share of a set of jobs' expected time over the
// history's window: healthy cycles / expected cycles, each cycle one
// scrape interval.
type SLO struct {
	Ratio          float64   `json:"ratio"`
	HealthyCycles  int       `json:"healthyCycles"`
	ExpectedCycles int       `json:"expectedCycles"`
	From           time.Time `json:"from"`
	To             time.Time `json:"to"`
}

// TeamSummary is one team's line on the fleet page.
type TeamSummary struct {
	Team      string `json:"team"`
	Jobs      int    `json:"jobs"`
	Healthy   int    `json:"healthy"`
	Unhealthy int    `json:"unhealthy"`
	Suspended int    `json:"suspended"`
	// SLO is absent before the history has an expected cycle of the team.
	SLO           *SLO   `json:"slo,omitempty"`
	OpenIncidents int    `json:"openIncidents"`
	Page          string `json:"page"`
	API           string `json:"api"`
}

// Cycle is the scrape cycle a document shows.
type Cycle struct {
	Seq      uint64    `json:"seq"`
	Finished time.Time `json:"finished"`
}

// Filter selects jobs: every field set must match; Query matches a part
// of the namespace, deployment, job or team, in any case.
type Filter struct {
	Team      *string `json:"team,omitempty"`
	Namespace *string `json:"namespace,omitempty"`
	Route     string  `json:"route,omitempty"`
	Reason    string  `json:"reason,omitempty"`
	Health    string  `json:"health,omitempty"`
	Query     string  `json:"q,omitempty"`
}

// Fleet is /api/v1/fleet: the totals and the jobs that match the filter,
// unhealthy first, and every team.
type Fleet struct {
	GeneratedAt time.Time     `json:"generatedAt"`
	Cycle       *Cycle        `json:"cycle"`
	Filter      Filter        `json:"filter"`
	Totals      Totals        `json:"totals"`
	Teams       []TeamSummary `json:"teams"`
	Jobs        []JobSummary  `json:"jobs"`
	// Window is the span the history and the SLOs cover.
	Window *Window `json:"window,omitempty"`
}

// Window is a span of time.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Team is /api/v1/teams/{team}.
type Team struct {
	GeneratedAt   time.Time      `json:"generatedAt"`
	Cycle         *Cycle         `json:"cycle"`
	Summary       TeamSummary    `json:"summary"`
	Totals        Totals         `json:"totals"`
	Jobs          []JobSummary   `json:"jobs"`
	Incidents     []Incident     `json:"incidents"`
	Notifications []Notification `json:"notifications"`
}

// Decision is the policy's decision about a failure or an outage.
type Decision struct {
	Route        string `json:"route,omitempty"`
	Category     string `json:"category,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Hint         string `json:"hint,omitempty"`
	Rule         string `json:"rule,omitempty"`
	Escalated    bool   `json:"escalated,omitempty"`
	RuleRoute    string `json:"ruleRoute,omitempty"`
	Occurrences  int    `json:"occurrences,omitempty"`
	Root         string `json:"root,omitempty"`
	Message      string `json:"message,omitempty"`
	Culprit      string `json:"culprit,omitempty"`
	CulpritOwner string `json:"culpritOwner,omitempty"`
}

// Failure is a classified failure; its text is redacted.
type Failure struct {
	Time      time.Time `json:"time"`
	Source    string    `json:"source"`
	JobID     string    `json:"jobID,omitempty"`
	Exception string    `json:"exception,omitempty"`
	TaskName  string    `json:"taskName,omitempty"`
	Excerpt   string    `json:"excerpt,omitempty"`
	Decision  Decision  `json:"decision"`
}

// Link is a URL with a label.
type Link struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// Job is /api/v1/jobs/{namespace}/{deployment}/{job}.
type Job struct {
	GeneratedAt time.Time `json:"generatedAt"`
	Cycle       *Cycle    `json:"cycle"`
	JobSummary
	ID string `json:"id,omitempty"`
	// Expected is false when the deployment is suspended.
	Expected         bool        `json:"expected"`
	StartTime        *time.Time  `json:"startTime,omitempty"`
	UptimeSeconds    float64     `json:"uptimeSeconds"`
	TasksTotal       int         `json:"tasksTotal"`
	TasksRunning     int         `json:"tasksRunning"`
	Checkpoints      Checkpoints `json:"checkpoints"`
	Restarts         float64     `json:"restarts"`
	RestartsInWindow int         `json:"restartsInWindow"`
	Kafka            *Lag        `json:"kafka,omitempty"`
	Target           Target      `json:"target"`
	// Verdict explains an unhealthy job: the failure that explains it, or
	// the decision for the outage.
	ExplainedBy *Failure  `json:"explainedBy,omitempty"`
	Verdict     *Decision `json:"verdict,omitempty"`
	LastFailure *Failure  `json:"lastFailure,omitempty"`
	// Failures counts classified failures by route and category.
	Failures  []FailureCount `json:"failures,omitempty"`
	Incidents []Incident     `json:"incidents"`
	Links     []Link         `json:"links,omitempty"`
	SLO       *SLO           `json:"slo,omitempty"`
	Timeline  *Timeline      `json:"timeline,omitempty"`
}

// Checkpoints are a job's checkpoint signals.
type Checkpoints struct {
	Enabled         bool       `json:"enabled"`
	Progressing     bool       `json:"progressing"`
	IntervalSeconds float64    `json:"intervalSeconds,omitempty"`
	WindowSeconds   float64    `json:"windowSeconds,omitempty"`
	LastCompleted   *time.Time `json:"lastCompleted,omitempty"`
	Completed       float64    `json:"completed"`
	Failed          float64    `json:"failed"`
}

// Lag is a job's Kafka consumer lag, over its groups.
type Lag struct {
	Records float64 `json:"records"`
	// Seconds is absent while the time lag is not known.
	Seconds *float64 `json:"seconds,omitempty"`
}

// Target is the job's deployment as the cycle saw it.
type Target struct {
	URL          string `json:"url"`
	Up           bool   `json:"up"`
	Error        string `json:"error,omitempty"`
	FlinkVersion string `json:"flinkVersion,omitempty"`
	TaskManagers int    `json:"taskManagers"`
	Slots        int    `json:"slots"`
	FreeSlots    int    `json:"freeSlots"`
	Source       string `json:"source,omitempty"`
}

// FailureCount is a failure counter.
type FailureCount struct {
	Route    string  `json:"route"`
	Category string  `json:"category"`
	Count    float64 `json:"count"`
}

// Timeline is a job's history, oldest first.
type Timeline struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Points []Point   `json:"points"`
}

// Point is one cycle, or beyond the fine window a bucket of cycles
// (from < to); counts are cycles and events, lag the largest.
type Point struct {
	From             time.Time `json:"from"`
	To               time.Time `json:"to"`
	Cycles           int       `json:"cycles"`
	Expected         int       `json:"expected"`
	Healthy          int       `json:"healthy"`
	State            string    `json:"state,omitempty"`
	Reasons          []string  `json:"reasons,omitempty"`
	Down             bool      `json:"down,omitempty"`
	Restarts         int       `json:"restarts,omitempty"`
	Checkpoints      int       `json:"checkpoints,omitempty"`
	CheckpointFailed int       `json:"checkpointsFailed,omitempty"`
	LagRecords       *float64  `json:"lagRecords,omitempty"`
	LagSeconds       *float64  `json:"lagSeconds,omitempty"`
}

// Incident is one incident of the router.
type Incident struct {
	Key         string         `json:"key"`
	Namespace   string         `json:"namespace"`
	Deployment  string         `json:"deployment"`
	Job         string         `json:"job"`
	Category    string         `json:"category"`
	Team        string         `json:"team"`
	Route       string         `json:"route"`
	PastRoutes  []string       `json:"pastRoutes,omitempty"`
	Open        bool           `json:"open"`
	Health      bool           `json:"health,omitempty"`
	Opened      time.Time      `json:"opened"`
	LastFailure time.Time      `json:"lastFailure"`
	Resolved    *time.Time     `json:"resolved,omitempty"`
	Total       int            `json:"total"`
	Decision    Decision       `json:"decision"`
	Exception   string         `json:"exception,omitempty"`
	Excerpt     string         `json:"excerpt,omitempty"`
	Trail       []Notification `json:"trail"`
	// JobPage is the status page of its job ("" for a deployment's).
	JobPage string `json:"jobPage,omitempty"`
}

// Notification is one message about an incident and its deliveries.
type Notification struct {
	Incident      string     `json:"incident,omitempty"`
	Action        string     `json:"action"`
	At            time.Time  `json:"at"`
	Route         string     `json:"route"`
	EscalatedFrom string     `json:"escalatedFrom,omitempty"`
	Count         int        `json:"count,omitempty"`
	Summary       string     `json:"summary"`
	Deliveries    []Delivery `json:"deliveries"`
}

// Delivery is one destination's result.
type Delivery struct {
	Destination string    `json:"destination"`
	Result      string    `json:"result"`
	At          time.Time `json:"deliveredAt"`
}

// IncidentList is /api/v1/incidents: open, then recently resolved; each by
// route (page, monitor, notify), newest first.
type IncidentList struct {
	GeneratedAt time.Time  `json:"generatedAt"`
	Open        []Incident `json:"open"`
	Resolved    []Incident `json:"resolved"`
}
