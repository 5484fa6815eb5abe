package promexport

import (
	"math"
	"strconv"

	"github.com/flinkslo/flinkslo/export"
	"github.com/flinkslo/flinkslo/fleet"
)

// Format is a text format /metrics can be served in.
type Format uint8

const (
	// Text is the Prometheus text format 0.0.4.
	Text Format = iota
	// OpenMetrics is OpenMetrics 1.0, which Prometheus asks for first.
	OpenMetrics
	formats
)

// textSink writes series straight into a text format, one buffer per
// family (header first) so that each family's series stay together. Its
// buffers are kept between renders: a large fleet's exposition is tens of
// megabytes, and growing fresh buffers every cycle costs more than writing
// them.
type textSink struct {
	fams   []*family
	format Format
	bufs   [][]byte
}

var _ export.Sink = (*textSink)(nil)

func newTextSink(fams []*family, f Format) *textSink {
	return &textSink{fams: fams, format: f, bufs: make([][]byte, len(fams))}
}

func (t *textSink) reset() {
	for i := range t.bufs {
		t.bufs[i] = t.bufs[i][:0]
	}
}

// chunks appends the non-empty family buffers, in name order, to out.
func (t *textSink) chunks(out [][]byte) [][]byte {
	for _, b := range t.bufs {
		if len(b) > 0 {
			out = append(out, b)
		}
	}
	return out
}

func (t *textSink) Add(tf *export.Family, v float64, lv []string) {
	f := t.fams[tf.Index]
	b := t.bufs[tf.Index]
	if len(b) == 0 {
		b = append(b, f.header[t.format]...)
	}
	b = append(b, tf.Name...)
	b = append(b, '{')
	for n, i := range f.order {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, tf.Labels[i]...)
		b = append(b, '=', '"')
		b = appendEscaped(b, lv[i])
		b = append(b, '"')
	}
	b = append(b, '}', ' ')
	if t.format == OpenMetrics {
		b = appendOpenMetricsFloat(b, v)
	} else {
		b = appendFloat(b, v)
	}
	t.bufs[tf.Index] = append(b, '\n')
}

// appendEscaped escapes a label value as both formats require.
func appendEscaped(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] != '\\' && s[i] != '"' && s[i] != '\n'
	}
	if plain {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '"':
			b = append(b, '\\', '"')
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat formats like client_golang's text encoder.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case v == 1:
		return append(b, '1')
	case v == 0:
		return append(b, '0')
	case math.IsInf(v, +1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendOpenMetricsFloat formats like client_golang's OpenMetrics encoder:
// an integral value keeps a ".0", so a sample reads as a float.
func appendOpenMetricsFloat(b []byte, v float64) []byte {
	switch {
	case v == 1:
		return append(b, "1.0"...)
	case v == 0:
		return append(b, "0.0"...)
	case math.IsInf(v, 0) || math.IsNaN(v):
		return appendFloat(b, v)
	}
	n := len(b)
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	for _, c := range b[n:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, '.', '0')
}

// Text renders the snapshot in the Prometheus text format, families sorted
// by name as a registry would.
func (e *Exporter) Text(snap *fleet.Snapshot) []byte { return e.render(snap, Text) }

// OpenMetricsText renders the snapshot as the OpenMetrics families /metrics
// serves (without the final # EOF, which ends the whole exposition).
func (e *Exporter) OpenMetricsText(snap *fleet.Snapshot) []byte { return e.render(snap, OpenMetrics) }

func (e *Exporter) render(snap *fleet.Snapshot, f Format) []byte {
	ts := newTextSink(e.fams, f)
	e.emit(ts, snap)
	var out []byte
	for _, c := range ts.chunks(nil) {
		out = append(out, c...)
	}
	return out
}
