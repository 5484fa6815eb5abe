package flink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// getJSON fetches path and decodes the body, which must be a JSON value
// starting with open ('{' or '['), into v.
func (c *Client) getJSON(ctx context.Context, path string, open byte, v any) error {
	return c.get(ctx, path, func(data []byte) error { return decodeJSON(data, open, v) })
}

// get fetches base+path and hands a 200 body to decode. The request holds
// the gate for its whole duration and is bounded by Options.Timeout once
// it has the gate.
func (c *Client) get(ctx context.Context, path string, decode func([]byte) error) error {
	if c.opts.Gate != nil {
		if err := c.opts.Gate.Acquire(ctx); err != nil {
			return fmt.Errorf("get %s: wait for a request slot: %w", path, err)
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
	req.Header["Accept"] = c.accept
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	defer func() {
		// Drain a little so the connection can be reused, then close; a
		// body that is still longer is not worth the bandwidth.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: %w", path, statusError(resp.StatusCode, resp.Body))
	}
	buf, err := c.readBody(resp)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	err = decode(*buf)
	putBody(buf)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			de.ContentType = resp.Header.Get("Content-Type")
		}
		return fmt.Errorf("get %s: %w", path, err)
	}
	return nil
}

// bodies holds response buffers between requests. Every JobManager's
// steady responses are read, decoded and dropped each cycle; a fresh slice
// for each was a good part of the cycle's garbage. The decoders copy what
// they keep, so a buffer is free again once decode returns. (Scratch
// space that nobody can observe, like encoding/json's own pools: the one
// package-level variable here.)
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxPooledBody keeps the rare large bodies (exception histories, job
// details of big graphs) from pinning memory in the pool.
const maxPooledBody = 64 << 10

func putBody(b *[]byte) {
	if cap(*b) <= maxPooledBody {
		*b = (*b)[:0]
		bodies.Put(b)
	}
}

// readBody reads the whole body into a buffer from the pool (given back
// with putBody), refusing one larger than MaxBodyBytes without reading
// it: Flink sends a Content-Length, so the common case is one read into a
// buffer of the right size, and a chunked body is read through a limit.
func (c *Client) readBody(resp *http.Response) (*[]byte, error) {
	limit := c.opts.MaxBodyBytes
	buf := bodies.Get().(*[]byte)
	if n := resp.ContentLength; n > limit {
		putBody(buf)
		return nil, tooBig(limit)
	} else if n >= 0 {
		if int64(cap(*buf)) < n {
			*buf = make([]byte, n)
		}
		*buf = (*buf)[:n]
		if _, err := io.ReadFull(resp.Body, *buf); err != nil {
			putBody(buf)
			return nil, fmt.Errorf("read body: %w", err)
		}
		return buf, nil
	}
	b, err := readAll((*buf)[:0], io.LimitReader(resp.Body, limit+1))
	*buf = b
	switch {
	case err != nil:
		putBody(buf)
		return nil, fmt.Errorf("read body: %w", err)
	case int64(len(b)) > limit:
		putBody(buf)
		return nil, tooBig(limit)
	}
	return buf, nil
}

func tooBig(limit int64) error {
	return &DecodeError{Err: fmt.Errorf("body larger than %d bytes", limit)}
}

// readAll is io.ReadAll appending to b.
func readAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				return b, nil
			}
			return b, err
		}
	}
}
