package classify

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode/utf8"
)

// Bounds on a rule's regular expression. RE2 already guarantees linear
// time; these keep compiled programs small.
const (
	maxPatternLen  = 2048
	maxPatternInst = 20000
	maxAlternates  = 16
	// maxRegexpBytes bounds the text one classification feeds to regexps
	// (RE2 is linear, but 140 rules × 64 exceptions × 64 KB is not small).
	// Real failures use a few KB; past the budget, patterns stop matching.
	maxRegexpBytes = 1 << 20
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
	src string
	re  *regexp.Regexp
	// clauses must all hold: each lists literals (lower-case) of which one
	// occurs in every match. nil: no prefilter.
	clauses [][]string
	// ids are the clauses' literals in the classifier's litSet, which
	// holds them cut to maxLiteral bytes; a hit on a cut literal is
	// confirmed against the whole one before the regexp runs.
	ids [][]int32
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
	return &pattern{src: src, re: re, clauses: prefilter(simple)}, nil
}

// match reports whether the expression matches text, whose literals tl
// holds, charging the regexp's input to budget.
func (p *pattern) match(text string, tl *textLits, budget *int) bool {
	if p.ids != nil && tl.safe {
		for i := range p.ids {
			if !p.clauseHolds(i, text, tl) {
				return false
			}
		}
	}
	if *budget < len(text) {
		return false
	}
	*budget -= len(text)
	return p.re.MatchString(text)
}

func (p *pattern) clauseHolds(i int, text string, tl *textLits) bool {
	for j, id := range p.ids[i] {
		if !tl.has(id) {
			continue
		}
		if full := p.clauses[i][j]; len(full) <= maxLiteral || containsFoldASCII(text, full) {
			return true
		}
	}
	return false
}

func (p *pattern) clausesOrNil() [][]string {
	if p == nil {
		return nil
	}
	return p.clauses
}

// mayMatch is the prefilter alone, on the literals of a whole chain.
func (p *pattern) mayMatch(tl *textLits) bool {
	if p.ids == nil || !tl.safe {
		return true
	}
	for _, clause := range p.ids {
		if !tl.anyOf(clause) {
			return false
		}
	}
	return true
}

// containsFoldASCII reports whether text contains lit (lower-case ASCII),
// ignoring ASCII case.
func containsFoldASCII(text, lit string) bool {
	for k := 0; k+len(lit) <= len(text); k++ {
		if lowerByte(text[k]) != lit[0] {
			continue
		}
		j := 1
		for j < len(lit) && lowerByte(text[k+j]) == lit[j] {
			j++
		}
		if j == len(lit) {
			return true
		}
	}
	return false
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// maxClauses bounds the clauses kept per pattern.
const maxClauses = 3

// prefilter returns clauses that hold for every match: for a concatenation
// one per literal part ("partition .* not found" needs both "partition "
// and " not found"), otherwise one. Each clause lists lower-case literals
// of which at least one occurs. nil when the expression has no useful ones.
func prefilter(re *syntax.Regexp) [][]string {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	var cands [][]string
	if re.Op == syntax.OpConcat {
		cands = concatParts(re.Sub)
	} else {
		cands = [][]string{required(re)}
	}
	var out [][]string
	for _, c := range cands {
		if usable(c) {
			out = append(out, c)
		}
	}
	if len(out) > maxClauses {
		sort.SliceStable(out, func(i, j int) bool { return minLen(out[i]) > minLen(out[j]) })
		out = out[:maxClauses]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// concatParts returns the requirement of each part of a concatenation,
// adjacent literals joined.
func concatParts(subs []*syntax.Regexp) [][]string {
	var parts [][]string
	var run []rune
	for _, sub := range subs {
		if sub.Op == syntax.OpLiteral {
			run = append(run, sub.Rune...)
			continue
		}
		if len(run) > 0 {
			parts = append(parts, []string{strings.ToLower(string(run))})
			run = nil
		}
		parts = append(parts, required(sub))
	}
	if len(run) > 0 {
		parts = append(parts, []string{strings.ToLower(string(run))})
	}
	return parts
}

// usable reports whether a clause is worth testing: a few literals, none
// too short, all ASCII (Unicode case folding is wider than ASCII's).
func usable(lits []string) bool {
	if len(lits) == 0 || len(lits) > maxAlternates || minLen(lits) < 2 {
		return false
	}
	for _, l := range lits {
		if !asciiOnly(l) {
			return false
		}
	}
	return true
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
