package flink

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

func TestConnectionRefused(t *testing.T) {
	c, err := New(flinkfake.RefusedURL(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Overview(context.Background())
	var se *StatusError
	var de *DecodeError
	if !errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &se) || errors.As(err, &de) {
		t.Errorf("err = %v, want connection refused and neither a status nor a decode error", err)
	}
}

func TestTimeouts(t *testing.T) {
	jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Delay: time.Minute})
	jm.SetScenario(flinkfake.Slow)
	tests := []struct {
		name    string
		timeout time.Duration // Options.Timeout
		ctx     time.Duration // caller's deadline
	}{
		{"per-request timeout", 50 * time.Millisecond, 0},
		{"caller deadline", 0, 50 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := New(srv.URL, Options{HTTP: srv.Client(), Timeout: tc.timeout})
			ctx := context.Background()
			if tc.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctx)
				defer cancel()
			}
			_, err := c.Overview(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
		})
	}
}

func TestPathPrefixedBaseURL(t *testing.T) {
	fl := flinkfake.NewFleet(flinkfake.FleetOptions{JobManagers: 3, Mix: flinkfake.Mix{flinkfake.Healthy: 1}})
	srv := flinkfake.Serve(t, fl)
	for _, base := range []string{srv.URL + fl.Path(2), srv.URL + fl.Path(2) + "/", srv.URL + fl.Path(2) + "?x=1"} {
		c, err := New(base, Options{})
		if err != nil {
			t.Fatal(err)
		}
		jobs, err := c.JobsOverview(context.Background())
		if err != nil || len(jobs) != 1 || jobs[0].Name != fl.Targets()[2].Name {
			t.Errorf("%s: jobs %v, %v; want JobManager 2's job", base, jobs, err)
		}
		if _, err := c.JobMetrics(context.Background(), jobs[0].ID, "numRestarts"); err != nil {
			t.Errorf("%s: metrics: %v", base, err)
		}
	}
	if _, err := New("flink-rest:8081", Options{}); err == nil {
		t.Error("a URL without scheme: want an error")
	}
}

func TestGateBoundsRequestsInFlight(t *testing.T) {
	const slots = 3
	var mu sync.Mutex
	var inFlight, peak int
	jm := flinkfake.New(flinkfake.Options{})
	srv := flinkfake.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond) // hold the slot so requests overlap
		jm.ServeHTTP(w, r)
		mu.Lock()
		inFlight--
		mu.Unlock()
	}))
	g := make(chanGate, slots)
	clients := make([]*Client, 4)
	for i := range clients {
		clients[i], _ = New(srv.URL, Options{HTTP: srv.Client(), Gate: g})
	}
	done := make(chan error)
	for i := range 40 {
		go func() {
			_, err := clients[i%len(clients)].Overview(context.Background())
			done <- err
		}()
	}
	for range 40 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if peak > slots || peak < 2 {
		t.Errorf("at most %d requests were in flight, want between 2 and the gate's %d", peak, slots)
	}
}

// chanGate is a counting semaphore, like the collector's.
type chanGate chan struct{}

func (g chanGate) Acquire(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g chanGate) Release() { <-g }

func TestGateWaitHonoursContext(t *testing.T) {
	g := make(chanGate, 1)
	g <- struct{}{} // full
	c, _ := New("http://127.0.0.1:1", Options{Gate: g})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Overview(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline while waiting for the gate", err)
	}
}

func TestKeepAliveReusesConnections(t *testing.T) {
	jm := flinkfake.New(flinkfake.Options{Jobs: []flinkfake.JobSpec{{Name: "j", Scenario: flinkfake.CheckpointingDisabled}}})
	srv := httptest.NewUnstartedServer(jm)
	conns := make(chan struct{}, 1000)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, _ := New(srv.URL, Options{HTTP: srv.Client()})
	id := jobID(t, jm, "j")
	ctx := context.Background()
	for range 20 {
		// Successes and 404s alike must leave the connection reusable.
		if _, err := c.JobsOverview(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Checkpoints(ctx, id); !errors.Is(err, ErrCheckpointingDisabled) {
			t.Fatal(err)
		}
		if _, err := c.JobMetrics(ctx, id, "numRestarts"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(conns); n != 1 {
		t.Errorf("60 sequential requests opened %d connections, want 1", n)
	}
}
