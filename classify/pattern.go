package classify

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// Bounds on a rule's regular expression. RE2 already guarantees linear
// time; these keep compiled programs small.
const (
	maxPatternLen  = 2048
	maxPatternInst = 20000
	maxAlternates  = 16
)

// pattern is a case-insensitive RE2 expression with a prefilter: literals
// of which at least one must occur in the lower-cased text for the
// expression to match. Most rules fail on the prefilter, a substring search,
// so the regexp engine rarely runs.
type pattern struct {
	src  string
	re   *regexp.Regexp
	lits []string
}

func compilePattern(src string) (*pattern, error) {
	if len(src) > maxPatternLen {
		return nil, fmt.Errorf("pattern longer than %d bytes", maxPatternLen)
	}
	full := "(?i)" + src
	parsed, err := syntax.Parse(full, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	simple := parsed.Simplify()
	prog, err := syntax.Compile(simple)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	if len(prog.Inst) > maxPatternInst {
		return nil, fmt.Errorf("pattern %q compiles to %d instructions, at most %d", src, len(prog.Inst), maxPatternInst)
	}
	re, err := regexp.Compile(full)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	return &pattern{src: src, re: re, lits: prefilter(simple)}, nil
}

// match reports whether the expression matches text; lower is text
// lower-cased, or "" when text is not ASCII (no prefilter then).
func (p *pattern) match(text, lower string) bool {
	if p.lits != nil && lower != "" && !containsAny(lower, p.lits) {
		return false
	}
	return p.re.MatchString(text)
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// prefilter returns literals of which at least one occurs in every match,
// lower-cased, or nil when the expression has no useful ones.
func prefilter(re *syntax.Regexp) []string {
	lits := required(re)
	if len(lits) == 0 || len(lits) > maxAlternates || minLen(lits) < 2 {
		return nil
	}
	for _, l := range lits {
		if !asciiOnly(l) {
			return nil // Unicode case folding is wider than ToLower
		}
	}
	return lits
}

func required(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		return requiredConcat(re.Sub)
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			r := required(sub)
			if r == nil {
				return nil
			}
			all = append(all, r...)
		}
		return all
	}
	return nil
}

// requiredConcat joins adjacent literals and keeps the best requirement of
// the concatenation: the one whose shortest alternative is longest.
func requiredConcat(subs []*syntax.Regexp) []string {
	var best []string
	consider := func(c []string) {
		if c != nil && (best == nil || minLen(c) > minLen(best) || minLen(c) == minLen(best) && len(c) < len(best)) {
			best = c
		}
	}
	var run []rune
	for _, sub := range subs {
		if sub.Op == syntax.OpLiteral {
			run = append(run, sub.Rune...)
			continue
		}
		if len(run) > 0 {
			consider([]string{strings.ToLower(string(run))})
			run = nil
		}
		consider(required(sub))
	}
	if len(run) > 0 {
		consider([]string{strings.ToLower(string(run))})
	}
	return best
}

func minLen(lits []string) int {
	m := -1
	for _, l := range lits {
		if m < 0 || len(l) < m {
			m = len(l)
		}
	}
	return m
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lowerASCII lower-cases an ASCII string, allocating only when it has
// capitals; "" for text with other bytes, which then skips prefilters.
func lowerASCII(s string) string {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return ""
		}
		upper = upper || c >= 'A' && c <= 'Z'
	}
	if !upper {
		return s
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b)
}
