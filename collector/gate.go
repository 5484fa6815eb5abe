package collector

import "context"

// gate is a counting semaphore bounding the requests in flight across all
// targets (flink.Gate).
type gate chan struct{}

func newGate(n int) gate { return make(gate, n) }

func (g gate) Acquire(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g gate) Release() { <-g }
