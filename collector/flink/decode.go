package flink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// decodeJSON decodes data into v after checking that it starts like the
// JSON the endpoint sends: an HTML error page or a bare null is a
// DecodeError, not a zero value.
func decodeJSON(data []byte, open byte, v any) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != open {
		return &DecodeError{Err: fmt.Errorf("want a JSON %s, body starts %q", kind(open), prefix(trimmed))}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &DecodeError{Err: err}
	}
	return nil
}

func kind(open byte) string {
	if open == '[' {
		return "array"
	}
	return "object"
}

func prefix(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	return string(b)
}

// decodeCheckpoints decodes GET /jobs/:jobid/checkpoints, by the fast
// path when it can.
func decodeCheckpoints(data []byte) (Checkpoints, error) {
	if v, ok := decodeCheckpointsFast(data); ok {
		return v, nil
	}
	var v Checkpoints
	err := decodeJSON(data, '{', &v)
	return v, err
}

// decodeJobDetails decodes GET /jobs/:jobid, by the fast path when it
// can.
func decodeJobDetails(data []byte) (JobDetails, error) {
	if v, ok := decodeJobDetailsFast(data); ok {
		return v, nil
	}
	var v JobDetails
	err := decodeJSON(data, '{', &v)
	return v, err
}

// decodeExceptions decodes GET /jobs/:jobid/exceptions and normalises the
// versions' shapes.
func decodeExceptions(data []byte) (Exceptions, error) {
	var w exceptionsWire
	if err := decodeJSON(data, '{', &w); err != nil {
		return Exceptions{}, err
	}
	return w.normalise(), nil
}

func (w exceptionsWire) normalise() Exceptions {
	if h := w.ExceptionHistory; h != nil && len(h.Entries) > 0 {
		return Exceptions{Entries: h.Entries, Truncated: h.Truncated}
	}
	if w.RootException == "" {
		return Exceptions{Truncated: w.Truncated}
	}
	// A 1.x JobManager that kept no history still reports its root cause.
	first, _, _ := strings.Cut(w.RootException, "\n")
	name, _, _ := strings.Cut(first, ":")
	return Exceptions{Entries: []ExceptionEntry{{
		ExceptionName: strings.TrimSpace(name),
		Stacktrace:    w.RootException,
		Timestamp:     w.Timestamp,
	}}, Truncated: w.Truncated}
}

// decodeMetrics decodes GET /jobs/:jobid/metrics into the finite numeric
// values present.
func decodeMetrics(data []byte) (map[string]float64, error) {
	if v, ok := decodeMetricsFast(data); ok {
		return v, nil
	}
	return decodeMetricsJSON(data)
}

func decodeMetricsJSON(data []byte) (map[string]float64, error) {
	var ms []metricWire
	if err := decodeJSON(data, '[', &ms); err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(ms))
	for _, m := range ms {
		if m.Value.Valid {
			out[m.ID] = m.Value.Value
		}
	}
	return out, nil
}

// decodeJobsOverview decodes GET /jobs/overview, by the fast path when it
// can.
func decodeJobsOverview(data []byte) (JobsOverview, error) {
	if v, ok := decodeJobsOverviewFast(data); ok {
		return v, nil
	}
	var v JobsOverview
	err := decodeJSON(data, '{', &v)
	return v, err
}
