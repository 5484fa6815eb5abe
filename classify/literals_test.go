package classify

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLitSetMatchesContains checks the automaton against strings.Contains
// on random texts built from the literals' own pieces, where overlaps and
// shared prefixes are likely.
func TestLitSetMatchesContains(t *testing.T) {
	lits := []string{"he", "she", "his", "hers", "timeout", "timed out", "time", "out of", "403", "status code: 403", "a_b-c"}
	ls := newLitSet(lits)
	alphabet := []string{"h", "e", "s", "i", "r", "t", "m", "o", "u", " ", "d", "f", "4", "0", "3", "S", "H", "E", "TIME", "a_b-c", ": ", "x"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		text := b.String()
		tl := textLits{}
		tl.get(ls, text)
		lower := strings.ToLower(text)
		for _, l := range lits {
			want := strings.Contains(lower, l)
			if got := tl.anyOf([]int32{ls.ids[l]}); got != want {
				t.Fatalf("%q in %q: got %v, want %v", l, text, got, want)
			}
		}
	}
}

func TestLitSetUnsafeFolding(t *testing.T) {
	ls := newLitSet([]string{"kafka"})
	for _, text := range []string{"\u212Afka kafka", "ſtate"} {
		tl := textLits{}
		if tl.get(ls, text); tl.safe {
			t.Errorf("%q: got safe, want unsafe (Unicode folds to ASCII letters)", text)
		}
	}
	tl := textLits{}
	if tl.get(ls, "Kafka … ünïcode"); !tl.safe || !tl.anyOf([]int32{0}) {
		t.Error("other non-ASCII text: want safe and the literal found")
	}
}

// TestPrefilterNeverRejectsAMatch is the property the classifier relies on:
// whenever a pattern's regexp matches, its prefilter lets the text through.
func TestPrefilterNeverRejectsAMatch(t *testing.T) {
	patterns := []string{
		`not authorized to access topics`, `error code: 40[13]|unauthorized`,
		`connection unexpectedly closed by remote task manager|connecting to remote task manager .* has failed|connection for partition .* not reachable`,
		`max(imum)? parallelism .*(changed|smaller|mismatch)`, `expiring \d+ record\(s\)`, `(?-i)CaseSensitive`,
		`status ?code[:=] ?403|\b403 forbidden`, `a+b{2,}c?`,
	}
	texts := []string{
		"Not Authorized To Access Topics: [x]", "error code: 403", "UNAUTHORIZED", "Connecting to remote task manager 'x' has failed",
		"connection for partition 7 not reachable", "Maximum parallelism 128 changed", "Expiring 14 record(s) for t-1",
		"CaseSensitive", "Status Code: 403", "403 Forbidden", "aabbc", "ab", "position for partition",
	}
	cc := &compiler{classes: map[string]int32{}}
	var compiled []*pattern
	for _, src := range patterns {
		p, err := cc.pattern(src)
		if err != nil {
			t.Fatal(err)
		}
		compiled = append(compiled, p)
	}
	ls := cc.literals()
	for _, p := range compiled {
		for _, text := range texts {
			tl := textLits{}
			tl.get(ls, text)
			if budget := maxRegexpBytes; p.re.MatchString(text) && !p.match(text, &tl, &budget) {
				t.Errorf("pattern %q, text %q: regexp matches but the prefilter rejects", p.src, text)
			}
		}
	}
}

// TestPrefilterRejects: the prefilter must also do its job, or every rule
// runs its regexp on every message.
func TestPrefilterRejects(t *testing.T) {
	tests := []struct{ pattern, text string }{
		{`partition .* not found`, "Unexpected state for partition sensor-7"},                                // both parts required
		{`missing required options|one or more required options are missing`, "One or more fetchers failed"}, // cut literal confirmed in full
		{`expiring \d+ record\(s\)`, "Expired before the position could be determined"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			cc := &compiler{classes: map[string]int32{}}
			p, err := cc.pattern(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			ls := cc.literals()
			tl := textLits{}
			tl.get(ls, tt.text)
			if p.re.MatchString(tt.text) {
				t.Fatalf("%q matches %q; the case is wrong", tt.pattern, tt.text)
			}
			if p.ids == nil || p.mayMatch(&tl) && allClausesHold(p, tt.text, &tl) {
				t.Errorf("clauses %q: want the prefilter to reject %q", p.clauses, tt.text)
			}
		})
	}
}

func allClausesHold(p *pattern, text string, tl *textLits) bool {
	for i := range p.ids {
		if !p.clauseHolds(i, text, tl) {
			return false
		}
	}
	return true
}

func FuzzPrefilter(f *testing.F) {
	f.Add(`timeout|timed out`, "Read Timed Out")
	f.Add(`status ?code[:=] ?50\d`, "Status Code: 503")
	f.Add(`(?P<topic>[a-z]+) not present`, "Topic x not present in metadata")
	f.Fuzz(func(t *testing.T, src, text string) {
		cc := &compiler{classes: map[string]int32{}}
		p, err := cc.pattern(src)
		if err != nil {
			return
		}
		ls := cc.literals()
		tl := textLits{}
		tl.get(ls, text)
		if budget := maxRegexpBytes; p.re.MatchString(text) && !p.match(text, &tl, &budget) {
			t.Fatalf("pattern %q, text %q: regexp matches but the prefilter rejects (clauses %q)", src, text, p.clauses)
		}
	})
}
