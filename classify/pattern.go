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
	// maxLiteral bounds a prefilter literal: a prefix of a required literal
	// is required too, and short literals keep the automaton small enough
	// to stay in cache.
	maxLiteral = 10
)

// pattern is a case-insensitive RE2 expression with a prefilter: literals
// of which at least one must occur in the text for the expression to match.
// One automaton (litSet) finds all rules' literals in a message at once, so
// most patterns fail on a bit test and the regexp engine rarely runs.
type pattern struct {
	src  string
	re   *regexp.Regexp
	lits []string // lower-case; nil: no prefilter
	ids  []int32  // lits in the classifier's litSet
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

// match reports whether the expression matches text, whose literals tl
// holds.
func (p *pattern) match(text string, tl *textLits) bool {
	if p.ids != nil && tl.safe && !tl.anyOf(p.ids) {
		return false
	}
	return p.re.MatchString(text)
}

// prefilter returns literals of which at least one occurs in every match,
// lower-cased, or nil when the expression has no useful ones.
func prefilter(re *syntax.Regexp) []string {
	lits := required(re)
	if len(lits) == 0 || len(lits) > maxAlternates || minLen(lits) < 2 {
		return nil
	}
	out := make([]string, 0, len(lits))
	for _, l := range lits {
		if !asciiOnly(l) {
			return nil // Unicode case folding is wider than ToLower
		}
		out = append(out, l[:min(len(l), maxLiteral)])
	}
	return out
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
