package history

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/fleet"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// job is one job of a test snapshot.
type job struct {
	ns, name, team string
	healthy        bool
	reasons        []fleet.Reason
	restarts       float64
	completed      float64
	failed         float64
	lag            float64 // < 0: none
	lagSeconds     float64 // < 0: unknown
	suspended      bool
	down           bool
}

func snapAt(at time.Time, jobs ...job) *fleet.Snapshot {
	s := &fleet.Snapshot{Started: at.Add(-time.Second), Finished: at}
	for _, j := range jobs {
		js := fleet.JobStatus{
			Name: j.name, State: fleet.StateRunning, Expected: !j.suspended, Healthy: j.healthy && !j.suspended,
			Reasons: j.reasons, Restarts: j.restarts, CheckpointsCompleted: j.completed, CheckpointsFailed: j.failed,
			Stale: j.down,
		}
		if j.lag >= 0 {
			js.HasKafkaLag, js.KafkaLagRecords = true, j.lag
			if j.lagSeconds >= 0 {
				js.KafkaLagSecondsKnown, js.KafkaLagSeconds = true, j.lagSeconds
			}
		}
		s.Targets = append(s.Targets, fleet.TargetStatus{
			Target: fleet.Target{Namespace: j.ns, Deployment: j.name, Owner: fleet.Owner{Team: j.team}, Suspended: j.suspended},
			Up:     !j.down, Jobs: []fleet.JobStatus{js},
		})
	}
	return s
}

func ref(ns, name string) fleet.JobRef {
	return fleet.JobRef{Namespace: ns, Deployment: name, Job: name}
}

// TestTimeline: a job's bands, reasons, counter deltas and lag come back
// cycle by cycle, in order, and its uptime counts its healthy cycles.
func TestTimeline(t *testing.T) {
	h := New(Options{})
	base := job{ns: "shop", name: "cart", team: "checkout", healthy: true, lag: 10, lagSeconds: 2}
	steps := []job{base, base, base, base}
	steps[1].completed, steps[2].completed, steps[3].completed = 3, 5, 5
	steps[2].healthy, steps[2].reasons, steps[2].restarts = false, []fleet.Reason{fleet.ReasonNotRunning, fleet.ReasonTooManyRestarts}, 2
	steps[3].restarts, steps[3].failed, steps[3].lag, steps[3].lagSeconds = 2, 1, 1234567, -1
	for i, j := range steps {
		h.Apply(snapAt(t0.Add(time.Duration(i)*15*time.Second), j))
	}
	got := h.Timeline(ref("shop", "cart"))
	require.Len(t, got, 4)
	type row struct {
		Healthy, Restarts, Checkpoints, Failed int
		Reasons                                []fleet.Reason
		LagSecondsKnown                        bool
	}
	var rows []row
	for _, p := range got {
		rows = append(rows, row{p.Healthy, p.Restarts, p.Checkpoints, p.CheckpointFailed, p.Reasons.List(), p.HasLagSeconds})
	}
	want := []row{
		{1, 0, 0, 0, nil, true},
		{1, 0, 3, 0, nil, true},
		{0, 2, 2, 0, []fleet.Reason{fleet.ReasonNotRunning, fleet.ReasonTooManyRestarts}, true},
		{1, 0, 0, 1, nil, false},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Fatalf("timeline (-want +got):\n%s", d)
	}
	require.Equal(t, t0.Add(45*time.Second), got[3].To)
	require.InEpsilon(t, 1234567, got[3].LagRecords, 5e-3)
	require.Equal(t, Uptime{Healthy: 3, Expected: 4}, h.Uptime(ref("shop", "cart")))
	require.Nil(t, h.Timeline(ref("shop", "nope")))
}

// TestSuspendedNotExpected: a suspended job is recorded but never counts
// against the uptime.
func TestSuspendedNotExpected(t *testing.T) {
	h := New(Options{})
	h.Apply(snapAt(t0, job{ns: "bi", name: "reports", suspended: true, lag: -1}))
	require.Equal(t, Uptime{}, h.Uptime(ref("bi", "reports")))
	require.Len(t, h.Timeline(ref("bi", "reports")), 1)
	_, ok := h.Uptime(ref("bi", "reports")).Ratio()
	require.False(t, ok)
}

