package classify

import (
	"regexp"
)

// Redacted replaces a secret in text that leaves the process.
const Redacted = "[REDACTED]"

// redaction is one kind of secret: a cheap gate (any of these lower-case
// substrings must occur) and the expression that rewrites it.
type redaction struct {
	gate []string
	re   *regexp.Regexp
	repl func(m []string) string
}

// secretKey is the name part of key=value pairs whose value is a secret:
// JDBC and Kafka properties, JAAS options, query strings, JSON, headers.
const secretKey = `[a-z0-9_.\-]*(?:password|passwd|pwd|secret|token|(?:api|access|secret|private|session|client)[_.\-]?key|credentials?|signature|user[_.\-]?info)`

var redactions = []redaction{
	{ // -----BEGIN RSA PRIVATE KEY----- … -----END RSA PRIVATE KEY-----
		gate: []string{"private key-----"},
		re:   regexp.MustCompile(`-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`),
		repl: func(m []string) string { return Redacted },
	},
	{ // scheme://user:password@host (JDBC, Kafka, HTTP, Redis, Mongo URLs)
		gate: []string{"@"},
		re:   regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.\-]*://)([^:/?#@\s"']*):([^@/\s"']+)@`),
		repl: func(m []string) string { return m[1] + m[2] + ":" + Redacted + "@" },
	},
	{ // jdbc:oracle:thin:user/password@host
		gate: []string{"jdbc:oracle"},
		re:   regexp.MustCompile(`(?i)(jdbc:oracle:[a-z0-9]+:)([^/@\s"']+)/([^@\s"']+)@`),
		repl: func(m []string) string { return m[1] + m[2] + "/" + Redacted + "@" },
	},
	{ // Authorization: Bearer/Basic …, with or without the header name
		gate: []string{"bearer", "basic", "authorization", "negotiate", "digest"},
		re:   regexp.MustCompile(`(?i)(\b(?:proxy-)?authorization"?\s*[:=]\s*"?)(?:((?:bearer|basic|digest|negotiate|token)\s+))?([^\s,;"']+)|\b(bearer|basic)(\s+)([A-Za-z0-9._~+/\-]{8,}=*)`),
		repl: func(m []string) string {
			if m[4] != "" {
				return m[4] + m[5] + Redacted
			}
			return m[1] + m[2] + Redacted
		},
	},
	{ // password=…, "token": "…", sasl.jaas.config … password="…"
		gate: []string{"pass", "pwd", "secret", "token", "key", "credential", "signature", "info"},
		re:   regexp.MustCompile(`(?i)(` + secretKey + `)("?\s*[=:]\s*)("[^"]*"|'[^']*'|\[REDACTED\]|[^\s&;,"'\]\)}]+)`),
		repl: func(m []string) string {
			if q := m[3][0]; q == '"' || q == '\'' {
				return m[1] + m[2] + string(q) + Redacted + string(q)
			}
			return m[1] + m[2] + Redacted
		},
	},
	{ // Azure SAS sig=…
		gate: []string{"sig="},
		re:   regexp.MustCompile(`([?&]sig=)[^&\s"']+`),
		repl: func(m []string) string { return m[1] + Redacted },
	},
	{ // AWS access key ids
		gate: []string{"akia", "asia", "aida", "aroa", "agpa", "anpa", "anva", "aipa"},
		re:   regexp.MustCompile(`\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b`),
		repl: func(m []string) string { return Redacted },
	},
	{ // JSON web tokens
		gate: []string{"eyj"},
		re:   regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*`),
		repl: func(m []string) string { return Redacted },
	},
	{ // Slack and GitHub tokens
		gate: []string{"xox", "ghp_", "gho_", "ghs_", "ghu_", "github_pat_"},
		re:   regexp.MustCompile(`\b(?:xox[abposr]-[A-Za-z0-9\-]{10,}|gh[opsu]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`),
		repl: func(m []string) string { return Redacted },
	},
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

// Redact removes the secrets exception messages often carry: passwords and
// tokens in URLs and key=value pairs (JDBC, Kafka, HTTP), SASL JAAS
// configs, authorization headers, AWS key ids, JWTs, private keys, Slack
// and GitHub tokens. Run it on any text before it leaves the process.
func Redact(s string) string {
	if s == "" {
		return s
	}
	var words [4]uint64 // TestRedactGatesFit keeps the gates within it
	tl := textLits{bits: words[:redactGates.words()]}
	tl.get(redactGates, s)
	for i, r := range redactions {
		if tl.safe && !tl.anyOf(redactGateIDs[i]) {
			continue
		}
		s = r.re.ReplaceAllStringFunc(s, func(match string) string {
			return r.repl(r.re.FindStringSubmatch(match))
		})
	}
	return s
}
