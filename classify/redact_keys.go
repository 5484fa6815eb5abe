package classify

import "strings"

// The general rule: a credential-bearing key, a separator, and a value in
// one of the shapes Java, HTTP, JSON and connection strings print it:
//
//	password=v  token: v  "secret":"v"  'pwd': 'v'  Authorization: Basic v
//	Authorization=[Bearer v]  {Cookie=[a=b; c=d], Accept=[*/*]}
//	AccountName=acct;AccountKey=v;EndpointSuffix=…  ?sv=…&sig=v&se=…
//
// The scanner finds each '=' and ':', looks back at the key name before it
// (a bounded look, so hostile input stays linear) and, when the name is a
// credential's, replaces the value and goes on after it. Only the value
// goes; the key, the quotes or brackets around the value and an
// Authorization scheme stay, so the text still says what failed.

// secretNames are the endings of key names whose value is a credential,
// ignoring case; '?' stands for an optional '_', '.' or '-'. The names come
// from JDBC and Kafka properties, JAAS options, Flink and Hadoop settings,
// query strings, JSON (GCP service-account files), HTTP headers and Azure
// connection strings (AccountKey, SharedAccessKey, SharedAccessSignature).
var secretNames = []string{
	"password", "passwd", "passphrase", "pwd", "secret", "token",
	"credential", "credentials", "signature", "authorization", "user?info",
	"api?key", "access?key", "secret?key", "private?key", "private?key?id",
	"session?key", "client?key", "account?key", "signing?key",
	"encryption?key", "master?key", "subscription?key",
}

// secretNameParts name a credential in the middle of a key: Hadoop's
// per-account Azure settings, fs.azure.account.key.<account>.blob.core.windows.net.
var secretNameParts = []string{"account.key.", "fs.azure.sas."}

// secretKeyGates are literals at least one of which every key the scanner
// redacts contains.
var secretKeyGates = []string{"pass", "pwd", "secret", "token", "credential", "sig", "authorization", "info", "key", "cookie"}

// valueClass says how far a credential's value runs.
type valueClass uint8

const (
	notSecret valueClass = iota
	// tokenValue ends at a blank or a delimiter: , ; & quotes, an unopened
	// closing bracket, the end of the line.
	tokenValue
	// cookieValue is a Cookie or Set-Cookie header, a list of
	// name=value pairs: it runs on over blanks and ';' to the end of the
	// header value.
	cookieValue
)

var (
	keyChars     = newByteSet("_.-", "az", "AZ", "09")
	tokenEnds    = newByteSet(" \t\v\f&;,\"'")
	cookieEnds   = newByteSet(",\"'")
	paramEnds    = newByteSet(" \t\v\f\n\r&;,\"'[](){}")
	schemeChars  = newByteSet("-", "az", "AZ", "09")
	authSchemes  = []string{"bearer", "basic", "digest", "negotiate", "ntlm", "token", "oauth", "dpop", "apikey", "sharedkey", "sharedaccesssignature", "aws4-hmac-sha256"}
	namesByFinal = func() (m [256][]string) { // secretNames by last byte, so most keys are rejected by one lookup
		for _, n := range secretNames {
			m[n[len(n)-1]] = append(m[n[len(n)-1]], n)
		}
		return m
	}()
)

// maxKeyLook bounds how far back a key is read.
const maxKeyLook = 128

func redactKeyValues(w *rewriter) {
	s := w.src
	for i := 0; i < len(s); {
		j := strings.IndexAny(s[i:], "=:")
		if j < 0 {
			return
		}
		sep := i + j
		i = sep + 1
		if class := keyBefore(s, sep); class != notSecret {
			i = w.redactValue(span(s, sep+1, blankChars), class)
		}
	}
}

// keyBefore classifies the key that ends before the separator at s[sep],
// allowing blanks and a closing quote in between ("k" : v).
func keyBefore(s string, sep int) valueClass {
	k := sep
	for k > 0 && blankChars[s[k-1]] {
		k--
	}
	if k > 0 && (s[k-1] == '"' || s[k-1] == '\'') {
		k--
	}
	start := k
	for start > 0 && k-start < maxKeyLook && keyChars[s[start-1]] {
		start--
	}
	return classifyKey(s[start:k], start == 0 || !keyChars[s[start-1]])
}

// classifyKey says whether key names a credential; whole is false when key
// is the tail of a longer name.
func classifyKey(key string, whole bool) valueClass {
	if key == "" {
		return notSecret
	}
	for _, n := range namesByFinal[lower(key[len(key)-1])] {
		if endsWithName(key, n) {
			return tokenValue
		}
	}
	switch {
	case endsWithName(key, "cookie"):
		return cookieValue
	case whole && len(key) == 3 && hasPrefixFold(key, "sig"): // Azure SAS; "sig" alone, not as a suffix
		return tokenValue
	}
	for _, p := range secretNameParts {
		if len(key) > len(p) && indexFold(key, p) >= 0 {
			return tokenValue
		}
	}
	return notSecret
}

// endsWithName reports whether key ends with name, ignoring ASCII case, a
// '?' in name matching one optional '_', '.' or '-'.
func endsWithName(key, name string) bool {
	k := len(key)
	for n := len(name) - 1; n >= 0; n-- {
		if c := name[n]; c == '?' {
			if k > 0 && (key[k-1] == '_' || key[k-1] == '.' || key[k-1] == '-') {
				k--
			}
		} else if k == 0 || lower(key[k-1]) != c {
			return false
		} else {
			k--
		}
	}
	return true
}

