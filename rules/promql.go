package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MetricNames returns the metric names a PromQL expression selects, sorted
// and each once. It scans rather than parses (the Prometheus parser would
// pull the whole server into the module graph): it skips string literals,
// label matchers, range and subquery brackets, grouping label lists,
// numbers and durations, function names, keywords and Grafana's $variables,
// and returns the identifiers left, which are exactly the selected metrics.
// Syntax is not validated; `promtool check rules` does that. It fails on
// unterminated strings or brackets and on selectors by __name__, whose
// metric it cannot name.
func MetricNames(expr string) ([]string, error) {
	s := scanner{src: expr}
	var names []string
	for s.pos < len(s.src) {
		name, err := s.next()
		if err != nil {
			return nil, fmt.Errorf("scan %q: %w", expr, err)
		}
		if name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// isKeyword reports words that look like identifiers but select nothing.
func isKeyword(lower string) bool {
	switch lower {
	case "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan":
		return true
	}
	return isLabelListKeyword(lower)
}

// isLabelListKeyword reports keywords followed by label names in parentheses.
func isLabelListKeyword(lower string) bool {
	switch lower {
	case "by", "without", "on", "ignoring", "group_left", "group_right":
		return true
	}
	return false
}

var (
	errUnterminated = errors.New("unterminated")
	errNameMatcher  = errors.New("selector by __name__")
)

type scanner struct {
	src string
	pos int
}

// next consumes one token and returns the metric name it selects, if any.
func (s *scanner) next() (string, error) {
	c := s.src[s.pos]
	switch {
	case c == '"' || c == '\'' || c == '`':
		return "", s.skipString(c)
	case c == '{':
		return "", s.skipMatchers()
	case c == '[':
		return "", s.skipUntil(']')
	case c == '#':
		s.skipComment()
	case c == '$':
		s.skipVariable()
	case isDigit(c) || (c == '.' && s.pos+1 < len(s.src) && isDigit(s.src[s.pos+1])):
		s.skipNumber()
	case isIdentStart(c):
		return s.identifier()
	default:
		s.pos++
	}
	return "", nil
}

func (s *scanner) identifier() (string, error) {
	start := s.pos
	for s.pos < len(s.src) && isIdentPart(s.src[s.pos]) {
		s.pos++
	}
	id := s.src[start:s.pos]
	lower := strings.ToLower(id)
	followedByParen := s.peekNonSpace() == '('
	switch {
	case isAggregationGrouping(s.peekWord()):
		return "", nil // sum by (team) (…): an aggregation operator
	case isLabelListKeyword(lower) && followedByParen:
		s.skipSpace()
		return "", s.skipUntil(')')
	case isKeyword(lower), followedByParen:
		return "", nil
	}
	return id, nil
}

func (s *scanner) skipString(quote byte) error {
	for s.pos++; s.pos < len(s.src); s.pos++ {
		switch s.src[s.pos] {
		case '\\':
			if quote != '`' {
				s.pos++
			}
		case quote:
			s.pos++
			return nil
		}
	}
	return fmt.Errorf("%w string", errUnterminated)
}

// skipMatchers skips a {…} label matcher list, strings included.
func (s *scanner) skipMatchers() error {
	start := s.pos
	for s.pos++; s.pos < len(s.src); {
		switch c := s.src[s.pos]; c {
		case '"', '\'', '`':
			if err := s.skipString(c); err != nil {
				return err
			}
		case '}':
			s.pos++
			if strings.Contains(s.src[start:s.pos], "__name__") {
				return errNameMatcher
			}
			return nil
		default:
			s.pos++
		}
	}
	return fmt.Errorf("%w label matchers", errUnterminated)
}

// skipUntil skips to just past the next closing byte.
func (s *scanner) skipUntil(closing byte) error {
	i := strings.IndexByte(s.src[s.pos:], closing)
	if i < 0 {
		return fmt.Errorf("%w %q", errUnterminated, s.src[s.pos])
	}
	s.pos += i + 1
	return nil
}

func (s *scanner) skipComment() {
	if i := strings.IndexByte(s.src[s.pos:], '\n'); i >= 0 {
		s.pos += i + 1
		return
	}
	s.pos = len(s.src)
}

// skipVariable skips a Grafana variable: $name or ${name…}.
func (s *scanner) skipVariable() {
	s.pos++
	if s.pos < len(s.src) && s.src[s.pos] == '{' {
		if err := s.skipUntil('}'); err != nil {
			s.pos = len(s.src)
		}
		return
	}
	for s.pos < len(s.src) && isIdentPart(s.src[s.pos]) {
		s.pos++
	}
}

// skipNumber skips a number or duration: 0.995, 1e-3, 0x1f, 5m, 1h30m.
func (s *scanner) skipNumber() {
	start := s.pos
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		exponentSign := (c == '+' || c == '-') && s.pos > start && s.src[s.pos-1]|0x20 == 'e' &&
			!strings.HasPrefix(s.src[start:], "0x")
		if !isIdentPart(c) && c != '.' && !exponentSign {
			return
		}
		s.pos++
	}
}

func (s *scanner) peekNonSpace() byte {
	for i := s.pos; i < len(s.src); i++ {
		if !isSpace(s.src[i]) {
			return s.src[i]
		}
	}
	return 0
}

// peekWord returns the next word, lower-cased, without consuming it.
func (s *scanner) peekWord() string {
	i := s.pos
	for i < len(s.src) && isSpace(s.src[i]) {
		i++
	}
	j := i
	for j < len(s.src) && isIdentPart(s.src[j]) {
		j++
	}
	return strings.ToLower(s.src[i:j])
}

func isAggregationGrouping(word string) bool { return word == "by" || word == "without" }

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) && isSpace(s.src[s.pos]) {
		s.pos++
	}
}

func isSpace(c byte) bool      { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c == ':' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
