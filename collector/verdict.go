package collector

import (
	"time"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/fleet"
)

// streak is what the policy needs of a job's health over time: when it was
// last seen healthy, and since when it has been unhealthy.
type streak struct {
	lastHealthy, unhealthySince time.Time
}

// judge asks the policy about every expected job that is unhealthy, once
// the cycle's failures (REST, pods, operator) are all counted, so that a
// failure found this cycle explains the outage it caused.
func (l *Loop) judge(results []fleet.TargetStatus, states []*targetState, now time.Time) {
	for i := range results {
		rs, st := &results[i], states[i]
		seen := make(map[string]streak, len(rs.Jobs))
		for k := range rs.Jobs {
			j := &rs.Jobs[k]
			if !j.Expected {
				continue
			}
			s := st.streaks[j.Name]
			if j.Healthy {
				seen[j.Name] = streak{lastHealthy: now}
				continue
			}
			if s.unhealthySince.IsZero() {
				s.unhealthySince = now
			}
			seen[j.Name] = s
			v := l.opts.Policy.Health(classify.Health{
				Job: j, Deployment: rs.LastFailure, LastHealthy: s.lastHealthy, UnhealthySince: s.unhealthySince, Now: now,
			})
			j.Verdict = &v
		}
		st.streaks = seen
	}
}
