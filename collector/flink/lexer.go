package flink

import "bytes"

// lexer reads JSON for the hand-written decoders of the hot responses. It
// accepts a subset of what encoding/json accepts and gives the same result
// there; on anything else (escaped or non-ASCII keys, duplicate fields,
// numbers that are not integers, nesting past encoding/json's limit,
// invalid syntax) it reports failure and the caller decodes the body with
// encoding/json instead, so behaviour at the edges stays encoding/json's.
// FuzzCheckpointsFastPath holds the two to that.
type lexer struct {
	b     []byte
	i     int
	depth int
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

func (l *lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

func (l *lexer) peek() byte {
	l.ws()
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

func (l *lexer) consume(c byte) bool {
	if l.peek() == c {
		l.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (l *lexer) end() bool {
	l.ws()
	return l.i == len(l.b)
}

// null consumes a null if one comes next.
func (l *lexer) null() bool {
	if l.peek() == 'n' && bytes.HasPrefix(l.b[l.i:], []byte("null")) {
		l.i += 4
		return true
	}
	return false
}

// object reads an object, calling member with each key (its raw bytes,
// valid until the next read) with the lexer at the value; member reads
// or skips the value.
func (l *lexer) object(member func(key []byte) bool) bool {
	if !l.consume('{') {
		return false
	}
	if l.depth++; l.depth > maxDepth {
		return false
	}
	if l.consume('}') {
		l.depth--
		return true
	}
	for {
		key, ok := l.key()
		if !ok || !l.consume(':') || !member(key) {
			return false
		}
		if l.consume(',') {
			continue
		}
		l.depth--
		return l.consume('}')
	}
}

// array reads an array, calling elem with the lexer at each element.
func (l *lexer) array(elem func() bool) bool {
	if !l.consume('[') {
		return false
	}
	if l.depth++; l.depth > maxDepth {
		return false
	}
	if l.consume(']') {
		l.depth--
		return true
	}
	for {
		if !elem() {
			return false
		}
		if l.consume(',') {
			continue
		}
		l.depth--
		return l.consume(']')
	}
}

// key reads an object key made of printable ASCII without escapes, the
// only keys the fast path matches; others fail.
func (l *lexer) key() ([]byte, bool) {
	if !l.consume('"') {
		return nil, false
	}
	start := l.i
	for ; l.i < len(l.b); l.i++ {
		switch c := l.b[l.i]; {
		case c == '"':
			l.i++
			return l.b[start : l.i-1], true
		case c < 0x20 || c == '\\' || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// skip reads any value and discards it.
func (l *lexer) skip() bool {
	switch l.peek() {
	case '{':
		return l.object(func([]byte) bool { return l.skip() })
	case '[':
		return l.array(l.skip)
	case '"':
		_, _, ok := l.rawString()
		return ok
	case 't':
		return l.literal("true")
	case 'f':
		return l.literal("false")
	case 'n':
		return l.literal("null")
	}
	return l.number()
}

func (l *lexer) literal(s string) bool {
	if bytes.HasPrefix(l.b[l.i:], []byte(s)) {
		l.i += len(s)
		return true
	}
	return false
}

// number reads a number by the JSON grammar.
func (l *lexer) number() bool {
	start := l.i
	if l.i < len(l.b) && l.b[l.i] == '-' {
		l.i++
	}
	switch {
	case l.i < len(l.b) && l.b[l.i] == '0':
		l.i++
	case l.digits() == 0:
		return false
	}
	if l.i < len(l.b) && l.b[l.i] == '.' {
		l.i++
		if l.digits() == 0 {
			return false
		}
	}
	if l.i < len(l.b) && (l.b[l.i] == 'e' || l.b[l.i] == 'E') {
		l.i++
		if l.i < len(l.b) && (l.b[l.i] == '+' || l.b[l.i] == '-') {
			l.i++
		}
		if l.digits() == 0 {
			return false
		}
	}
	return l.i > start
}

func (l *lexer) digits() int {
	n := 0
	for l.i < len(l.b) && '0' <= l.b[l.i] && l.b[l.i] <= '9' {
		l.i++
		n++
	}
	return n
}

// objects reads an array of objects into *dst, each element with read;
// null sets *dst to nil as encoding/json does, and a null element goes to
// encoding/json (which would make it a zero value).
func objects[T any](l *lexer, dst *[]T, capHint int, read func(*T) bool) bool {
	if l.null() {
		*dst = nil
		return true
	}
	out := make([]T, 0, capHint)
	ok := l.array(func() bool {
		if l.peek() == 'n' {
			return false
		}
		var zero T
		out = append(out, zero)
		return read(&out[len(out)-1])
	})
	*dst = out
	return ok
}
