// Package flink is a client for the Flink JobManager REST API, reading the
// response shapes of Flink 1.15 through 2.x as published in the REST API
// stability snapshots. It reads; it never changes a job.
package flink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxBodyBytes bounds a response body. Flink's largest responses here
// (exceptions with 20 stack traces) stay well under it; a larger body is
// treated as garbage rather than read into memory.
const DefaultMaxBodyBytes = 8 << 20

// Gate bounds the requests in flight across every client sharing it.
type Gate interface {
	Acquire(ctx context.Context) error
	Release()
}

// Options configures a Client.
type Options struct {
	// HTTP is the transport; share one across clients for keep-alive.
	HTTP *http.Client
	// Header is added to every request (auth, ingress routing).
	Header http.Header
	// Timeout bounds each request; 0 means only the caller's context.
	Timeout time.Duration
	// MaxBodyBytes bounds each response; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Gate, when set, is held for the duration of each request.
	Gate Gate
}

// Client reads one JobManager's REST API.
type Client struct {
	base string // scheme://host[/prefix] without a trailing slash
	opts Options
}

// New returns a client for the JobManager at baseURL, which may carry a path
// prefix (a JobManager behind an ingress or proxy).
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("parse jobmanager url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("jobmanager url %q: want http(s)://host[:port][/prefix]", baseURL)
	}
	if opts.HTTP == nil {
		opts.HTTP = http.DefaultClient
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	u.RawQuery, u.Fragment = "", ""
	return &Client{base: strings.TrimRight(u.String(), "/"), opts: opts}, nil
}

// URL returns the base URL the client was made for.
func (c *Client) URL() string { return c.base }

// Overview reads GET /overview.
func (c *Client) Overview(ctx context.Context) (Overview, error) {
	var v Overview
	err := c.get(ctx, "/overview", &v)
	return v, err
}

// JobsOverview reads GET /jobs/overview.
func (c *Client) JobsOverview(ctx context.Context) ([]JobOverview, error) {
	var v JobsOverview
	if err := c.get(ctx, "/jobs/overview", &v); err != nil {
		return nil, err
	}
	return v.Jobs, nil
}

// Job reads GET /jobs/:jobid. ErrNotFound means the job vanished.
func (c *Client) Job(ctx context.Context, jobID string) (JobDetails, error) {
	var v JobDetails
	err := c.get(ctx, "/jobs/"+url.PathEscape(jobID), &v)
	return v, err
}

// Checkpoints reads GET /jobs/:jobid/checkpoints. A job without
// checkpointing gives ErrCheckpointingDisabled.
func (c *Client) Checkpoints(ctx context.Context, jobID string) (Checkpoints, error) {
	var v Checkpoints
	err := c.get(ctx, "/jobs/"+url.PathEscape(jobID)+"/checkpoints", &v)
	return v, checkpointingErr(err)
}

// CheckpointConfig reads GET /jobs/:jobid/checkpoints/config. A job without
// checkpointing gives ErrCheckpointingDisabled.
func (c *Client) CheckpointConfig(ctx context.Context, jobID string) (CheckpointConfig, error) {
	var v CheckpointConfig
	err := c.get(ctx, "/jobs/"+url.PathEscape(jobID)+"/checkpoints/config", &v)
	return v, checkpointingErr(err)
}

// Exceptions reads GET /jobs/:jobid/exceptions?maxExceptions=max, newest
// entry first.
func (c *Client) Exceptions(ctx context.Context, jobID string, max int) (Exceptions, error) {
	var w exceptionsWire
	path := "/jobs/" + url.PathEscape(jobID) + "/exceptions"
	if max > 0 {
		path += "?maxExceptions=" + strconv.Itoa(max)
	}
	if err := c.get(ctx, path, &w); err != nil {
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
	name, _, _ := strings.Cut(strings.SplitN(w.RootException, "\n", 2)[0], ":")
	return Exceptions{Entries: []ExceptionEntry{{
		ExceptionName: strings.TrimSpace(name),
		Stacktrace:    w.RootException,
		Timestamp:     w.Timestamp,
	}}, Truncated: w.Truncated}
}

// JobMetrics reads GET /jobs/:jobid/metrics?get=names and returns the
// numeric values present. Flink leaves out metrics it does not have (e.g.
// fullRestarts on 2.x), so a name missing from the map is normal.
func (c *Client) JobMetrics(ctx context.Context, jobID string, names ...string) (map[string]float64, error) {
	var ms []metricWire
	path := "/jobs/" + url.PathEscape(jobID) + "/metrics?get=" + url.QueryEscape(strings.Join(names, ","))
	if err := c.get(ctx, path, &ms); err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(ms))
	for _, m := range ms {
		if v, ok := parseMetricValue(m.Value); ok {
			out[m.ID] = v
		}
	}
	return out, nil
}

func parseMetricValue(raw json.RawMessage) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 1 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		raw = []byte(s)
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	return v, err == nil
}

// get fetches base+path and decodes the JSON body into v.
func (c *Client) get(ctx context.Context, path string, v any) error {
	if c.opts.Gate != nil {
		if err := c.opts.Gate.Acquire(ctx); err != nil {
			return fmt.Errorf("get %s: %w", path, err)
		}
		defer c.opts.Gate.Release()
	}
	if c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	for k, vs := range c.opts.Header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	defer func() {
		// Drain a little so the connection can be reused, then close.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()
	body := io.LimitReader(resp.Body, c.opts.MaxBodyBytes+1)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: %w", path, statusError(resp.StatusCode, body))
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("get %s: read body: %w", path, err)
	}
	if int64(len(data)) > c.opts.MaxBodyBytes {
		return fmt.Errorf("get %s: %w", path, &DecodeError{Err: fmt.Errorf("body larger than %d bytes", c.opts.MaxBodyBytes)})
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("get %s: %w", path, &DecodeError{Err: err})
	}
	return nil
}
