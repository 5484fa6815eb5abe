// Package flink is a client for the Flink JobManager REST API, reading the
// response shapes of Flink 1.15 through 2.x as published in the REST API
// stability snapshots. It reads; it never changes a job.
//
// Every call is bounded: by the caller's context, by Options.Timeout per
// request, by Options.MaxBodyBytes per response and, when set, by a Gate
// shared across clients. Failures come back typed: *StatusError for a
// non-200 answer (with ErrNotFound and ErrCheckpointingDisabled matching
// through errors.Is), *DecodeError for a body that is not the JSON the
// endpoint sends, and the transport's own errors (connection refused,
// context deadline) otherwise.
//
// Decoding is tolerant of what differs between versions: fields a version
// lacks stay zero, exceptions are normalised across the 2.0 removal of the
// legacy fields, metric values are read from strings, and a job state a
// newer Flink invents is kept verbatim (JobState.Known reports it).
//
// Besides the endpoints read every cycle, the client reads the inputs of
// the detail signals, meant for a slower cadence: the job graph and each
// vertex's I/O counts (Job, JobDetails.Graph), subtask metrics aggregated
// per vertex (SubtaskMetrics), input watermarks (Watermarks) and
// TaskManager JVM metrics (TaskManagersMetrics, TaskManagerMetrics).
// docs/flink-detail-endpoints.md lists them with their version
// differences.
package flink

import (
	"context"
	"fmt"
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
	// Time spent waiting for the Gate does not count.
	Timeout time.Duration
	// MaxBodyBytes bounds each response; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Gate, when set, is held for the duration of each request.
	Gate Gate
}

// Client reads one JobManager's REST API. It is safe for concurrent use.
type Client struct {
	base string // scheme://host[/prefix] without a trailing slash
	opts Options
	// accept is shared by the client's requests, read-only (the transport
	// never writes to header values), to save an allocation per request.
	accept []string
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
	return &Client{base: strings.TrimRight(u.String(), "/"), opts: opts, accept: []string{"application/json"}}, nil
}

// URL returns the base URL the client was made for.
func (c *Client) URL() string { return c.base }

// Overview reads GET /overview.
func (c *Client) Overview(ctx context.Context) (Overview, error) {
	var v Overview
	err := c.getJSON(ctx, "/overview", '{', &v)
	return v, err
}

// JobsOverview reads GET /jobs/overview.
func (c *Client) JobsOverview(ctx context.Context) ([]JobOverview, error) {
	var v JobsOverview
	err := c.get(ctx, "/jobs/overview", func(data []byte) (err error) {
		v, err = decodeJobsOverview(data)
		return err
	})
	return v.Jobs, err
}

// Job reads GET /jobs/:jobid. ErrNotFound means the job vanished.
func (c *Client) Job(ctx context.Context, jobID string) (JobDetails, error) {
	var v JobDetails
	err := c.get(ctx, jobPath(jobID, ""), func(data []byte) (err error) {
		v, err = decodeJobDetails(data)
		return err
	})
	return v, err
}

// Checkpoints reads GET /jobs/:jobid/checkpoints. A job without
// checkpointing gives ErrCheckpointingDisabled.
func (c *Client) Checkpoints(ctx context.Context, jobID string) (Checkpoints, error) {
	var v Checkpoints
	err := c.get(ctx, jobPath(jobID, "/checkpoints"), func(data []byte) (err error) {
		v, err = decodeCheckpoints(data)
		return err
	})
	return v, checkpointingErr(err)
}

// CheckpointConfig reads GET /jobs/:jobid/checkpoints/config. A job without
// checkpointing gives ErrCheckpointingDisabled.
func (c *Client) CheckpointConfig(ctx context.Context, jobID string) (CheckpointConfig, error) {
	var v CheckpointConfig
	err := c.getJSON(ctx, jobPath(jobID, "/checkpoints/config"), '{', &v)
	return v, checkpointingErr(err)
}

// Exceptions reads GET /jobs/:jobid/exceptions?maxExceptions=max, newest
// entry first.
func (c *Client) Exceptions(ctx context.Context, jobID string, max int) (Exceptions, error) {
	path := jobPath(jobID, "/exceptions")
	if max > 0 {
		path += "?maxExceptions=" + strconv.Itoa(max)
	}
	var v Exceptions
	err := c.get(ctx, path, func(data []byte) (err error) {
		v, err = decodeExceptions(data)
		return err
	})
	return v, err
}

// JobMetrics reads GET /jobs/:jobid/metrics?get=names and returns the
// numeric values present. Flink leaves out metrics it does not have (e.g.
// fullRestarts on 2.x), so a name missing from the map is normal; so are
// values that are not finite numbers ("n/a", "NaN").
func (c *Client) JobMetrics(ctx context.Context, jobID string, names ...string) (map[string]float64, error) {
	path := jobPath(jobID, "/metrics") + "?get=" + url.QueryEscape(strings.Join(names, ","))
	var v map[string]float64
	err := c.get(ctx, path, func(data []byte) (err error) {
		v, err = decodeMetrics(data)
		return err
	})
	return v, err
}

func jobPath(jobID, sub string) string {
	return "/jobs/" + url.PathEscape(jobID) + sub
}
