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

// textSink writes series straight into a text format, one family at a
// time, header first, handing the text on in chunks of about flushAt. It
// keeps no rendering: /metrics caches only the compressed exposition (what
// Prometheus asks for), and a plain-text scrape is rendered as it is sent.
// At 5,000 jobs the text is over 30 MB, which a kept rendering held twice
// over (per-family buffers grown by append), for each format asked for.
type textSink struct {
	fams    []*family
	format  Format
	buf     []byte
	started bool // the family's header is written
	out     func([]byte) error
	err     error // out's first error, which ends the rendering
}

// flushAt is the chunk size: large enough that handing a chunk on costs
// nothing next to writing it, small next to the largest family (a job
// state-set is over 8 MB at 5,000 jobs).
const flushAt = 64 << 10

var _ export.Sink = (*textSink)(nil)

func newTextSink(fams []*family, f Format) *textSink {
	return &textSink{fams: fams, format: f}
}

// render writes snap's families in name order, as a registry does, handing
// the text to out in chunks; a family without series is left out, header
// too. A chunk is reused afterwards: out must not keep it.
func (t *textSink) render(snap *fleet.Snapshot, out func([]byte) error) error {
	t.out, t.err = out, nil
	defer func() { t.out = nil }()
	o := export.NewOut(t)
	for _, f := range t.fams {
		t.buf, t.started = t.buf[:0], false
		export.WalkFamily(o, f.Family, snap)
		if len(t.buf) > 0 && t.err == nil {
			t.err = out(t.buf)
		}
		if t.err != nil {
			return t.err
		}
	}
	return nil
}

func (t *textSink) Add(tf *export.Family, v float64, lv []string) {
	f := t.fams[tf.Index]
	b := t.buf
	if !t.started {
		b, t.started = append(b, f.header[t.format]...), true
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
	t.buf = append(b, '\n')
	if len(t.buf) >= flushAt && t.err == nil {
		t.err = t.out(t.buf)
		t.buf = t.buf[:0]
	}
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
	var out []byte
	_ = newTextSink(e.fams, f).render(snap, func(c []byte) error { out = append(out, c...); return nil })
	return out
}
