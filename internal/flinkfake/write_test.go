package flinkfake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTransportScenarios(t *testing.T) {
	healthy := newFixture(t, Options{})
	var want []byte
	{
		rec := httptest.NewRecorder()
		healthy.jm.ServeHTTP(rec, httptest.NewRequest("GET", "/jobs/overview", nil))
		want = rec.Body.Bytes()
	}
	tests := []struct {
		s     Scenario
		code  int
		check func(t *testing.T, rec *httptest.ResponseRecorder)
	}{
		{HTTP500, 500, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var e errorsJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || len(e.Errors) != 2 || e.Errors[0] != "Internal server error." {
				t.Errorf("body %q: want Flink's internal server error", truncate(rec.Body.String()))
			}
		}},
		{InvalidJSON, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			if json.Valid(rec.Body.Bytes()) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("body %q (%s): want an HTML page", truncate(rec.Body.String()), rec.Header().Get("Content-Type"))
			}
		}},
		{Truncated, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			b := rec.Body.Bytes()
			if json.Valid(b) || len(b) == 0 || !strings.HasPrefix(string(want), string(b)) {
				t.Errorf("body %q: want a proper prefix of %q", truncate(string(b)), truncate(string(want)))
			}
			if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(b)) {
				t.Errorf("Content-Length %s for %d bytes: the HTTP body itself must be complete", cl, len(b))
			}
		}},
		{Huge, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			if n := rec.Body.Len(); n != 1<<20 {
				t.Errorf("body is %d bytes, want HugeBytes (1 MiB)", n)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Errorf("huge body is not JSON: it should only be too big")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.s.String(), func(t *testing.T) {
			f := newFixture(t, Options{HugeBytes: 1 << 20})
			f.jm.SetScenario(tc.s)
			rec := httptest.NewRecorder()
			f.jm.ServeHTTP(rec, httptest.NewRequest("GET", "/jobs/overview", nil))
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d", rec.Code, tc.code)
			}
			tc.check(t, rec)
			f.jm.SetScenario(Healthy)
			if code := get(t, f.jm, "/jobs/overview", &jobsOverviewJSON{}); code != 200 {
				t.Errorf("back to healthy: status %d", code)
			}
		})
	}
}

func TestJobTransportScenarioOnlyHitsThatJob(t *testing.T) {
	f := newFixture(t, Options{})
	if err := f.jm.SetJobScenario("orders", HTTP500, UserConfig); err != nil {
		t.Fatal(err)
	}
	if code := get(t, f.jm, "/overview", nil); code != 200 {
		t.Errorf("/overview = %d, want 200", code)
	}
	if code := get(t, f.jm, "/jobs/"+f.id+"/checkpoints", nil); code != 500 {
		t.Errorf("the job's checkpoints = %d, want 500", code)
	}
}

func TestSlowHonoursRequestContext(t *testing.T) {
	jm, srv := ServeJobManager(t, Options{Delay: time.Hour})
	jm.SetScenario(Slow)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/overview", nil)
	_, err := srv.Client().Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client's deadline", err)
	}
	// Close waits for running handlers: with an hour's delay it would
	// hang unless the handler gave up when the client did.
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("handler still sleeping after the client went away")
	}
}

func TestHugeStreamsWithoutBuffering(t *testing.T) {
	jm, srv := ServeJobManager(t, Options{HugeBytes: 50 << 20})
	jm.SetScenario(Huge)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, err := srv.Client().Get(srv.URL + "/jobs/overview")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	runtime.ReadMemStats(&after)
	if err != nil || n != 50<<20 {
		t.Fatalf("read %d bytes (%v), want 50 MiB", n, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("serving 50 MiB allocated %d bytes, want it streamed from a small buffer", alloc)
	}
}

func TestRefusedURL(t *testing.T) {
	_, err := http.Get(RefusedURL(t) + "/overview")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("err = %v, want connection refused", err)
	}
}
