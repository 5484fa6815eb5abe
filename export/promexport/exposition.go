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
// is rendered once per version and per format into the cached compressed
// exposition, after the snapshot's families (and as it is sent, for a
// plain-text scrape). The Kafka collector's per-poll views are one
// (KafkaSource). A source's family names must be its own.
type Source interface {
	// Version changes whenever the text would.
	Version() uint64
	// WriteText hands the source's families in format f to out in
	// chunks: HELP and TYPE lines then the series, each family's series
	// together. A chunk is reused once out returns; out's error ends it.
	WriteText(f Format, out func([]byte) error) error
}

// Exposition serves /metrics: the process's own metrics gathered live from
// a registry, then the snapshot's series and the sources'. Compressed, as
// Prometheus asks for it, the snapshot's part is rendered once per
// snapshot (and source version) and cached, so every scrape of a large
// fleet costs a copy; uncompressed it is rendered as it is sent (tens of
// milliseconds for thousands of jobs), so that no text copy of the whole
// fleet stays in memory. It speaks the Prometheus text format and
// OpenMetrics, as the scraper asks.
type Exposition struct {
	exp     *Exporter
	self    prometheus.Gatherer
	sources []Source
	zw      flatePool

	mu    sync.Mutex
	cache [formats]*cache
}

// cache is one format's state of the cached part.
type cache struct {
	valid    bool
	snap     *fleet.Snapshot // the one gz holds
	versions []uint64        // of each source gz holds
	sink     *textSink
	gz       deflated
}

// NewExposition serves self's metrics followed by the exporter's and the
// sources'.
func NewExposition(exp *Exporter, self prometheus.Gatherer, sources ...Source) *Exposition {
	x := &Exposition{exp: exp, self: self, sources: sources}
	for f := range formats {
		x.cache[f] = &cache{sink: newTextSink(exp.fams, f), versions: make([]uint64, len(sources))}
	}
	return x
}

// eof ends an OpenMetrics exposition.
var eof = []byte("# EOF\n")

// refresh brings c up to the latest snapshot and source versions,
// dropping a compressed copy that is out of date. Callers hold mu.
func (x *Exposition) refresh(f Format) *cache {
	c := x.cache[f]
	changed := !c.valid
	if snap := x.exp.store.Load(); changed || snap != c.snap {
		c.snap, changed = snap, true
	}
	for i, s := range x.sources {
		if v := s.Version(); !c.valid || v != c.versions[i] {
			c.versions[i], changed = v, true
		}
	}
	if changed {
		c.valid, c.gz.ok = true, false
	}
	return c
}

// render hands out the cached part, chunk by chunk: the snapshot's
// families, the sources' and OpenMetrics' end. Callers hold mu.
func (x *Exposition) render(c *cache, f Format, out func([]byte) error) error {
	if c.snap != nil {
		if err := c.sink.render(c.snap, out); err != nil {
			return err
		}
	}
	for _, s := range x.sources {
		if err := s.WriteText(f, out); err != nil {
			return err
		}
	}
	if f == OpenMetrics {
		return out(eof)
	}
	return nil
}

// write sends the live part then the cached part to w, as one gzip member
// when gz. The lock is held while writing: the renderer's buffer is
// reused by the next render.
func (x *Exposition) write(w io.Writer, f Format, live []byte, gz bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	c := x.refresh(f)
	if gz {
		zw := x.zw.get()
		defer x.zw.put(zw)
		if !c.gz.ok {
			c.gz.compress(func(out func([]byte) error) error { return x.render(c, f, out) }, zw)
		}
		return writeGzip(w, zw, live, &c.gz)
	}
	if _, err := w.Write(live); err != nil {
		return err
	}
	return x.render(c, f, func(b []byte) error {
		_, err := w.Write(b)
		return err
	})
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
