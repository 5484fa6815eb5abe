package dogstatsd

import (
	"strings"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"

	"github.com/flinkslo/flinkslo/export"
	"github.com/flinkslo/flinkslo/fleet"
)

// flushEvery is how many jobs are rendered between two client flushes.
// datadog-go drops a payload when its sender queue is full (2048 UDP or
// 512 unix-socket payloads); flushing waits for the queue to drain, so a
// fleet of thousands of jobs arrives whole instead of losing its tail.
const flushEvery = 200

// batch renders one snapshot onto the client.
type batch struct {
	e   *Emitter
	c   sink
	now time.Time
	out *export.Out
	s   *sender
	// teams counts expected and healthy jobs per team; all fleet-wide.
	teams map[string]*fleetCount
	all   fleetCount
	jobs  int
}

type fleetCount struct{ expected, healthy int }

func (e *Emitter) emit(c sink, snap *fleet.Snapshot) {
	b := &batch{e: e, c: c, now: e.now(), teams: map[string]*fleetCount{}}
	b.s = &sender{b: b, fams: e.fams}
	b.out = export.NewOut(b.s)
	// Ages are measured when they are sent: a snapshot may wait for the
	// agent.
	b.out.SetNow(b.now)
	for i := range snap.Targets {
		b.target(&snap.Targets[i])
	}
	b.fleet()
	b.kafka(snap.Kafka)
	e.mem.forget(b.now.Add(-e.retain))
	b.flush()
}

func (b *batch) gauge(name string, v float64, tags []string) {
	if err := b.c.Gauge(name, v, tags, 1); err != nil {
		b.e.sendFailed(err)
	}
}

func (b *batch) count(name string, n int64, tags []string) {
	if n <= 0 {
		return
	}
	if err := b.c.Count(name, n, tags, 1); err != nil {
		b.e.sendFailed(err)
	}
}

func (b *batch) flush() {
	if err := b.c.Flush(); err != nil {
		b.e.sendFailed(err)
	}
}

// target sends the target's families of the table (package export),
// then its jobs.
func (b *batch) target(t *fleet.TargetStatus) {
	tm := b.e.mem.target(t, b.now)
	tags := []string{tag("deployment", t.Deployment), tag("namespace", t.Namespace), tag("team", t.Team)}
	b.s.sendTarget(b.out, t, &tm.series, tags)
	// Keyed by the tag value: "" and "none" are one team:none series.
	if b.teams[tagValue(t.Team)] == nil {
		b.teams[tagValue(t.Team)] = &fleetCount{}
	}
	for i := range t.Jobs {
		b.job(t, &t.Jobs[i])
		if b.jobs++; b.jobs%flushEvery == 0 {
			b.flush()
		}
	}
}

func (b *batch) job(t *fleet.TargetStatus, j *fleet.JobStatus) {
	jm := b.e.mem.job(t, j, b.now)
	b.s.sendJob(b.out, t, j, &jm.series, jm.tags)
	b.health(t, j, jm)
}

// health counts an expected job in the fleet totals and sends its
// service check.
func (b *batch) health(t *fleet.TargetStatus, j *fleet.JobStatus, jm *jobMemo) {
	if !j.Expected {
		return
	}
	fc := b.teams[tagValue(t.Team)]
	fc.expected++
	b.all.expected++
	if j.Healthy {
		fc.healthy++
		b.all.healthy++
	}
	b.serviceCheck(j, jm.tags)
}

func (b *batch) serviceCheck(j *fleet.JobStatus, tags []string) {
	sc := &statsd.ServiceCheck{Name: b.e.scName, Status: statsd.Ok, Tags: tags}
	switch {
	case j.Stale:
		sc.Status, sc.Message = statsd.Unknown, "stale, JobManager unreachable: "+reasonText(j.Reasons)
	case !j.Healthy:
		sc.Status, sc.Message = statsd.Critical, reasonText(j.Reasons)
	}
	if err := b.c.ServiceCheck(sc); err != nil {
		b.e.sendFailed(err)
	}
}

func reasonText(rs []fleet.Reason) string {
	if len(rs) == 0 {
		return "unhealthy"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// fleet sends the expected and healthy job counts per team (tag team) and
// fleet-wide (no team tag: query it with {!team:*}, or sum the per-team
// series with {team:*}). A team that left is sent as 0 once.
func (b *batch) fleet() {
	mem := b.e.mem
	for team := range mem.teams {
		if b.teams[team] == nil {
			tags := []string{"team:" + team}
			b.gauge(mFleetExpected, 0, tags)
			b.gauge(mFleetHealthy, 0, tags)
			delete(mem.teams, team)
		}
	}
	for team, fc := range b.teams {
		mem.teams[team] = true
		tags := []string{"team:" + team}
		b.gauge(mFleetExpected, float64(fc.expected), tags)
		b.gauge(mFleetHealthy, float64(fc.healthy), tags)
	}
	b.gauge(mFleetExpected, float64(b.all.expected), nil)
	b.gauge(mFleetHealthy, float64(b.all.healthy), nil)
}

// kafka sends the lag of each consumer group whose lag is known.
func (b *batch) kafka(v *fleet.KafkaView) {
	if v == nil {
		return
	}
	for cluster, up := range v.Clusters {
		b.gauge(mKafkaUp, b2f(up), []string{tag("cluster", cluster)})
	}
	for ref, lag := range v.Groups {
		if !lag.Known {
			continue
		}
		tags := []string{tag("cluster", ref.Cluster), tag("group", ref.Group)}
		b.gauge(mGroupLagRecords, float64(lag.Records), tags)
		if lag.SecondsKnown {
			b.gauge(mGroupLagSeconds, lag.Seconds, tags)
		}
	}
}

func b2f(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}
