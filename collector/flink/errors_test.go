package flink

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

func TestStatusErrors(t *testing.T) {
	long := strings.Repeat("é", 400)
	trace := "org.apache.flink.runtime.rest.handler.RestHandlerException: Checkpointing has not been enabled.\n" + strings.Repeat("\tat org.apache.flink.Frame.f(Frame.java:1)\n", 3000)
	tests := []struct {
		name     string
		code     int
		body     string
		want     []string
		disabled bool
	}{
		{"flink 404", 404, `{"errors":["Not found: /jobs/x"]}`, []string{"Not found: /jobs/x"}, false},
		{"first lines only", 400, `{"errors":["Bad request\n\tat x"]}`, []string{"Bad request"}, false},
		{"server-side exception", 500, `{"errors":["Internal server error.","<Exception on server side:\njava.util.concurrent.TimeoutException: rpc\n\tat x\n\nEnd of exception on server side>"]}`,
			[]string{"Internal server error.", "java.util.concurrent.TimeoutException: rpc"}, false},
		{"long message truncated", 503, `{"errors":["` + long + `"]}`, []string{strings.Repeat("é", 150) + "…"}, false},
		{"at most five", 500, `{"errors":["1","2","3","4","5","6"]}`, []string{"1", "2", "3", "4", "5"}, false},
		{"trace longer than the error body limit", 404, `{"errors":[` + strconv.Quote(trace) + `]}`,
			[]string{"org.apache.flink.runtime.rest.handler.RestHandlerException: Checkpointing has not been enabled."}, true},
		{"not json", 502, `<html>bad gateway</html>`, nil, false},
		{"other keys first", 409, `{"code":1,"errors":["conflict"]}`, []string{"conflict"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := flinkfake.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.code)
				fmt.Fprint(w, tc.body)
			}))
			c, _ := New(srv.URL, Options{HTTP: srv.Client()})
			_, err := c.Checkpoints(context.Background(), "0123456789abcdef0123456789abcdef")
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *StatusError", err)
			}
			if se.Code != tc.code || fmt.Sprint(se.Messages) != fmt.Sprint(tc.want) {
				t.Errorf("got %d %q, want %d %q", se.Code, se.Messages, tc.code, tc.want)
			}
			if errors.Is(err, ErrNotFound) != (tc.code == 404) {
				t.Errorf("errors.Is(ErrNotFound) = %v for %d", !(tc.code == 404), tc.code)
			}
			if errors.Is(err, ErrCheckpointingDisabled) != tc.disabled {
				t.Errorf("errors.Is(ErrCheckpointingDisabled) = %v, want %v", !tc.disabled, tc.disabled)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, s := range []flinkfake.Scenario{flinkfake.InvalidJSON, flinkfake.Truncated} {
		t.Run(s.String(), func(t *testing.T) {
			c, jm, _ := fakeClient(t, flinkfake.Options{})
			jm.SetScenario(s)
			_, err := c.JobsOverview(context.Background())
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DecodeError", err)
			}
			if s == flinkfake.InvalidJSON && !strings.Contains(err.Error(), "text/html") {
				t.Errorf("err %q should name the content type the server sent", err)
			}
		})
	}
	for _, body := range []string{"null", "", "[]", `"x"`, "{}garbage"} {
		if err := decodeJSON([]byte(body), '{', &Overview{}); !errors.As(err, new(*DecodeError)) {
			t.Errorf("decode %q: %v, want a *DecodeError", body, err)
		}
	}
}

// TestHugeBody checks a 50 MB answer fails as a DecodeError after at most
// MaxBodyBytes, whether it comes chunked or with a Content-Length.
func TestHugeBody(t *testing.T) {
	const limit = 1 << 20
	chunked := func(t *testing.T) string {
		jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{HugeBytes: 50 << 20})
		jm.SetScenario(flinkfake.Huge)
		return srv.URL
	}
	withLength := func(t *testing.T) string {
		return flinkfake.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(50<<20))
			chunk := []byte(strings.Repeat(" ", 64<<10))
			for range (50 << 20) / len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})).URL
	}
	for name, serve := range map[string]func(*testing.T) string{"chunked": chunked, "content-length": withLength} {
		t.Run(name, func(t *testing.T) {
			c, _ := New(serve(t), Options{MaxBodyBytes: limit})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := c.JobsOverview(context.Background())
			runtime.ReadMemStats(&after)
			if !errors.As(err, new(*DecodeError)) || !strings.Contains(err.Error(), "larger than") {
				t.Fatalf("err = %v, want a DecodeError for the size", err)
			}
			// The limit plus the reader's doubling, far from 50 MB.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 6*limit {
				t.Errorf("reading a 50 MB body allocated %d bytes with a %d byte limit", alloc, limit)
			}
		})
	}
}

func TestVanishedJobAndUnknownState(t *testing.T) {
	ctx := context.Background()
	c, jm, _ := fakeClient(t, flinkfake.Options{Jobs: []flinkfake.JobSpec{{Name: "a"}, {Name: "b"}}})
	jm.Vanish("b")
	jm.SetState("a", "PAUSED")
	jobs, err := c.JobsOverview(ctx)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("jobs %v, %v: want both listed", jobs, err)
	}
	for _, j := range jobs {
		if j.Name == "a" && (j.State != "PAUSED" || j.State.Known()) {
			t.Errorf("state %q known=%v, want PAUSED kept verbatim and unknown", j.State, j.State.Known())
		}
	}
	b := jobID(t, jm, "b")
	if _, err := c.Job(ctx, b); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrCheckpointingDisabled) {
		t.Errorf("details of a vanished job: %v, want ErrNotFound only", err)
	}
	if _, err := c.Checkpoints(ctx, b); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrCheckpointingDisabled) {
		t.Errorf("checkpoints of a vanished job: %v, want ErrNotFound, not disabled checkpointing", err)
	}
	if m, err := c.JobMetrics(ctx, b, "numRestarts"); err != nil || len(m) != 0 {
		t.Errorf("metrics of a vanished job: %v, %v; Flink answers an empty list", m, err)
	}
}
