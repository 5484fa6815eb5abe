package classify

// litSet finds, in one pass over a text, which of the rules' prefilter
// literals the text contains, ignoring ASCII case: an Aho-Corasick
// automaton compiled to a DFA over the bytes the literals use. Without it
// each rule would search every message for its own literals, and that was
// most of a classification's cost.
type litSet struct {
	class [256]uint8 // byte → alphabet class, case-folded; 0 for bytes in no literal
	width int        // alphabet size
	// next is state*width+class → next state, bitwise complemented (<0)
	// when literals end there, so the scan loop tests a sign, not a slice.
	// int16 keeps the table in cache; the compiler bounds the states.
	next []int16
	out  [][]int32 // literal ids that end at a state, suffixes included
	ids  map[string]int32
}

// maxStates keeps state numbers within int16; literals beyond it are left
// out and their patterns run without a prefilter.
const maxStates = 1<<15 - 1

func newLitSet(lits []string) *litSet {
	l := &litSet{ids: map[string]int32{}, width: 1}
	for _, s := range lits {
		for i := 0; i < len(s); i++ {
			if c := s[i]; l.class[c] == 0 {
				l.class[c] = uint8(l.width)
				l.width++
			}
		}
	}
	for c := 'a'; c <= 'z'; c++ { // literals are lower-case; fold the text
		l.class[c-'a'+'A'] = l.class[c]
	}
	goTo, out := l.trie(lits)
	next := l.compile(goTo, out)
	l.next = make([]int16, len(next))
	for i, t := range next {
		if len(l.out[t]) > 0 {
			t = ^t
		}
		l.next[i] = int16(t)
	}
	return l
}

// trie builds the goto function, goTo[state][class] (0 = none; the root is
// state 0 and never a target), and numbers the literals it holds.
func (l *litSet) trie(lits []string) (goTo [][]int32, out [][]int32) {
	goTo, out = [][]int32{make([]int32, l.width)}, [][]int32{nil}
	for _, s := range lits {
		if _, dup := l.ids[s]; dup || len(goTo)+len(s) > maxStates {
			continue
		}
		id := int32(len(l.ids))
		l.ids[s] = id
		st := int32(0)
		for i := 0; i < len(s); i++ {
			c := l.class[s[i]]
			if goTo[st][c] == 0 {
				goTo = append(goTo, make([]int32, l.width))
				out = append(out, nil)
				goTo[st][c] = int32(len(goTo) - 1)
			}
			st = goTo[st][c]
		}
		out[st] = append(out[st], id)
	}
	return goTo, out
}

// compile turns the trie into a DFA by breadth-first failure links.
func (l *litSet) compile(goTo, out [][]int32) []int32 {
	n := len(goTo)
	next := make([]int32, n*l.width)
	l.out = out
	fail := make([]int32, n)
	queue := make([]int32, 0, n)
	for c := 1; c < l.width; c++ {
		if t := goTo[0][c]; t != 0 {
			next[c] = t
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		l.out[st] = append(l.out[st], l.out[fail[st]]...)
		for c := 1; c < l.width; c++ {
			if t := goTo[st][c]; t != 0 {
				fail[t] = next[int(fail[st])*l.width+c]
				next[int(st)*l.width+c] = t
				queue = append(queue, t)
			} else {
				next[int(st)*l.width+c] = next[int(fail[st])*l.width+c]
			}
		}
	}
	return next
}

// scan sets the bit of every literal text contains. safe is false when
// text holds a character whose Unicode case folding reaches ASCII letters
// (the Kelvin sign, the long s): the regexp may then match where the
// literals do not, so the prefilter must not be trusted.
func (l *litSet) scan(text string, bits []uint64) (safe bool) {
	st := int16(0)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 0xC5 && (c == 0xC5 && i+1 < len(text) && text[i+1] == 0xBF ||
			c == 0xE2 && i+2 < len(text) && text[i+1] == 0x84 && text[i+2] == 0xAA) {
			return false
		}
		if st = l.next[int(st)*l.width+int(l.class[c])]; st < 0 {
			st = ^st
			for _, id := range l.out[st] {
				bits[id>>6] |= 1 << (id & 63)
			}
		}
	}
	return true
}

func (l *litSet) words() int { return (len(l.ids) + 63) / 64 }

// textLits is a text with the literals it contains, computed on first use.
type textLits struct {
	bits []uint64
	safe bool
	done bool
}

func (t *textLits) get(l *litSet, text string) *textLits {
	if !t.done {
		t.done = true
		if t.bits == nil {
			t.bits = make([]uint64, l.words())
		}
		t.safe = l.scan(text, t.bits)
	}
	return t
}

func (t *textLits) has(id int32) bool { return t.bits[id>>6]&(1<<(id&63)) != 0 }

// anyOf reports whether the text contains one of the literal ids.
func (t *textLits) anyOf(ids []int32) bool {
	for _, id := range ids {
		if t.bits[id>>6]&(1<<(id&63)) != 0 {
			return true
		}
	}
	return false
}
