package kube

import (
	"strings"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// noJobYet is the job id of a FlinkSessionJob whose job id the operator has
// not recorded yet. It matches no Flink job id (32 hex digits), so the
// target reports its job missing instead of adopting every other job of the
// shared session cluster.
const noJobYet = "pending-submission"

// targets turns discovered resources into scrape targets.
type targets struct {
	cfg *config.Kubernetes
}

// of returns the target of r; session is the FlinkDeployment that a
// FlinkSessionJob runs on, nil when it is missing or r is a deployment.
// A session job that names no session cluster is no target.
func (b targets) of(r, session *resource) (fleet.Target, bool) {
	op := r.Operator
	t := fleet.Target{
		Deployment:     r.Name,
		Namespace:      r.Namespace,
		Owner:          fleet.Owner{Team: r.Team, SlackChannel: r.SlackChannel},
		URL:            r.RESTURL,
		Suspended:      r.Suspended,
		ConsumerGroups: r.ConsumerGroups,
		JobName:        op.JobName,
		Operator:       &op,
		Source:         "kubernetes",
	}
	if t.JobName == "" {
		t.JobName = r.PipelineName
	}
	switch r.Kind {
	case KindDeployment:
		t.ClusterOnly = !r.HasJob
		if t.URL == "" {
			t.URL = b.url(r.Name, r.Namespace)
		}
	case KindSessionJob:
		if r.Session == "" {
			return fleet.Target{}, false
		}
		// A session job shares its cluster's JobManager; without an id it
		// would see all of the cluster's jobs.
		t.JobID = op.JobID
		if t.JobID == "" {
			t.JobID = noJobYet
		}
		b.inherit(&t, session)
		if t.URL == "" {
			// The session cluster may be missing: keep the target with
			// the URL its cluster would have, so the job is reported down
			// rather than silently forgotten.
			t.URL = b.url(r.Session, r.Namespace)
		}
	default:
		return fleet.Target{}, false
	}
	return t, true
}

// inherit fills what a session job does not say from its session cluster:
// the REST URL and, when the job names no team, the cluster's team and
// channel.
func (b targets) inherit(t *fleet.Target, session *resource) {
	if session == nil {
		return
	}
	if t.URL == "" {
		t.URL = session.RESTURL
	}
	if t.Team == "" {
		t.Team = session.Team
		if t.SlackChannel == "" {
			t.SlackChannel = session.SlackChannel
		}
	}
}

// url renders restURLTemplate for a cluster.
func (b targets) url(name, namespace string) string {
	// Two ReplaceAll calls cost a fraction of building a Replacer per target.
	return strings.ReplaceAll(strings.ReplaceAll(b.cfg.RESTURLTemplate, "{name}", name), "{namespace}", namespace)
}
