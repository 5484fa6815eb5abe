package history

import (
	"context"
	"log/slog"
	"sync"
	"time"
	"unsafe"

	"github.com/flinkslo/flinkslo/fleet"
)

// Store keeps the history across restarts. Load returns nil and no error
// when nothing was saved yet.
type Store interface {
	Load(ctx context.Context) ([]byte, error)
	Save(ctx context.Context, b []byte) error
}

// Options configures a History; zero fields take defaults.
type Options struct {
	// Retention is kept at cycle resolution (default 6h).
	Retention time.Duration
	// Coarse is kept beyond Retention in buckets (default 24h; negative:
	// none).
	Coarse time.Duration
	// Store, when set, is where Run restores the history from at start,
	// and saves it every SaveEvery and when it stops.
	Store     Store
	SaveEvery time.Duration // default 15m
	Logger    *slog.Logger
}

// History is every job's recent past. Observe queues snapshots; Run (or,
// in tests, Apply) records them. Readers never wait long: they take a
// read lock while they copy what they need.
type History struct {
	o   Options
	log *slog.Logger
	in  chan *fleet.Snapshot

	mu     sync.RWMutex
	spans  []span // oldest first; the last is open while it has room
	jobs   map[fleet.JobRef]*series
	lastAt int64
	nextID uint64
}

// span is one chunk's worth of cycles of the whole fleet: their times.
type span struct {
	id    uint64
	times []int64 // unix ms
	// closed: its cycles are packed; after a restore every span is.
	closed bool
}

// New makes an empty history.
func New(o Options) *History {
	if o.Retention <= 0 {
		o.Retention = 6 * time.Hour
	}
	switch {
	case o.Coarse == 0:
		o.Coarse = 24 * time.Hour
	case o.Coarse < 0:
		o.Coarse = 0
	}
	if o.SaveEvery <= 0 {
		o.SaveEvery = 15 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &History{o: o, log: o.Logger, in: make(chan *fleet.Snapshot, 16), jobs: map[fleet.JobRef]*series{}, nextID: 1}
}

var _ fleet.Observer = (*History)(nil)

// Observe queues s for Run. It never blocks: when Run has fallen 16
// cycles behind, the cycle is left out of the history (a gap in the
// charts), and a warning says so.
func (h *History) Observe(s *fleet.Snapshot) {
	select {
	case h.in <- s:
	default:
		h.log.Warn("history behind, cycle not recorded", "seq", s.Seq)
	}
}

// Run restores the saved history, then records the snapshots Observe
// queues until ctx ends, saving every SaveEvery and at the end.
func (h *History) Run(ctx context.Context) error {
	if h.o.Store != nil {
		h.restore(ctx)
	}
	t := time.NewTicker(h.o.SaveEvery)
	defer t.Stop()
	for {
		select {
		case s := <-h.in:
			h.Apply(s)
		case <-t.C:
			h.save(ctx)
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			h.save(sctx)
			return nil
		}
	}
}

func (h *History) restore(ctx context.Context) {
	b, err := h.o.Store.Load(ctx)
	if err == nil && b != nil {
		err = h.Restore(b)
	}
	if err != nil {
		h.log.Warn("history not restored, charts start empty", "err", err)
	}
}

func (h *History) save(ctx context.Context) {
	if h.o.Store == nil {
		return
	}
	if err := h.o.Store.Save(ctx, h.Encode()); err != nil {
		h.log.Warn("history not saved, a restart will lose it", "err", err)
	}
}

// Apply records one snapshot. A snapshot not newer than the last one is
// ignored.
func (h *History) Apply(s *fleet.Snapshot) {
	at := s.Finished
	if at.IsZero() {
		at = s.Started
	}
	ms := at.UnixMilli()
	h.mu.Lock()
	defer h.mu.Unlock()
	if ms <= h.lastAt {
		return
	}
	h.lastAt = ms
	sp := h.openSpan()
	i := len(sp.times)
	sp.times = append(sp.times, ms)
	for ti := range s.Targets {
		ts := &s.Targets[ti]
		for ji := range ts.Jobs {
			js := &ts.Jobs[ji]
			ref := ts.Job(js.Name)
			ser := h.jobs[ref]
			if ser == nil {
				ser = &series{ref: ref}
				h.jobs[ref] = ser
			}
			ser.team = ts.Owner.Team
			ser.record(i, sampleOf(ts, js, &ser.last))
		}
	}
	h.expire(ms)
}

// openSpan returns the span the next cycle goes in, closing a full one.
func (h *History) openSpan() *span {
	if n := len(h.spans); n > 0 && !h.spans[n-1].closed && len(h.spans[n-1].times) < chunkLen {
		return &h.spans[n-1]
	}
	if n := len(h.spans); n > 0 && !h.spans[n-1].closed {
		h.closeSpan(&h.spans[n-1])
	}
	h.spans = append(h.spans, span{id: h.nextID, times: make([]int64, 0, chunkLen)})
	h.nextID++
	return &h.spans[len(h.spans)-1]
}

func (h *History) closeSpan(sp *span) {
	for _, s := range h.jobs {
		s.close(sp.id)
	}
	sp.closed = true
}

// expire downsamples the spans older than Retention and drops what is
// older than Coarse beyond it.
func (h *History) expire(now int64) {
	fine := now - h.o.Retention.Milliseconds()
	for len(h.spans) > 1 && h.spans[0].closed && h.spans[0].times[len(h.spans[0].times)-1] < fine {
		sp := h.spans[0]
		for _, s := range h.jobs {
			if len(s.chunks) > 0 && s.chunks[0].span == sp.id {
				s.downsample(sp.times)
			}
		}
		h.spans[0] = span{}
		h.spans = h.spans[1:]
	}
	cut := fine - h.o.Coarse.Milliseconds()
	for ref, s := range h.jobs {
		s.expire(cut)
		if s.empty() {
			delete(h.jobs, ref)
		}
	}
}

// spanIndex finds the span of id; spans are consecutive.
func (h *History) spanIndex(id uint64) (int, bool) {
	if len(h.spans) == 0 || id < h.spans[0].id {
		return 0, false
	}
	i := int(id - h.spans[0].id)
	return i, i < len(h.spans) && h.spans[i].id == id
}

// Sizes of the fixed parts, for Bytes.
const (
	seriesSize = int(unsafe.Sizeof(series{})) + 64 // and its map entry
	chunkSize  = int(unsafe.Sizeof(chunk{}))
	bucketSize = int(unsafe.Sizeof(bucket{}))
)

// Bytes estimates the memory the history holds (what the benchmark
// checks against the heap it measures).
func (h *History) Bytes() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, sp := range h.spans {
		n += 8 * cap(sp.times)
	}
	for _, s := range h.jobs {
		n += s.bytes()
	}
	return n
}

// Jobs is the number of jobs with a history.
func (h *History) Jobs() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.jobs)
}
