package flinkfake

import (
	"bytes"
	"math"
	"strconv"
	"unicode/utf8"
)

// jw appends JSON to a byte slice. The fake renders every response with it
// rather than encoding/json: field order and presence follow each Flink
// version by hand, and a fleet of thousands of JobManagers answers without
// reflection or per-field allocations. Commas are placed by looking at the
// last byte written, so callers only open, name and close.
type jw struct {
	b []byte
	// scratch and tasks are reusable space for renderers.
	scratch []byte
	tasks   []taskCounts
}

func (w *jw) sep() {
	if n := len(w.b); n > 0 {
		switch w.b[n-1] {
		case '{', '[', ':':
		default:
			w.b = append(w.b, ',')
		}
	}
}

// key starts a member; k must not need escaping.
func (w *jw) key(k string) *jw {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
	return w
}

func (w *jw) open() *jw    { w.sep(); w.b = append(w.b, '{'); return w }
func (w *jw) close()       { w.b = append(w.b, '}') }
func (w *jw) openArr() *jw { w.sep(); w.b = append(w.b, '['); return w }
func (w *jw) closeArr()    { w.b = append(w.b, ']') }
func (w *jw) null()        { w.sep(); w.b = append(w.b, "null"...) }
func (w *jw) int(v int64)  { w.sep(); w.b = strconv.AppendInt(w.b, v, 10) }
func (w *jw) bool(v bool)  { w.sep(); w.b = strconv.AppendBool(w.b, v) }
func (w *jw) float(v float64) {
	w.sep()
	w.b = strconv.AppendFloat(w.b, v, 'f', 1, 64)
}

// double writes v as Jackson writes a Java double: Double.toString's
// digits (scientific from 10^7), NaN and the infinities as strings.
func (w *jw) double(v float64) {
	w.sep()
	w.b = appendJavaDouble(w.b, v)
}

// appendJavaDouble appends v in Java's Double.toString form, quoted when
// it is not a number JSON can carry (Jackson's default).
func appendJavaDouble(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(v, -1):
		return append(b, `"-Infinity"`...)
	}
	var digits [32]byte
	if a := math.Abs(v); a != 0 && (a < 1e-3 || a >= 1e7) {
		s := strconv.AppendFloat(digits[:0], v, 'e', -1, 64) // 5.36870912e+08
		e := bytes.IndexByte(s, 'e')
		b = append(b, s[:e]...)
		if bytes.IndexByte(s[:e], '.') < 0 {
			b = append(b, ".0"...)
		}
		exp, _ := strconv.Atoi(string(s[e+1:]))
		return strconv.AppendInt(append(b, 'E'), int64(exp), 10)
	}
	s := strconv.AppendFloat(digits[:0], v, 'f', -1, 64)
	b = append(b, s...)
	if bytes.IndexByte(s, '.') < 0 {
		b = append(b, ".0"...)
	}
	return b
}

func (w *jw) kInt(k string, v int64)     { w.key(k).int(v) }
func (w *jw) kBool(k string, v bool)     { w.key(k).bool(v) }
func (w *jw) kStr(k, v string)           { w.key(k).str(v) }
func (w *jw) kFloat(k string, v float64) { w.key(k).float(v) }
func (w *jw) kNull(k string)             { w.key(k).null() }
func (w *jw) kOpen(k string) *jw         { return w.key(k).open() }
func (w *jw) kOpenArr(k string) *jw      { return w.key(k).openArr() }
func (w *jw) kEmptyObj(k string)         { w.key(k).open().close() }
func (w *jw) kEmptyArr(k string)         { w.key(k).openArr().closeArr() }
func (w *jw) kStrOrNull(k, v string) {
	if v == "" {
		w.kNull(k)
		return
	}
	w.kStr(k, v)
}

const hexDigits = "0123456789abcdef"

// strBytes writes b, which needs no escaping, as a JSON string.
func (w *jw) strBytes(b []byte) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, b...)
	w.b = append(w.b, '"')
	w.scratch = b[:0]
}

// str writes s as a JSON string, escaping what JSON requires.
func (w *jw) str(s string) {
	w.sep()
	w.b = append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				w.b = append(w.b, s[start:i]...)
				w.b = append(w.b, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		w.b = append(w.b, s[start:i]...)
		switch c {
		case '"', '\\':
			w.b = append(w.b, '\\', c)
		case '\n':
			w.b = append(w.b, '\\', 'n')
		case '\t':
			w.b = append(w.b, '\\', 't')
		case '\r':
			w.b = append(w.b, '\\', 'r')
		default:
			w.b = append(w.b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	w.b = append(w.b, s[start:]...)
	w.b = append(w.b, '"')
}
