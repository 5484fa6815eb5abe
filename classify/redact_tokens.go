package classify

import (
	"slices"
	"strings"
)

// Scanners for secrets recognised by their own shape rather than by a key:
// PEM private keys, URL user info, bare Authorization credentials and
// vendor token formats. Each goes on after the furthest byte it has read
// when a candidate fails, so no byte is read by more than a few candidates.

var (
	pemLabelChars = newByteSet(" ", "AZ", "09")
	urlUserEnds   = newByteSet(":/?#@ \t\n\r\v\f\"'")
	urlPassEnds   = newByteSet("@/ \t\n\r\v\f\"'")
	schemeNames   = newByteSet("+.-", "az", "AZ", "09")
	alnum         = newByteSet("", "az", "AZ", "09")
	oraUserEnds   = newByteSet("/@ \t\n\r\v\f\"'")
	oraPassEnds   = newByteSet("@ \t\n\r\v\f\"'")
	tokenChars    = newByteSet("._~+/-", "az", "AZ", "09") // RFC 6750 b64token
	base64URL     = newByteSet("_-", "az", "AZ", "09")
	awsIDChars    = newByteSet("", "AZ", "09")
)

// redactPEM replaces -----BEGIN … PRIVATE KEY----- through the matching
// END line, or through the end of the text when it was cut off. JSON and
// Java print the block's newlines as \n, which changes nothing here.
func redactPEM(w *rewriter) {
	s := w.src
	for i := 0; ; {
		j := strings.Index(s[i:], "-----BEGIN ")
		if j < 0 {
			return
		}
		start := i + j
		body, ok := pemLabel(s, start+len("-----BEGIN "))
		if !ok {
			i = start + 1
			continue
		}
		end := len(s)
		for k := body; ; {
			m := strings.Index(s[k:], "-----END ")
			if m < 0 {
				break
			}
			if e, ok := pemLabel(s, k+m+len("-----END ")); ok {
				end = e
				break
			}
			k += m + 1
		}
		w.replace(start, end, Redacted)
		i = end
	}
}

// pemLabel reads "LABEL-----" at s[i] and returns the index after it and
// whether the label names a private key (RSA PRIVATE KEY, PRIVATE KEY,
// ENCRYPTED PRIVATE KEY, PGP PRIVATE KEY BLOCK, …).
func pemLabel(s string, i int) (int, bool) {
	e := span(s, i, pemLabelChars)
	if e-i > 64 || !strings.HasPrefix(s[e:], "-----") {
		return 0, false
	}
	label := s[i:e]
	return e + len("-----"), strings.HasSuffix(label, "PRIVATE KEY") || strings.HasSuffix(label, "PRIVATE KEY BLOCK")
}

// redactURLUserInfo replaces the password in scheme://user:password@host
// (JDBC, Kafka, HTTP, Redis, Mongo URLs).
func redactURLUserInfo(w *rewriter) {
	s := w.src
	for i := 0; ; {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			return
		}
		at := i + j
		i = at + len("://")
		if at == 0 || !schemeNames[s[at-1]] {
			continue
		}
		u := spanNot(s, i, urlUserEnds)
		if u >= len(s) || s[u] != ':' {
			i = u
			continue
		}
		p := spanNot(s, u+1, urlPassEnds)
		if p > u+1 && p < len(s) && s[p] == '@' {
			w.replace(u+1, p, Redacted)
		}
		i = p
	}
}

// redactOracleThin replaces the password in jdbc:oracle:thin:user/password@host.
func redactOracleThin(w *rewriter) {
	s := w.src
	for i := 0; ; {
		j := indexFold(s[i:], "jdbc:oracle:")
		if j < 0 {
			return
		}
		d := i + j + len("jdbc:oracle:")
		i = span(s, d, alnum)
		if i == d || i >= len(s) || s[i] != ':' {
			continue
		}
		u := spanNot(s, i+1, oraUserEnds)
		if u == i+1 || u >= len(s) || s[u] != '/' {
			i = u
			continue
		}
		p := spanNot(s, u+1, oraPassEnds)
		if p > u+1 && p < len(s) && s[p] == '@' {
			w.replace(u+1, p, Redacted)
		}
		i = p
	}
}

// redactBareAuth replaces the credential after a Bearer or Basic scheme
// that no header name announces ("request failed: bearer abc…"). Without a
// header name the word may be prose ("Basic authentication failed"), so
// the credential must be 8 or more token characters and look random.
func redactBareAuth(w *rewriter) {
	s := w.src
	for i := 0; i < len(s); i++ {
		if c := lower(s[i]); c != 'b' || !wordStart(s, i) {
			continue
		}
		var n int
		switch {
		case hasPrefixFold(s[i:], "bearer"):
			n = len("bearer")
		case hasPrefixFold(s[i:], "basic"):
			n = len("basic")
		default:
			continue
		}
		t := span(s, i+n, blankChars)
		if t == i+n {
			continue
		}
		e := span(s, t, tokenChars)
		for e < len(s) && s[e] == '=' {
			e++
		}
		if e-t >= 8 && looksRandom(s[t:e]) {
			w.replace(t, e, Redacted)
		}
		i = max(e, i+n) - 1
	}
}