// TestDownsample: beyond Retention cycles become buckets that keep the
// sums, beyond Coarse they are gone, and the uptime follows.
func TestDownsample(t *testing.T) {
	h := New(Options{Retention: time.Hour, Coarse: 2 * time.Hour})
	const every = 15 * time.Second
	n := int(5 * time.Hour / every)
	for i := range n {
		j := job{ns: "shop", name: "cart", healthy: i%10 != 0, lag: float64(i % 100), lagSeconds: -1, restarts: float64(i / 10), completed: float64(i)}
		h.Apply(snapAt(t0.Add(time.Duration(i)*every), j))
	}
	pts := h.Timeline(ref("shop", "cart"))
	last := t0.Add(time.Duration(n-1) * every)
	var fine, coarse, cycles, healthy, restarts int
	for _, p := range pts {
		if p.From.Equal(p.To) && p.Cycles == 1 {
			fine++
		} else {
			coarse++
		}
		cycles += p.Cycles
		healthy += p.Healthy
		restarts += p.Restarts
	}
	require.Less(t, last.Sub(pts[0].From), 3*time.Hour+coarseChunks*chunkLen*every, "older than Retention+Coarse is gone")
	require.GreaterOrEqual(t, last.Sub(pts[0].From), 3*time.Hour-coarseChunks*chunkLen*every)
	require.InDelta(t, int(time.Hour/every), fine, chunkLen, "Retention at cycle resolution")
	require.Positive(t, coarse)
	require.Equal(t, cycles, h.Uptime(ref("shop", "cart")).Expected, "the uptime counts what is kept")
	require.Equal(t, healthy, h.Uptime(ref("shop", "cart")).Healthy)
	require.InDelta(t, cycles/10, restarts, 2, "a restart every ten cycles, summed in buckets")
	from, to := h.Window()
	require.Equal(t, pts[0].From, from)
	require.Equal(t, last, to)
}

// TestGoneJobExpires: a job no longer in the snapshots is dropped once
// its history has aged out.
func TestGoneJobExpires(t *testing.T) {
	h := New(Options{Retention: time.Hour, Coarse: -1})
	h.Apply(snapAt(t0, job{ns: "a", name: "gone", lag: -1}))
	for i := 1; i < int(3*time.Hour/(15*time.Second)); i++ {
		h.Apply(snapAt(t0.Add(time.Duration(i)*15*time.Second), job{ns: "a", name: "stays", lag: -1}))
	}
	require.Nil(t, h.Timeline(ref("a", "gone")))
	require.Equal(t, 1, h.Jobs())
}

// TestOldSnapshotIgnored: a snapshot not newer than the last changes
// nothing.
func TestOldSnapshotIgnored(t *testing.T) {
	h := New(Options{})
	h.Apply(snapAt(t0, job{ns: "a", name: "j", healthy: true, lag: -1}))
	h.Apply(snapAt(t0, job{ns: "a", name: "j", lag: -1}))
	h.Apply(snapAt(t0.Add(-time.Minute), job{ns: "a", name: "j", lag: -1}))
	require.Len(t, h.Timeline(ref("a", "j")), 1)
}

func TestLagQuantization(t *testing.T) {
	for _, v := range []float64{0, 1, 2, 17, 999, 123456, 9.87e9, 1e14} {
		got := dequantizeLag(quantizeLag(v))
		if math.Abs(got-v) > 0.5+v*4.3e-3 {
			t.Errorf("lag %g comes back as %g", v, got)
		}
	}
	require.Equal(t, uint16(maxLagQ), quantizeLag(math.Inf(1)))
	require.Zero(t, dequantizeLag(quantizeLag(math.NaN())))
}

// TestPersistRoundTrip: what Encode saves, Restore brings back, the open
// span included; recording resumes in a new span.
func TestPersistRoundTrip(t *testing.T) {
	h := New(Options{Retention: time.Hour, Coarse: time.Hour})
	for i := range 400 {
		h.Apply(snapAt(t0.Add(time.Duration(i)*15*time.Second),
			job{ns: "a", name: "x", team: "t", healthy: i%7 != 0, lag: float64(i), lagSeconds: float64(i) / 3, completed: float64(i)},
			job{ns: "b", name: "y", healthy: true, lag: -1, reasons: nil}))
	}
	b := h.Encode()
	h2 := New(Options{Retention: time.Hour, Coarse: time.Hour})
	require.NoError(t, h2.Restore(b))
	for _, r := range []fleet.JobRef{ref("a", "x"), ref("b", "y")} {
		if d := cmp.Diff(h.Timeline(r), h2.Timeline(r)); d != "" {
			t.Fatalf("%s after restore (-before +after):\n%s", r, d)
		}
		require.Equal(t, h.Uptime(r), h2.Uptime(r))
	}
	f1, l1 := h.Window()
	f2, l2 := h2.Window()
	require.Equal(t, []time.Time{f1, l1}, []time.Time{f2, l2})
	next := t0.Add(400 * 15 * time.Second)
	h2.Apply(snapAt(next, job{ns: "a", name: "x", healthy: true, lag: 1, lagSeconds: 1}))
	pts := h2.Timeline(ref("a", "x"))
	require.Equal(t, next, pts[len(pts)-1].To)
	require.Len(t, pts, len(h.Timeline(ref("a", "x")))+1)
}

