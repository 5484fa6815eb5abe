package flink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	data, err := c.readBody(resp)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	if err := decode(data); err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			de.ContentType = resp.Header.Get("Content-Type")
		}
		return fmt.Errorf("get %s: %w", path, err)
	}
	return nil
}

// readBody reads the whole body, refusing one larger than MaxBodyBytes
// without reading it: Flink sends a Content-Length, so the common case is
// one allocation of the right size, and a chunked body is read through a
// limit.
func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	limit := c.opts.MaxBodyBytes
	tooBig := &DecodeError{Err: fmt.Errorf("body larger than %d bytes", limit)}
	if n := resp.ContentLength; n > limit {
		return nil, tooBig
	} else if n >= 0 {
		data := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, data); err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		return data, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, tooBig
	}
	return data, nil
}
