package promexport

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/flinkslo/flinkslo/fleet"
)

// Source is more of /metrics that changes only when its Version does: it
// is rendered once per version and per format into the cached text, after
// the snapshot's families. The Kafka collector's per-poll views are one
// (KafkaSource). A source's family names must be its own.
type Source interface {
	// Version changes whenever the text would.
	Version() uint64
	// AppendText appends the source's families in format f to b:
	// HELP and TYPE lines then the series, each family's series together.
	AppendText(b []byte, f Format) []byte
}

// Exposition serves /metrics: the process's own metrics gathered live from
// a registry, then the snapshot's series and the sources', rendered once
// per snapshot (and source version) and cached, also compressed, so every
// scrape of a large fleet costs a copy. It speaks the Prometheus text
// format and OpenMetrics, as the scraper asks.
type Exposition struct {
	exp     *Exporter
	self    prometheus.Gatherer
	sources []Source
	zw      flatePool

	mu    sync.Mutex
	cache [formats]*cache
}

// cache is one format's rendering of the cached part.
type cache struct {
	valid    bool
	snap     *fleet.Snapshot // rendered
	versions []uint64        // of each source rendered
	sink     *textSink
	srcText  [][]byte // each source's text
	chunks   [][]byte // what is served, in order
	gz       deflated
}

// NewExposition serves self's metrics followed by the exporter's and the
// sources'.
func NewExposition(exp *Exporter, self prometheus.Gatherer, sources ...Source) *Exposition {
	x := &Exposition{exp: exp, self: self, sources: sources}
	for f := range formats {
		x.cache[f] = &cache{sink: newTextSink(exp.fams, f), versions: make([]uint64, len(sources)), srcText: make([][]byte, len(sources))}
	}
	return x
}

// eof ends an OpenMetrics exposition.
var eof = []byte("# EOF\n")

// refresh renders what changed since the last call. Callers hold mu.
func (x *Exposition) refresh(f Format) *cache {
	c := x.cache[f]
	changed := !c.valid
	snap := x.exp.store.Load()
	if changed || snap != c.snap {
		c.sink.reset()
		if snap != nil {
			x.exp.emit(c.sink, snap)
		}
		c.snap, changed = snap, true
	}
	for i, s := range x.sources {
		if v := s.Version(); !c.valid || v != c.versions[i] {
			c.srcText[i] = s.AppendText(c.srcText[i][:0], f)
			c.versions[i], changed = v, true
		}
	}
	if changed {
		c.chunks = c.sink.chunks(c.chunks[:0])
		for _, t := range c.srcText {
			if len(t) > 0 {
				c.chunks = append(c.chunks, t)
			}
		}
		if f == OpenMetrics {
			c.chunks = append(c.chunks, eof)
		}
		c.valid, c.gz.ok = true, false
	}
	return c
}

// write sends the live part then the cached part to w, as one gzip member
// when gz. The lock is held while writing: the buffers are reused by the
// next render.
func (x *Exposition) write(w io.Writer, f Format, live []byte, gz bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	c := x.refresh(f)
	if gz {
		zw := x.zw.get()
		defer x.zw.put(zw)
		if !c.gz.ok {
			c.gz.compress(c.chunks, zw)
		}
		return writeGzip(w, zw, live, &c.gz)
	}
	if _, err := w.Write(live); err != nil {
		return err
	}
	// Not net.Buffers.WriteTo: it consumes the slice, i.e. the cache.
	for _, b := range c.chunks {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func (x *Exposition) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	format, f := negotiate(r.Header)
	var self bytes.Buffer
	mfs, err := x.self.Gather()
	if err != nil && f == Text {
		// Like promhttp's ContinueOnError: serve what was gathered.
		// OpenMetrics allows no free comment, so there it is only that.
		self.WriteString("# self metrics incomplete: " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n")
	}
	enc := expfmt.NewEncoder(&self, format)
	for _, mf := range mfs {
		_ = enc.Encode(mf)
	}
	w.Header().Set("Content-Type", string(format))
	gz := strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
	if gz {
		w.Header().Set("Content-Encoding", "gzip")
	}
	_ = x.write(w, f, self.Bytes(), gz)
}

// negotiate picks OpenMetrics when the scraper asks for it, as promhttp
// does, and the text format otherwise (protobuf too: the cached part
// exists only as text).
func negotiate(h http.Header) (expfmt.Format, Format) {
	if format := expfmt.NegotiateAccept(h, expfmt.DefaultOpenMetricsAcceptedFormats()...); format.FormatType() == expfmt.TypeOpenMetrics {
		return format, OpenMetrics
	}
	return expfmt.NewFormat(expfmt.TypeTextPlain), Text
}