// TestRestoreRefuses: input that is not a whole saved history is an error
// and leaves the history as it was.
func TestRestoreRefuses(t *testing.T) {
	h := New(Options{})
	h.Apply(snapAt(t0, job{ns: "a", name: "x", healthy: true, lag: -1}))
	good := h.Encode()
	cases := map[string][]byte{
		"empty":     nil,
		"foreign":   []byte(`{"version":1}`),
		"version":   append([]byte(magic), 9),
		"truncated": good[:len(good)-3],
		"trailing":  append(append([]byte(nil), good...), 0),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			h2 := New(Options{})
			h2.Apply(snapAt(t0, job{ns: "keep", name: "me", lag: -1}))
			require.Error(t, h2.Restore(b))
			require.Len(t, h2.Timeline(ref("keep", "me")), 1)
		})
	}
}

func FuzzRestore(f *testing.F) {
	h := New(Options{})
	for i := range 70 {
		h.Apply(snapAt(t0.Add(time.Duration(i)*time.Second), job{ns: "a", name: "x", healthy: i%3 == 0, lag: float64(i), lagSeconds: 1}))
	}
	f.Add(h.Encode())
	f.Add([]byte(magic + "\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h := New(Options{})
		if h.Restore(b) != nil {
			return
		}
		// Whatever restores must read and record without panicking.
		for r := range h.jobs {
			_ = h.Timeline(r)
		}
		h.Apply(snapAt(time.UnixMilli(h.lastAt).Add(time.Second), job{ns: "a", name: "x", lag: -1}))
		_ = h.Encode()
	})
}

func TestColumnRoundTrip(t *testing.T) {
	cases := map[string][]uint16{
		"constant": {7, 7, 7, 7},
		"runs":     {0, 0, 0, 0, 0, 300, 300, 300, 300, 300},
		"nibbles":  {1, 2, 3, 1, 2, 3, 15},
		"bytes":    {1, 200, 3, 255, 2},
		"12 bits":  {1, 4000, 3, 4095, 17},
		"12 even":  {1, 4000, 3, 4095},
		"words":    {1, 65535, 3, 40000},
		"one":      {42},
	}
	for name, vs := range cases {
		t.Run(name, func(t *testing.T) {
			b := appendColumn(nil, vs)
			got := make([]uint16, len(vs))
			rest, err := readColumn(b, got)
			require.NoError(t, err)
			require.Empty(t, rest)
			require.Equal(t, vs, got)
			require.LessOrEqual(t, len(b), 1+2*len(vs), "never larger than raw")
		})
	}
}

func FuzzColumn(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) < 2 {
			return
		}
		vs := make([]uint16, len(raw)/2)
		for i := range vs {
			vs[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
		}
		got := make([]uint16, len(vs))
		if _, err := readColumn(appendColumn(nil, vs), got); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(vs) {
			t.Fatalf("got %v, want %v", got, vs)
		}
		_, _ = readColumn(raw, got) // garbage never panics
	})
}

// TestObserveNeverBlocks: with Run not running, Observe drops rather
// than waits.
func TestObserveNeverBlocks(t *testing.T) {
	h := New(Options{})
	done := make(chan struct{})
	go func() {
		for i := range 100 {
			h.Observe(snapAt(t0.Add(time.Duration(i) * time.Second)))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Observe blocked")
	}
}

// memStore is a Store in memory.
type memStore struct{ b []byte }

func (m *memStore) Load(context.Context) ([]byte, error)   { return m.b, nil }
func (m *memStore) Save(_ context.Context, b []byte) error { m.b = b; return nil }

// TestRunSavesAndRestores: Run saves when it stops, and a new Run starts
// from what was saved.
func TestRunSavesAndRestores(t *testing.T) {
	st := &memStore{}
	h := New(Options{Store: st})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx) }()
	h.Observe(snapAt(t0, job{ns: "a", name: "x", healthy: true, lag: -1}))
	require.Eventually(t, func() bool { return h.Jobs() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	require.NotEmpty(t, st.b)

	h2 := New(Options{Store: st})
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { done <- h2.Run(ctx2) }()
	require.Eventually(t, func() bool { return h2.Jobs() == 1 }, 5*time.Second, time.Millisecond)
	cancel2()
	require.NoError(t, <-done)
}
