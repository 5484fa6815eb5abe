package promexport

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// textSink writes series straight into the Prometheus text format, one
// buffer per family (header first) so that each family's series stay
// together. Its buffers are kept between renders: a large fleet's exposition
// is tens of megabytes, and growing fresh buffers every cycle costs more
// than writing them.
type textSink struct {
	fams []*family
	bufs [][]byte
}

func newTextSink(fams []*family) *textSink {
	return &textSink{fams: fams, bufs: make([][]byte, len(fams))}
}

func (t *textSink) reset() {
	for i := range t.bufs {
		t.bufs[i] = t.bufs[i][:0]
	}
}

// chunks returns the non-empty family buffers in name order.
func (t *textSink) chunks() [][]byte {
	var out [][]byte
	for _, b := range t.bufs {
		if len(b) > 0 {
			out = append(out, b)
		}
	}
	return out
}

func (t *textSink) add(f *family, v float64, lv ...string) {
	b := t.bufs[f.idx]
	if len(b) == 0 {
		b = appendHeader(b, f)
	}
	b = append(b, f.name...)
	b = append(b, '{')
	for n, i := range f.order {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, f.labels[i]...)
		b = append(b, '=', '"')
		b = appendEscaped(b, lv[i])
		b = append(b, '"')
	}
	b = append(b, '}', ' ')
	b = appendFloat(b, v)
	t.bufs[f.idx] = append(b, '\n')
}

func appendHeader(b []byte, f *family) []byte {
	b = append(b, "# HELP "...)
	b = append(b, f.name...)
	b = append(b, ' ')
	b = append(b, escapeHelp(f.help)...)
	b = append(b, "\n# TYPE "...)
	b = append(b, f.name...)
	if f.typ == prometheus.CounterValue {
		return append(b, " counter\n"...)
	}
	return append(b, " gauge\n"...)
}

// appendEscaped escapes a label value as the text format requires.
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

// Text renders the snapshot in the Prometheus text format, families sorted
// by name as a registry would.
func (e *Exporter) Text(snap *fleet.Snapshot) []byte {
	ts := newTextSink(e.f.all)
	e.emit(ts, snap)
	return bytes.Join(ts.chunks(), nil)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

// Exposition serves /metrics: the process's own metrics gathered live from
// a registry, then the snapshot's series, rendered once per snapshot and
// cached (also gzipped) so every scrape of a large fleet costs a copy.
type Exposition struct {
	exp  *Exporter
	self prometheus.Gatherer

	mu     sync.Mutex
	seq    uint64
	sink   *textSink
	chunks [][]byte
	gz     bytes.Buffer
	gzOK   bool
}

// NewExposition serves self's metrics followed by the exporter's.
func NewExposition(exp *Exporter, self prometheus.Gatherer) *Exposition {
	return &Exposition{exp: exp, self: self, sink: newTextSink(exp.f.all)}
}

// write sends the latest snapshot's exposition to w, rendering it first
// if the snapshot is new. The lock is held while writing: the buffers are
// reused by the next render.
func (x *Exposition) write(w io.Writer, gz bool) error {
	snap := x.exp.store.Load()
	if snap == nil {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if snap.Seq != x.seq || x.chunks == nil {
		x.sink.reset()
		x.exp.emit(x.sink, snap)
		x.chunks, x.seq, x.gzOK = x.sink.chunks(), snap.Seq, false
	}
	if gz {
		if !x.gzOK {
			x.gz.Reset()
			zw, _ := gzip.NewWriterLevel(&x.gz, gzip.BestSpeed)
			for _, c := range x.chunks {
				_, _ = zw.Write(c)
			}
			_ = zw.Close()
			x.gzOK = true
		}
		_, err := w.Write(x.gz.Bytes())
		return err
	}
	// Not net.Buffers.WriteTo: it consumes the slice, i.e. the cache.
	for _, c := range x.chunks {
		if _, err := w.Write(c); err != nil {
			return err
		}
	}
	return nil
}

func (x *Exposition) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	gz := strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
	var self bytes.Buffer
	mfs, err := x.self.Gather()
	if err != nil {
		// Like promhttp's ContinueOnError: serve what was gathered.
		self.WriteString("# self metrics incomplete: " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n")
	}
	enc := expfmt.NewEncoder(&self, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		_ = enc.Encode(mf)
	}
	w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	if !gz {
		_, _ = w.Write(self.Bytes())
		_ = x.write(w, false)
		return
	}
	// A gzip stream may be a concatenation of gzip members (RFC 1952), so
	// the live part and the cached part are compressed separately.
	w.Header().Set("Content-Encoding", "gzip")
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	_, _ = zw.Write(self.Bytes())
	_ = zw.Close()
	_ = x.write(w, true)
}
