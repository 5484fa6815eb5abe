package flink

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Watermark is an event-time watermark, epoch milliseconds, as Flink
// reports it. Two values are not times: NoWatermark (Long.MIN_VALUE, no
// watermark has arrived yet: the job has none, or an input is still
// empty) and EndOfInput (Long.MAX_VALUE, every input has finished).
type Watermark int64

const (
	NoWatermark Watermark = math.MinInt64
	EndOfInput  Watermark = math.MaxInt64
)

// Known reports a watermark that has arrived.
func (w Watermark) Known() bool { return w != NoWatermark }

// Time is the watermark as a time; the zero Time for NoWatermark and
// EndOfInput, which must never be turned into a lag.
func (w Watermark) Time() time.Time {
	if w == NoWatermark || w == EndOfInput {
		return time.Time{}
	}
	return time.UnixMilli(int64(w))
}

// SubtaskWatermark is one subtask's current input watermark.
type SubtaskWatermark struct {
	Subtask   int
	Watermark Watermark
}

// Watermarks is GET /jobs/:jobid/vertices/:vertexid/watermarks: the input
// watermark of each subtask the metric store has, by subtask index. A
// source vertex has none (its task registers no input watermark), nor does
// a vertex whose metrics the store does not have yet.
type Watermarks []SubtaskWatermark

// Min returns the vertex's input watermark, the lowest of its subtasks',
// and false when it is unknown: no subtask reported one, fewer than
// parallelism did (pass 0 to skip that check), or one has none yet.
func (ws Watermarks) Min(parallelism int) (Watermark, bool) {
	if len(ws) == 0 || len(ws) < parallelism {
		return NoWatermark, false
	}
	low := EndOfInput
	for _, w := range ws {
		if !w.Watermark.Known() {
			return NoWatermark, false
		}
		low = min(low, w.Watermark)
	}
	return low, true
}

// Watermarks reads the vertex's input watermarks. An unknown job or
// vertex is ErrNotFound.
func (c *Client) Watermarks(ctx context.Context, jobID, vertexID string) (Watermarks, error) {
	var v Watermarks
	err := c.get(ctx, vertexPath(jobID, vertexID, "/watermarks"), func(data []byte) (err error) {
		v, err = decodeWatermarks(data)
		return err
	})
	return v, err
}

// watermarkValue is a watermark on the wire: a long in a string. Anything
// that is not a whole number reads as NoWatermark (unknown), not as a
// failed response.
type watermarkValue Watermark

func (w *watermarkValue) UnmarshalJSON(b []byte) error {
	*w = watermarkValue(NoWatermark)
	s := string(b)
	if len(b) >= 2 && b[0] == '"' {
		if bytes.IndexByte(b, '\\') >= 0 && json.Unmarshal(b, &s) != nil {
			return nil
		}
		s = strings.Trim(s, `"`)
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		*w = watermarkValue(n)
	}
	return nil
}

// decodeWatermarks decodes [{"id":"0.currentInputWatermark","value":"…"}]
// into the subtasks' watermarks, by subtask; other ids are ignored, and a
// subtask listed twice keeps its lower watermark.
func decodeWatermarks(data []byte) (Watermarks, error) {
	var ms []struct {
		ID    string         `json:"id"`
		Value watermarkValue `json:"value"`
	}
	if err := decodeJSON(data, '[', &ms); err != nil {
		return nil, err
	}
	by := make(map[int]Watermark, len(ms))
	for _, m := range ms {
		idx, name, ok := strings.Cut(m.ID, ".")
		n, err := strconv.Atoi(idx)
		if !ok || name != MetricInputWatermark || err != nil || n < 0 {
			continue
		}
		w := Watermark(m.Value)
		if old, seen := by[n]; seen && (!old.Known() || old < w) {
			w = old
		}
		by[n] = w
	}
	out := make(Watermarks, 0, len(by))
	for n, w := range by {
		out = append(out, SubtaskWatermark{Subtask: n, Watermark: w})
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Subtask < out[k].Subtask })
	return out, nil
}
