package flink

import (
	"bytes"
	"encoding/json"
)

// Value readers of the lexer: each decodes into its destination the way
// encoding/json would (null leaves the destination alone) or fails.

// int64 reads an integer, failing on a fraction, an exponent or overflow
// (encoding/json refuses those for an int64 too).
func (l *lexer) int64() (int64, bool) {
	l.ws()
	start := l.i
	if !l.number() {
		return 0, false
	}
	s := l.b[start:l.i]
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var n uint64
	for _, c := range s {
		if c < '0' || c > '9' || n > (1<<63)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case neg && n <= 1<<63:
		return -int64(n), true
	case !neg && n < 1<<63:
		return int64(n), true
	}
	return 0, false
}

// bool reads true or false.
func (l *lexer) bool() (bool, bool) {
	switch l.peek() {
	case 't':
		return true, l.literal("true")
	case 'f':
		return false, l.literal("false")
	}
	return false, false
}

// rawString reads a string token and returns its body and whether it is
// plain (no escapes, all ASCII), so the bytes are the value.
func (l *lexer) rawString() ([]byte, bool, bool) {
	if !l.consume('"') {
		return nil, false, false
	}
	start, plain := l.i, true
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch {
		case c == '"':
			l.i++
			return l.b[start : l.i-1], plain, true
		case c < 0x20:
			return nil, false, false
		case c == '\\':
			plain = false
			if !l.escape() {
				return nil, false, false
			}
			continue
		case c >= 0x80:
			plain = false
		}
		l.i++
	}
	return nil, false, false
}

// escape checks the escape sequence at l.i and moves past it.
func (l *lexer) escape() bool {
	if l.i+1 >= len(l.b) {
		return false
	}
	switch l.b[l.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		l.i += 2
		return true
	case 'u':
		if l.i+6 > len(l.b) {
			return false
		}
		for _, c := range l.b[l.i+2 : l.i+6] {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
		l.i += 6
		return true
	}
	return false
}

// string reads a string value; null leaves *dst as it is, like
// encoding/json. Escaped or non-ASCII text is unquoted by encoding/json.
func (l *lexer) string(dst *string) bool {
	if l.null() {
		return true
	}
	start := l.i
	raw, plain, ok := l.rawString()
	switch {
	case !ok:
		return false
	case plain:
		*dst = intern(raw)
		return true
	}
	return json.Unmarshal(l.b[start:l.i], dst) == nil
}

// intern returns the constant for the values every checkpoint, vertex
// and plan edge repeats (statuses, execution states, ship strategies,
// exchange modes), saving an allocation each and the memory of the job
// details kept between detail reads.
func intern(b []byte) string {
	switch string(b) {
	case "RUNNING":
		return "RUNNING"
	case "FINISHED":
		return "FINISHED"
	case "CREATED":
		return "CREATED"
	case "SCHEDULED":
		return "SCHEDULED"
	case "DEPLOYING":
		return "DEPLOYING"
	case "INITIALIZING":
		return "INITIALIZING"
	case "FORWARD":
		return "FORWARD"
	case "HASH":
		return "HASH"
	case "REBALANCE":
		return "REBALANCE"
	case "RESCALE":
		return "RESCALE"
	case "BROADCAST":
		return "BROADCAST"
	case "pipelined_bounded":
		return "pipelined_bounded"
	case "blocking":
		return "blocking"
	case "completed":
		return "completed"
	case "failed":
		return "failed"
	case "in_progress":
		return "in_progress"
	case "COMPLETED":
		return "COMPLETED"
	case "FAILED":
		return "FAILED"
	case "IN_PROGRESS":
		return "IN_PROGRESS"
	case "CHECKPOINT":
		return "CHECKPOINT"
	case "":
		return ""
	}
	return string(b)
}

// int reads an integer into *dst; null leaves it as it is.
func (l *lexer) int(dst *int64) bool {
	if l.null() {
		return true
	}
	v, ok := l.int64()
	*dst = v
	return ok
}

// fields tracks which known fields an object has had, so a repeated one
// fails (encoding/json merges repeats; the fast path leaves that to it),
// and rejects keys that only match a field case-insensitively (which
// encoding/json would accept).
type fields struct {
	names []string
	seen  uint64
}

// index returns the field key names, -1 for an unknown key, and false
// when the fast path must give up on the key.
func (f *fields) index(key []byte) (int, bool) {
	for i, n := range f.names {
		if string(key) == n {
			if f.seen&(1<<i) != 0 {
				return i, false
			}
			f.seen |= 1 << i
			return i, true
		}
	}
	for _, n := range f.names {
		if bytes.EqualFold(key, []byte(n)) {
			return -1, false
		}
	}
	return -1, true
}
