package flinkfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fixture is a one-job JobManager on a manual clock.
type fixture struct {
	clk *Clock
	jm  *JobManager
	id  string
}

func newFixture(t *testing.T, o Options) *fixture {
	t.Helper()
	clk := NewClock(t0)
	o.Now = clk.Now
	if len(o.Jobs) == 0 {
		o.Jobs = []JobSpec{{Name: "orders"}}
	}
	jm := New(o)
	id, err := jm.JobID(o.Jobs[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{clk: clk, jm: jm, id: id}
}

// get fetches path and decodes the JSON body into v (when not nil).
func get(t *testing.T, h http.Handler, path string, v any) int {
	t.Helper()
	return do(t, h, http.MethodGet, path, v)
}

func do(t *testing.T, h http.Handler, method, path string, v any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("GET %s: %d, invalid JSON %q: %v", path, rec.Code, truncate(rec.Body.String()), err)
		}
	}
	return rec.Code
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// Minimal views of the wire format, decoded independently of
// collector/flink so the fake is checked on its own.

type overviewJSON struct {
	JobsRunning   int `json:"jobs-running"`
	JobsFailed    int `json:"jobs-failed"`
	JobsCancelled int `json:"jobs-cancelled"`
	TaskManagers  int `json:"taskmanagers"`
}

type jobJSON struct {
	ID        string         `json:"jid"`
	Name      string         `json:"name"`
	State     string         `json:"state"`
	StartTime int64          `json:"start-time"`
	EndTime   int64          `json:"end-time"`
	Tasks     map[string]int `json:"tasks"`
}

type jobsOverviewJSON struct {
	Jobs []jobJSON `json:"jobs"`
}

type checkpointJSON struct {
	ID             int64  `json:"id"`
	Status         string `json:"status"`
	ClassName      string `json:"className"`
	LatestAck      int64  `json:"latest_ack_timestamp"`
	FailureMessage string `json:"failure_message"`
}

type checkpointsJSON struct {
	Counts struct {
		Restored, Total, Completed, Failed int64
		InProgress                         int64 `json:"in_progress"`
	} `json:"counts"`
	Latest struct {
		Completed *checkpointJSON `json:"completed"`
		Failed    *checkpointJSON `json:"failed"`
		Restored  *struct {
			ID int64 `json:"id"`
		} `json:"restored"`
	} `json:"latest"`
	History []checkpointJSON `json:"history"`
}

type entryJSON struct {
	ExceptionName string            `json:"exceptionName"`
	Stacktrace    string            `json:"stacktrace"`
	Timestamp     int64             `json:"timestamp"`
	TaskName      *string           `json:"taskName"`
	Endpoint      *string           `json:"endpoint"`
	Location      *string           `json:"location"`
	TaskManagerID *string           `json:"taskManagerId"`
	FailureLabels map[string]string `json:"failureLabels"`
	Concurrent    []entryJSON       `json:"concurrentExceptions"`
}

type exceptionsJSON struct {
	RootException *string `json:"root-exception"`
	History       struct {
		Entries   []entryJSON `json:"entries"`
		Truncated bool        `json:"truncated"`
	} `json:"exceptionHistory"`
}

type metricJSON struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// metrics fetches the named metrics as numbers; absent ones are missing.
func metrics(t *testing.T, h http.Handler, id, names string) map[string]int64 {
	t.Helper()
	var ms []metricJSON
	get(t, h, "/jobs/"+id+"/metrics?get="+names, &ms)
	out := map[string]int64{}
	for _, m := range ms {
		n, err := strconv.ParseInt(m.Value, 10, 64)
		if err != nil {
			t.Fatalf("metric %s value %q: want a number in a string", m.ID, m.Value)
		}
		out[m.ID] = n
	}
	return out
}

type errorsJSON struct {
	Errors []string `json:"errors"`
}
