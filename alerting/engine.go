package alerting

import (
	"sort"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// engine turns failures and health into notifications. It is a plain state
// machine driven by the router's goroutine with an explicit clock, so that
// grouping, reminders and resolves are tested without waiting.
type engine struct {
	cfg    engineConfig
	routes *routes
	// leader: notifications made now are really sent.
	leader bool

	open   map[incident.Key]*openIncident
	closed map[incident.Key]tombstone
	jobs   map[fleet.JobRef]*jobHealth
	// failuresByJob counts open failure incidents per job (and per
	// deployment, Job ""), to tell whether a failure explains an outage.
	failuresByJob map[fleet.JobRef]int
	firstSnapshot time.Time

	// out are the notifications made since the last take, and outInc
	// the incident each is about (nil for an occurrence).
	out    []*incident.Notification
	outInc []*openIncident
	dirty  bool
}

type engineConfig struct {
	groupWindow, repeatInterval, resolveAfter, healthWait time.Duration
	// since: failures before it were handled by an earlier process.
	since time.Time
	// tombstoneTTL is how long a resolved incident is remembered, so that
	// a replayed failure of it is not sent again.
	tombstoneTTL time.Duration
}

// openIncident is an incident that was triggered and is not resolved.
type openIncident struct {
	key        incident.Key
	route      fleet.Route
	pastRoutes []fleet.Route
	health     bool
	detail     detail

	opened, lastFailure, lastSent time.Time
	// total counts occurrences since opened; pending those not yet reported.
	total, pending int
	// notified: a leader sent the trigger (this replica, or per the store
	// another one).
	notified bool
	// replayBefore: failures up to this time were handled by an earlier
	// process (restored from the state store).
	replayBefore time.Time
	threads      map[string]string
	// reached lists the destinations (reachKey) that acknowledged a
	// trigger or follow-up of the incident: only they get its resolve.
	reached map[string]bool
	// resolvedAt is set once it is resolved (it may still be in the
	// outbox, waiting for its resolve to be delivered).
	resolvedAt time.Time
	// legacy: restored from a state that did not record deliveries; the
	// router assumes every receiver of its routes got its trigger.
	legacy bool
	// refreshed is when something telling each Refresher sink (by name)
	// that it is open was last queued; not persisted: a new leader
	// re-posts at once.
	refreshed map[string]time.Time
}

// reachKey names a destination of a sink in openIncident.reached.
func reachKey(sink, dest string) string { return sink + "\x00" + dest }

// tombstone remembers a resolved incident; inc is the incident itself,
// for notifications of it still in the outbox.
type tombstone struct {
	lastFailure, resolved time.Time
	inc                   *openIncident
}

// detail is what a notification says beyond the key, from the latest
// failure (or health verdict) of the incident: the policy's decision as a
// value, the owner, and the evidence. It is persisted as JSON.
type detail struct {
	fleet.Decision
	Owner       fleet.Owner  `json:"owner"`
	URL         string       `json:"url,omitempty"`
	JobID       string       `json:"jobID,omitempty"`
	Source      fleet.Source `json:"source,omitempty"`
	Exception   string       `json:"exception,omitempty"`
	TaskName    string       `json:"taskName,omitempty"`
	FailureTime time.Time    `json:"failureTime,omitzero"`
	// Excerpt is not persisted: it is large and only the first message
	// needs it.
	Excerpt string `json:"-"`
}

func newEngine(cfg engineConfig, rt *routes) *engine {
	return &engine{
		cfg: cfg, routes: rt,
		open: map[incident.Key]*openIncident{}, closed: map[incident.Key]tombstone{},
		jobs: map[fleet.JobRef]*jobHealth{}, failuresByJob: map[fleet.JobRef]int{},
	}
}

// keyLess orders keys as their strings would sort, without building them.
func keyLess(a, b incident.Key) bool {
	switch {
	case a.Namespace != b.Namespace:
		return a.Namespace < b.Namespace
	case a.Deployment != b.Deployment:
		return a.Deployment < b.Deployment
	case a.Job != b.Job:
		return a.Job < b.Job
	}
	return a.Category < b.Category
}

// rank orders routes by urgency; an open incident only moves up.
func rank(r fleet.Route) int {
	switch r {
	case fleet.Page:
		return 3
	case fleet.Monitor:
		return 2
	case fleet.Notify:
		return 1
	}
	return 0
}

// failure handles one classified failure.
func (e *engine) failure(f fleet.Failure, now time.Time) {
	at := f.Time
	if at.IsZero() || at.After(now) {
		at = now
	}
	if at.Before(e.cfg.since) {
		return // an earlier process saw it; lookback says how far back to resend
	}
	if f.Decision.SideEffect {
		return // the echo of another failure of the job, which has its audience
	}
	key := keyOf(f)
	if t, ok := e.closed[key]; ok && !at.After(t.lastFailure) {
		return // part of an incident already resolved
	}
	inc := e.open[key]
	if inc != nil && !at.After(inc.replayBefore) {
		return // already counted by the process that saved the incident
	}
	d := detailOf(f, at)
	e.occurrence(key, f.Decision.Route, d, now)
	if inc == nil {
		inc = &openIncident{key: key, route: f.Decision.Route, detail: d, opened: at, lastFailure: at, total: 1,
			threads: map[string]string{}, reached: map[string]bool{}}
		e.add(inc)
		e.push(inc, e.notification(inc, incident.Trigger, now), now)
		return
	}
	inc.total++
	inc.detail = mergeDetail(inc.detail, d)
	if at.After(inc.lastFailure) {
		inc.lastFailure = at
	}
	if rank(f.Decision.Route) > rank(inc.route) {
		e.escalate(inc, f.Decision.Route, now)
		return
	}
	inc.pending++
	e.dirty = true
}

// keyOf is the incident a failure belongs to.
func keyOf(f fleet.Failure) incident.Key {
	return incident.Key{JobRef: fleet.JobRef{Namespace: f.Namespace, Deployment: f.Deployment, Job: f.Job}, Category: f.Decision.Category}
}

func detailOf(f fleet.Failure, at time.Time) detail {
	return detail{
		Decision: f.Decision, Owner: f.Owner, URL: f.URL, JobID: f.JobID, Source: f.Source,
		Exception: f.Exception, TaskName: f.TaskName, FailureTime: at, Excerpt: f.Excerpt,
	}
}

// mergeDetail takes the newer failure's details but keeps what only the
// first one told (a deployment-level failure has no job id).
func mergeDetail(old, d detail) detail {
	if d.JobID == "" {
		d.JobID = old.JobID
	}
	if d.Owner.SlackChannel == "" {
		d.Owner.SlackChannel = old.Owner.SlackChannel
	}
	return d
}

func (e *engine) add(inc *openIncident) {
	e.open[inc.key] = inc
	if !inc.health {
		e.failuresByJob[inc.key.JobRef]++
	}
	delete(e.closed, inc.key)
}

func (e *engine) remove(inc *openIncident) {
	delete(e.open, inc.key)
	if !inc.health {
		jk := inc.key.JobRef
		if e.failuresByJob[jk]--; e.failuresByJob[jk] <= 0 {
			delete(e.failuresByJob, jk)
		}
	}
}

// escalate moves an open incident to a more urgent route and triggers it
// there.
func (e *engine) escalate(inc *openIncident, to fleet.Route, now time.Time) {
	from := inc.route
	if !containsRoute(inc.pastRoutes, from) {
		inc.pastRoutes = append(inc.pastRoutes, from)
	}
	inc.route, inc.pending = to, 0
	n := e.notification(inc, incident.Trigger, now)
	n.EscalatedFrom = from
	e.push(inc, n, now)
}

func containsRoute(rs []fleet.Route, r fleet.Route) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// push emits n and records it as made; the router's outbox sees it
// delivered.
func (e *engine) push(inc *openIncident, n incident.Notification, now time.Time) {
	e.out = append(e.out, &n)
	e.outInc = append(e.outInc, inc)
	e.dirty = true
	if n.Action == incident.Resolve {
		return
	}
	inc.lastSent = now
	if n.Action == incident.Trigger && e.leader {
		inc.notified = true
	}
}

// tick sends grouped repeats, reminders and resolves that are due.
func (e *engine) tick(now time.Time) {
	keys := make([]incident.Key, 0, len(e.open))
	for k := range e.open {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	for _, k := range keys {
		inc := e.open[k]
		jh := e.jobs[k.JobRef]
		if gone, ok := e.resolvable(inc, jh, now); ok {
			e.resolve(inc, gone, now)
			continue
		}
		switch {
		case inc.pending > 0 && now.Sub(inc.lastSent) >= e.cfg.groupWindow:
			n := e.notification(inc, incident.Repeat, now)
			n.Count, n.Window = inc.pending, now.Sub(inc.lastSent)
			inc.pending = 0
			e.push(inc, n, now)
		case now.Sub(inc.lastSent) >= e.cfg.repeatInterval && jh != nil && !jh.healthy:
			e.push(inc, e.notification(inc, incident.Remind, now), now)
		}
	}
	e.prune(now)
}

// resolvable: the job has been healthy for resolveAfter since the later of
// its recovery and the incident's last failure — or it is gone (not seen
// for resolveAfter: removed, or no longer this shard's).
func (e *engine) resolvable(inc *openIncident, jh *jobHealth, now time.Time) (gone, ok bool) {
	ra := e.cfg.resolveAfter
	if jh == nil {
		// Right after a restart the job may just not have been scraped yet.
		return true, !e.firstSnapshot.IsZero() && now.Sub(e.firstSnapshot) >= ra
	}
	if now.Sub(jh.lastSeen) >= ra {
		return true, true
	}
	if !jh.healthy {
		return false, false
	}
	quiet := jh.healthySince
	if inc.lastFailure.After(quiet) {
		quiet = inc.lastFailure
	}
	return false, now.Sub(quiet) >= ra
}

func (e *engine) resolve(inc *openIncident, gone bool, now time.Time) {
	n := e.notification(inc, incident.Resolve, now)
	n.Health = nil
	if gone {
		n.Note = "the job is no longer watched (removed, or another shard's)"
	}
	e.push(inc, n, now)
	e.remove(inc)
	inc.resolvedAt = now
	e.closed[inc.key] = tombstone{lastFailure: inc.lastFailure, resolved: now, inc: inc}
}

func (e *engine) prune(now time.Time) {
	for k, t := range e.closed {
		if now.Sub(t.resolved) > e.cfg.tombstoneTTL {
			delete(e.closed, k)
		}
	}
	for k, jh := range e.jobs {
		if now.Sub(jh.lastSeen) > e.cfg.tombstoneTTL && e.failuresByJob[k] == 0 {
			delete(e.jobs, k)
		}
	}
}

// take returns and forgets the notifications made so far.
func (e *engine) take() []*incident.Notification {
	out, _ := e.takeWith()
	return out
}

// takeWith is take with the incident of each notification.
func (e *engine) takeWith() ([]*incident.Notification, []*openIncident) {
	out, incs := e.out, e.outInc
	e.out, e.outInc = nil, nil
	return out, incs
}
