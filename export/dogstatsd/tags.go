package dogstatsd

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// noValue stands in for an empty tag value (a target without a team).
// The tag is sent rather than omitted so that `by {team}` groups and the
// per-team fleet series stay complete, and `team:none` finds unowned jobs.
const noValue = "none"

// tag renders key:value for the DogStatsD wire.
func tag(key, value string) string {
	return key + ":" + tagValue(value)
}

// tagValue makes value safe on the wire and stable in Datadog. A comma or
// pipe would split the line (a Flink job may be named "orders, v2 | eu"),
// and Datadog lowercases tags and turns every character other than
// letters, digits and "_-:./" into an underscore on intake anyway: doing
// it here means the tag a dashboard filters on (state:running) is the tag
// this package's tests see.
func tagValue(v string) string {
	if v == "" {
		return noValue
	}
	if !needsCleaning(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for _, r := range v {
		if tagRune(r) {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func needsCleaning(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= utf8.RuneSelf {
			// Rare: fall back to the rune loop.
			return strings.IndexFunc(v, func(r rune) bool { return !tagRune(r) || unicode.ToLower(r) != r }) >= 0
		}
		if !tagRune(rune(c)) || ('A' <= c && c <= 'Z') {
			return true
		}
	}
	return false
}

func tagRune(r rune) bool {
	switch r {
	case '_', '-', ':', '.', '/':
		return true
	case utf8.RuneError:
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