// looksRandom reports whether a word reads as a credential rather than
// English: a digit, a symbol, or a capital after the first letter.
func looksRandom(tok string) bool {
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') || i > 0 && 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// awsKeyIDPrefixes begin AWS access key ids and other unique ids;
// awsKeyIDGates are the same, lower-case.
var (
	awsKeyIDPrefixes = []string{"AKIA", "ASIA", "AIDA", "AROA", "AGPA", "ANPA", "ANVA", "AIPA"}
	awsKeyIDGates    = []string{"akia", "asia", "aida", "aroa", "agpa", "anpa", "anva", "aipa"}
)

// redactAWSKeyIDs replaces AWS key ids: a prefix and 16 of [A-Z0-9], a
// word on its own.
func redactAWSKeyIDs(w *rewriter) {
	s := w.src
	for i := 0; ; {
		j := strings.IndexByte(s[i:], 'A')
		if j < 0 || i+j+20 > len(s) {
			return
		}
		k := i + j
		i = k + 1
		if !wordStart(s, k) || !isAWSPrefix(s[k:k+4]) {
			continue
		}
		if e := span(s, k+4, awsIDChars); e-k == 20 && (e == len(s) || !wordChars[s[e]]) {
			w.replace(k, e, Redacted)
			i = e
		}
	}
}

func isAWSPrefix(p string) bool {
	for _, g := range awsKeyIDPrefixes {
		if p == g {
			return true
		}
	}
	return false
}

// redactJWTs replaces JSON web tokens: eyJ…, three base64url parts.
func redactJWTs(w *rewriter) {
	s := w.src
	for i := 0; ; {
		j := strings.Index(s[i:], "eyJ")
		if j < 0 {
			return
		}
		k := i + j
		h := span(s, k+3, base64URL)
		i = h // a candidate inside this part would fail where this one does
		if !wordStart(s, k) || h-k-3 < 5 || h >= len(s) || s[h] != '.' {
			continue
		}
		p := span(s, h+1, base64URL)
		if p-h-1 < 5 || p >= len(s) || s[p] != '.' {
			continue
		}
		e := span(s, p+1, base64URL)
		w.replace(k, e, Redacted)
		i = e
	}
}

// vendorToken is a token format recognised by its prefix.
type vendorToken struct {
	prefix string
	body   *byteSet
	min    int
}

var (
	alnumDash   = newByteSet("-", "az", "AZ", "09")
	alnumUnder  = newByteSet("_", "az", "AZ", "09")
	vendorTypes = []vendorToken{
		{"xoxa-", alnumDash, 10}, {"xoxb-", alnumDash, 10}, {"xoxp-", alnumDash, 10}, // Slack
		{"xoxo-", alnumDash, 10}, {"xoxs-", alnumDash, 10}, {"xoxr-", alnumDash, 10},
		{"ghp_", alnum, 20}, {"gho_", alnum, 20}, {"ghs_", alnum, 20}, {"ghu_", alnum, 20}, {"ghr_", alnum, 20}, // GitHub
		{"github_pat_", alnumUnder, 20},
		{"glpat-", base64URL, 20}, // GitLab
		{"AIza", base64URL, 35},   // Google API key
	}
	vendorTokenGates = []string{"xox", "ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_", "glpat-", "aiza"}
)

// redactVendorTokens replaces Slack, GitHub, GitLab and Google API tokens.
// Prefixes are matched case-sensitively, as the vendors issue them.
func redactVendorTokens(w *rewriter) {
	type hit struct{ start, end int }
	var hits []hit // few; ordered below, since each prefix is searched on its own
	s := w.src
	for _, vt := range vendorTypes {
		for i := 0; ; {
			j := strings.Index(s[i:], vt.prefix)
			if j < 0 {
				break
			}
			k := i + j
			e := span(s, k+len(vt.prefix), vt.body)
			i = k + len(vt.prefix)
			if wordStart(s, k) && e-i >= vt.min {
				hits = append(hits, hit{k, e})
				i = e
			}
		}
	}
	if len(hits) == 0 {
		return
	}
	slices.SortFunc(hits, func(a, b hit) int { return a.start - b.start })
	last := 0
	for _, h := range hits {
		if h.start >= last { // overlapping hits cannot occur across prefixes but are cheap to guard
			w.replace(h.start, h.end, Redacted)
			last = h.end
		}
	}
}