// redactValue redacts the value that starts at s[v] and returns where the
// scan goes on. A value in braces is a nested map or JSON object whose
// keys speak for themselves, so the scan goes on inside it.
func (w *rewriter) redactValue(v int, class valueClass) int {
	s := w.src
	if v >= len(s) || s[v] == '{' {
		return v
	}
	if t := afterScheme(s, v); t > v { // Authorization: Basic v
		switch paramForm(s, t) {
		case '&': // SharedAccessSignature sr=…&sig=…&se=…: the keys speak for themselves
			return t
		case ',': // Digest username="u", nonce="…", response="…"
			e := paramListEnd(s, t)
			w.replace(t, e, Redacted)
			return e
		}
		if e := w.redactPlain(t, class); e > t {
			return e
		}
	}
	return w.redactPlain(v, class)
}

// paramForm says whether the credentials after a scheme at s[t] are
// parameters (name=value) rather than one token, whose base64 padding may
// also end in '=': ',' for an auth-param list (RFC 7235), '&' for a query
// string (an Azure SAS), 0 for a token.
func paramForm(s string, t int) byte {
	e := span(s, t, keyChars)
	if e == t || e+1 >= len(s) || s[e] != '=' {
		return 0
	}
	switch c := s[e+1]; {
	case c == '"':
		return ','
	case c == '=' || c == ',' || c == ']' || c == '}' || c == ')' || c == '\n' || c == '\r' || blankChars[c]:
		return 0
	}
	// A flat look, unlike valueEnd's: the scan may go on from t, and a look
	// through nested brackets to the end of the line from each of many
	// schemes would be quadratic.
	if v := spanNot(s, e+1, paramEnds); v < len(s) && s[v] == '&' {
		return '&'
	}
	return ','
}

// paramListEnd returns the end of the auth-param list at s[t]: the end of
// the line or a closing bracket the list did not open. Commas separate the
// parameters, so they cannot end it.
func paramListEnd(s string, t int) int {
	depth := 0
	for k := t; k < len(s); k++ {
		switch s[k] {
		case '\n', '\r':
			return k
		case '"':
			e, _ := quotedEnd(s, k)
			k = e - 1
		case '[', '(', '{':
			depth++
		case ']', ')', '}':
			if depth == 0 {
				return k
			}
			depth--
		}
	}
	return len(s)
}

// redactPlain redacts a quoted or unquoted value at s[v] and returns its
// end, or v when there is none.
func (w *rewriter) redactPlain(v int, class valueClass) int {
	s := w.src
	if v >= len(s) {
		return v
	}
	if q := s[v]; q == '"' || q == '\'' {
		end, inner := quotedEnd(s, v)
		from := v + 1
		if t := afterScheme(s, from); t > from && t < inner { // "Bearer v"
			from = t
		}
		if inner > from {
			w.replace(from, inner, Redacted)
		}
		return end
	}
	if strings.HasPrefix(s[v:], Redacted) { // ours, from this or another scanner
		return v + len(Redacted)
	}
	end := valueEnd(s, v, class)
	if end == v {
		return v
	}
	if s[v] == '[' && bracketEnd(s, v) == end { // a Java list: [v], [Bearer v]
		if t := afterScheme(s, v+1); t > v+1 && t < end-1 {
			w.replace(t, end, Redacted+"]")
			return end
		}
	}
	w.replace(v, end, Redacted)
	return end
}

// quotedEnd returns the end of the quoted string at s[v] and the end of its
// contents: the closing quote, or the end of the line when there is none.
// Double-quoted strings take backslash escapes, as JSON and Java print them.
func quotedEnd(s string, v int) (end, inner int) {
	q := s[v]
	for k := v + 1; k < len(s); k++ {
		switch c := s[k]; {
		case c == q:
			return k + 1, k
		case c == '\n' || c == '\r':
			return k, k
		case c == '\\' && q == '"' && k+1 < len(s) && s[k+1] != '\n' && s[k+1] != '\r':
			k++
		}
	}
	return len(s), len(s)
}

// valueEnd returns the end of the unquoted value at s[v]. Brackets opened
// inside the value are part of it, blanks and delimiters included, so
// [Bearer a, Basic b] and pa(ss)word are one value each; a closing bracket
// that the value did not open ends it (…, password=x]}).
func valueEnd(s string, v int, class valueClass) int {
	ends := tokenEnds
	if class == cookieValue {
		ends = cookieEnds
	}
	depth := 0
	for k := v; k < len(s); k++ {
		switch c := s[k]; c {
		case '\n', '\r':
			return k
		case '[', '(', '{':
			depth++
		case ']', ')', '}':
			if depth == 0 {
				return k
			}
			depth--
		default:
			if depth == 0 && ends[c] {
				return k
			}
		}
	}
	return len(s)
}

// bracketEnd returns the end of the bracketed group at s[v] (just after
// its closing bracket), or -1 when it does not close on its line.
func bracketEnd(s string, v int) int {
	depth := 0
	for k := v; k < len(s); k++ {
		switch s[k] {
		case '\n', '\r':
			return -1
		case '[', '(', '{':
			depth++
		case ']', ')', '}':
			if depth--; depth == 0 {
				return k + 1
			}
		}
	}
	return -1
}

// afterScheme returns the index after an HTTP authentication scheme and
// the blanks after it at s[i], or i when none is there.
func afterScheme(s string, i int) int {
	e := span(s, i, schemeChars)
	if e == i || e-i > len("sharedaccesssignature") || e >= len(s) || !blankChars[s[e]] {
		return i
	}
	for _, sc := range authSchemes {
		if e-i == len(sc) && hasPrefixFold(s[i:], sc) {
			return span(s, e, blankChars)
		}
	}
	return i
}
