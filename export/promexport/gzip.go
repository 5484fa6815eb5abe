package promexport

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
)

// A gzipped /metrics is one gzip member whose deflate stream is the live
// part (the process's own metrics, compressed per scrape and ended with a
// sync flush, which ends on a byte boundary without ending the stream) and
// then the cached part's deflate blocks, compressed once per render. A
// deflate stream is a sequence of blocks and the cached blocks refer to no
// byte before their own start, so the two concatenate into one valid
// stream; the trailer's CRC-32 of the whole is combined from the two
// parts' without reading the cached bytes again. Two gzip members back to
// back would also be valid gzip (RFC 1952), but clients that read only the
// first member (Python's zlib with wbits=31, some proxies) then saw no
// jobs.

// deflated is the cached part compressed.
type deflated struct {
	data bytes.Buffer
	crc  uint32
	size int64
	ok   bool
}

// compress replaces d with what render hands its callback, compressed.
// zw is reset onto d.
func (d *deflated) compress(render func(out func([]byte) error) error, zw *flate.Writer) {
	d.data.Reset()
	zw.Reset(&d.data)
	d.crc, d.size = 0, 0
	_ = render(func(c []byte) error {
		_, _ = zw.Write(c) // into a bytes.Buffer: no error
		d.crc = crc32.Update(d.crc, crc32.IEEETable, c)
		d.size += int64(len(c))
		return nil
	})
	_ = zw.Close()
	d.ok = true
}

// gzipHeader: no name, no mtime (a scrape has no file time), OS unknown.
var gzipHeader = [10]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// writeGzip writes live then the cached part to w as one gzip member. zw
// is the live part's compressor, reset onto w.
func writeGzip(w io.Writer, zw *flate.Writer, live []byte, cached *deflated) error {
	if _, err := w.Write(gzipHeader[:]); err != nil {
		return err
	}
	zw.Reset(w)
	if _, err := zw.Write(live); err != nil {
		return err
	}
	if err := zw.Flush(); err != nil {
		return err
	}
	if _, err := w.Write(cached.data.Bytes()); err != nil {
		return err
	}
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], crc32Combine(crc32.ChecksumIEEE(live), cached.crc, cached.size))
	binary.LittleEndian.PutUint32(trailer[4:], uint32(int64(len(live))+cached.size)) // ISIZE is the size mod 2^32
	_, err := w.Write(trailer[:])
	return err
}

// flatePool keeps the live part's compressors: one is ~1 MB, too much to
// build per scrape.
type flatePool struct{ p sync.Pool }

func (fp *flatePool) get() *flate.Writer {
	if zw, ok := fp.p.Get().(*flate.Writer); ok {
		return zw
	}
	zw, _ := flate.NewWriter(io.Discard, flate.BestSpeed) // the level is valid: no error
	return zw
}

func (fp *flatePool) put(zw *flate.Writer) { fp.p.Put(zw) }

// crc32Combine returns the CRC-32 (IEEE) of A followed by B from A's CRC,
// B's CRC and B's length: A's CRC times x^(8·lenB) modulo the polynomial,
// plus B's. Polynomials are in the reflected bit order of the IEEE table:
// bit 31 is x^0.
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	return mulModP(xPow8n(lenB), crcA) ^ crcB
}

// mulModP multiplies a and b modulo the CRC-32 polynomial.
func mulModP(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		// b times x: a shift right in reflected order, reduced.
		if b&1 != 0 {
			b = b>>1 ^ crc32.IEEE
		} else {
			b >>= 1
		}
	}
	return p
}

// xPow8n returns x^(8n) modulo the polynomial by squaring: x^(2^k) for
// the set bits k of 8n.
func xPow8n(n int64) uint32 {
	p := uint32(1) << 31  // x^0
	sq := uint32(1) << 30 // x^1
	for k := 0; k < 3; k++ {
		sq = mulModP(sq, sq) // up to x^8
	}
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			p = mulModP(sq, p)
		}
		sq = mulModP(sq, sq)
	}
	return p
}
