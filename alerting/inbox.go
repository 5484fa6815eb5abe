package alerting

import (
	"sync"

	"github.com/flinkslo/flinkslo/fleet"
)

// inbox is between the scrape loop and the router. Failures accumulate (up
// to a bound, oldest dropped and counted); of the health, only the latest
// snapshot matters, so a router that falls behind skips to it.
type inbox struct {
	max   int
	m     *metrics
	ready chan struct{}

	mu       sync.Mutex
	failures []fleet.Failure
	latest   *fleet.Snapshot
}

func newInbox(max int, m *metrics) *inbox {
	return &inbox{max: max, m: m, ready: make(chan struct{}, 1)}
}

func (in *inbox) put(s *fleet.Snapshot) {
	in.mu.Lock()
	in.failures = append(in.failures, s.Failures...)
	if over := len(in.failures) - in.max; over > 0 {
		for _, f := range in.failures[:over] {
			in.m.drop(f.Decision.Route, inboxSink, dropQueueFull)
		}
		in.failures = append([]fleet.Failure(nil), in.failures[over:]...)
	}
	in.latest = s
	in.mu.Unlock()
	select {
	case in.ready <- struct{}{}:
	default:
	}
}

func (in *inbox) take() ([]fleet.Failure, *fleet.Snapshot) {
	in.mu.Lock()
	defer in.mu.Unlock()
	f, s := in.failures, in.latest
	in.failures, in.latest = nil, nil
	return f, s
}
