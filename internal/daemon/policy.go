package daemon

import (
	"sync/atomic"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// policySwitch is the scrape loop's policy, replaced whole when a reload
// brings new classify rules or ownership.
type policySwitch struct {
	p atomic.Pointer[classify.Policy]
}

func (s *policySwitch) Failure(job fleet.JobRef, ev fleet.Evidence) fleet.Decision {
	return s.p.Load().Failure(job, ev)
}

func (s *policySwitch) Health(h classify.Health) fleet.Verdict { return s.p.Load().Health(h) }

// newPolicy builds the one policy that decides who must act.
func newPolicy(cfg *config.Config, o Options) (*policySwitch, error) {
	p, err := policyOf(cfg, o)
	if err != nil {
		return nil, err
	}
	s := &policySwitch{}
	s.p.Store(p)
	return s, nil
}

func policyOf(cfg *config.Config, o Options) (*classify.Policy, error) {
	c, err := classify.New(cfg.Classify, classify.WithLogger(o.Log))
	if err != nil {
		return nil, err
	}
	// A failure may precede the last healthy sighting of its job by up to
	// a scrape cycle (Flink's clock against the scrape's), and explain it.
	return classify.NewPolicy(c, o.Now, classify.WithExplainSlack(2*cfg.ScrapeInterval.D())), nil
}
