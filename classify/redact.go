package classify

import "strings"

// Redacted replaces a secret in text that leaves the process.
const Redacted = "[REDACTED]"

// redaction is one kind of secret: a cheap gate (any of these lower-case
// substrings must occur) and the scanner that rewrites it. Scanners are
// hand-written rather than regexps: Go's regexp engine runs at a few MB/s
// on expressions like these, and Redact sees up to MaxTraceBytes of hostile
// text. Each scanner makes one forward pass and folds ASCII case at most,
// so the ASCII-folded gates are exact.
type redaction struct {
	gate []string
	scan func(w *rewriter)
}

// redactions run in order. PEM blocks go first because a block's lines
// would otherwise be cut apart by the key=value scanner (key: -----BEGIN…);
// URL user info goes before key=value so that https://token:x@host keeps
// its host.
var redactions = []redaction{
	{gate: []string{"private key"}, scan: redactPEM},
	{gate: []string{"://"}, scan: redactURLUserInfo},
	{gate: []string{"jdbc:oracle:"}, scan: redactOracleThin},
	{gate: secretKeyGates, scan: redactKeyValues},
	{gate: []string{"bearer", "basic"}, scan: redactBareAuth},
	{gate: awsKeyIDGates, scan: redactAWSKeyIDs},
	{gate: []string{"eyj"}, scan: redactJWTs},
	{gate: vendorTokenGates, scan: redactVendorTokens},
}

// redactGates finds every redaction's gate literals in one pass; built
// once, never modified.
var redactGates, redactGateIDs = func() (*litSet, [][]int32) {
	var all []string
	for _, r := range redactions {
		all = append(all, r.gate...)
	}
	ls := newLitSet(all)
	ids := make([][]int32, len(redactions))
	for i, r := range redactions {
		for _, g := range r.gate {
			ids[i] = append(ids[i], ls.ids[g])
		}
	}
	return ls, ids
}()

// maxRedactRounds bounds the rounds of Redact. A second round is needed
// only when one scanner's replacement completes another's shape: in
// https://u:x,password=[a b],y@h the URL password cannot hold the blank,
// but once the list value is the marker it is x,password=[REDACTED],y. The
// fuzzers have found no input that changes in a third.
const maxRedactRounds = 3

// Redact removes the secrets exception messages often carry, keeping the
// key and the context around them: the value of any credential-bearing key
// (password, secret, token, api key, access key, account key, private key,
// credentials, signature, user info, Authorization, Cookie, SAS sig, …) in
// the shapes Java, HTTP, JSON and connection strings print (k=v, k: v,
// "k":"v", k=[v], k=[Scheme v], {k=[…]}, k=v; lists, query strings),
// passwords in URL user info and Oracle thin URLs, bare Bearer/Basic
// credentials, PEM private keys, AWS key ids, JWTs and Slack, GitHub,
// GitLab and Google API tokens. Run it on any text before it leaves the
// process. It runs its scanners until the text stops changing, so a second
// Redact changes nothing.
func Redact(s string) string {
	if s == "" {
		return s
	}
	var words [4]uint64 // TestRedactGatesFit keeps the gates within it
	tl := textLits{bits: words[:redactGates.words()]}
	// Redaction never creates a gate literal (the marker holds none and
	// none spans a '['), so the gates of the input hold for every round.
	// The scan stops early, leaving the bits unknown, at a character whose
	// Unicode folding reaches ASCII (ſ, the Kelvin sign): then every scanner
	// runs.
	tl.get(redactGates, s)
	for range maxRedactRounds {
		var changed bool
		if s, changed = redactRound(s, &tl); !changed {
			break
		}
	}
	return s
}

// redactRound runs every scanner whose gate text passes, in order.
func redactRound(s string, tl *textLits) (string, bool) {
	changed := false
	for i, r := range redactions {
		if tl.safe && !tl.anyOf(redactGateIDs[i]) {
			continue
		}
		w := rewriter{src: s}
		r.scan(&w)
		if w.edited {
			s, changed = w.result(), true
		}
	}
	return s, changed
}

// rewriter copies src with spans replaced, left to right, allocating only
// when the first replacement is made.
type rewriter struct {
	src    string
	out    strings.Builder
	done   int // src[:done] has been written to out
	edited bool
}

// replace writes with in place of src[i:j] unless they are equal. Spans
// must come in order and not overlap.
func (w *rewriter) replace(i, j int, with string) {
	if w.src[i:j] == with {
		return
	}
	if !w.edited {
		w.edited = true
		w.out.Grow(len(w.src))
	}
	w.out.WriteString(w.src[w.done:i])
	w.out.WriteString(with)
	w.done = j
}

func (w *rewriter) result() string {
	if !w.edited {
		return w.src
	}
	w.out.WriteString(w.src[w.done:])
	return w.out.String()
}

// byteSet is a set of bytes, for the scanners' character classes.
type byteSet [256]bool

func newByteSet(chars string, ranges ...string) *byteSet {
	var b byteSet
	for i := 0; i < len(chars); i++ {
		b[chars[i]] = true
	}
	for _, r := range ranges { // "az": a through z
		for c := int(r[0]); c <= int(r[1]); c++ {
			b[c] = true
		}
	}
	return &b
}

// span returns the end of the run of bytes in set that starts at s[i].
func span(s string, i int, set *byteSet) int {
	for i < len(s) && set[s[i]] {
		i++
	}
	return i
}

// spanNot returns the index of the first byte in set at or after s[i], or
// len(s).
func spanNot(s string, i int, set *byteSet) int {
	for i < len(s) && !set[s[i]] {
		i++
	}
	return i
}

var (
	wordChars  = newByteSet("_", "az", "AZ", "09") // \w, for \b
	blankChars = newByteSet(" \t")
)

// wordStart reports whether s[i] begins a word (regexp \b before it).
func wordStart(s string, i int) bool { return i == 0 || !wordChars[s[i-1]] }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case;
// prefix is lower-case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// indexFold is strings.Index ignoring ASCII case; sub is lower-case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if lower(s[i]) == sub[0] && hasPrefixFold(s[i:], sub) {
			return i
		}
	}
	return -1
}
