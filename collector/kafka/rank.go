package kafka

import "github.com/flinkslo/flinkslo/fleet"

// statusRank orders statuses for "worst partition wins"; it is also how a
// partition's status is kept in one byte. It stays here, beside the
// evaluation that needs it, rather than in fleet with the status itself.
type statusRank uint8

var statusByRank = [...]fleet.LagStatus{fleet.LagStatusUnknown, fleet.LagStatusOK, fleet.LagStatusRewinding, fleet.LagStatusLagging, fleet.LagStatusStalled}

func (r statusRank) status() fleet.LagStatus { return statusByRank[r] }

// rankOf is the rank of status s.
func rankOf(s fleet.LagStatus) statusRank {
	for i, st := range statusByRank {
		if st == s {
			return statusRank(i)
		}
	}
	return 0
}
