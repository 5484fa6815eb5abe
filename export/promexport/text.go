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

// chunker hands text on in chunks of about flushAt, one family at a time,
// its header written before its first series only: a family without
// series is left out, header too, as a registry does. The snapshot's
// families (textSink) and the Kafka source's share it. /metrics keeps no
// rendering but the compressed one (what Prometheus asks for), and a
// plain-text scrape is rendered as it is sent: at 5,000 jobs the text is
// over 30 MB, which a kept rendering held twice over (buffers grown by
// append), for each format asked for.
type chunker struct {
	buf    []byte
	header []byte // of the family being written, until its first series
	out    func([]byte) error
	err    error // out's first error, which ends the rendering
}

// flushAt is the chunk size: large enough that handing a chunk on costs
// nothing next to writing it, small next to the largest family (a job
// state-set is over 8 MB at 5,000 jobs).
const flushAt = 64 << 10

// family starts a family with header.
func (c *chunker) family(header []byte) { c.header = header }

// series returns the buffer to append one series to, the family's header
// first when it is the family's first.
func (c *chunker) series() []byte {
	if c.header != nil {
		c.buf, c.header = append(c.buf, c.header...), nil
	}
	return c.buf
}

// done takes the buffer back after a series, handing it on when full.
func (c *chunker) done(b []byte) {
	c.buf = b
	if len(b) >= flushAt {
		c.flush()
	}
}

// flush hands on what is buffered; after an error it drops it.
func (c *chunker) flush() {
	if len(c.buf) > 0 && c.err == nil {
		c.err = c.out(c.buf)
	}
	c.buf = c.buf[:0]
}

// textSink writes the snapshot's series straight into a text format
// through a chunker.
type textSink struct {
	fams   []*family
	format Format
	c      chunker
}

var _ export.Sink = (*textSink)(nil)

func newTextSink(fams []*family, f Format) *textSink {
	return &textSink{fams: fams, format: f}
}

// render writes snap's families in name order, as a registry does, handing
// the text to out in chunks. A chunk is reused afterwards: out must not
// keep it.
func (t *textSink) render(snap *fleet.Snapshot, out func([]byte) error) error {
	t.c.out, t.c.err = out, nil
	defer func() { t.c.out = nil }()
	o := export.NewOut(t)
	for _, f := range t.fams {
		t.c.family(f.header[t.format])
		export.WalkFamily(o, f.Family, snap)
		t.c.flush()
		if t.c.err != nil {
			return t.c.err
		}
	}
	return nil
}

func (t *textSink) Add(tf *export.Family, v float64, lv []string) {
	f := t.fams[tf.Index]
	b := t.c.series()
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
	t.c.done(append(b, '\n'))
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
