package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SyntaxError is a YAML document that is not well-formed, tied to the line
// where it stops being YAML.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: invalid YAML: %s", e.Line, e.Msg)
	}
	return "invalid YAML: " + e.Msg
}

// yamlPrefixRE strips what the YAML library puts before its problem text;
// yamlLineRE reads the line it names.
var (
	yamlPrefixRE = regexp.MustCompile(`^yaml: (line \d+: )?`)
	yamlLineRE   = regexp.MustCompile(`^yaml: line (\d+): `)
)

// YAMLSyntaxError turns the error the YAML library gives for a malformed
// document into one naming the line of the problem. The library names the
// line where the enclosing block began, counted from 0 for parser errors, so
// a list item indented wrongly on line 5 of a list begun on line 2 reads
// "line 1"; its error carries nothing better. The problem line is found
// instead as the first line by which the document fails the same way: a
// prefix of the file that stops before the problem is either valid or fails
// differently (at its end), so a binary search over line counts finds it in
// a few parses (a second or so for a 1 MiB file, only when it is broken).
func YAMLSyntaxError(data []byte, err error) error {
	var te *yaml.TypeError
	if err == nil || errors.As(err, &te) {
		return err
	}
	problem := yamlPrefixRE.ReplaceAllString(err.Error(), "")
	fails := func(n int) bool {
		var node yaml.Node
		perr := yaml.Unmarshal(prefixLines(data, n), &node)
		return perr != nil && yamlPrefixRE.ReplaceAllString(perr.Error(), "") == problem
	}
	total := bytes.Count(data, []byte("\n")) + 1
	if !fails(total) {
		return &SyntaxError{Msg: problem}
	}
	// The library's line is where the enclosing block began (or the
	// problem's, 0-based): the problem is not above it.
	lo, hi := 1, total // fails(hi) holds; find the smallest such line count
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		if n, _ := strconv.Atoi(m[1]); n >= 1 && n <= total {
			lo = n
		}
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return &SyntaxError{Line: lo, Msg: problem + syntaxHint(problem, lineAt(data, lo))}
}

// prefixLines returns the first n lines of data.
func prefixLines(data []byte, n int) []byte {
	end := 0
	for range n {
		i := bytes.IndexByte(data[end:], '\n')
		if i < 0 {
			return data
		}
		end += i + 1
	}
	return data[:end]
}

// lineAt returns line n (1-based) of data, without its newline.
func lineAt(data []byte, n int) string {
	rest := prefixLines(data, n)
	if n > 1 {
		rest = rest[len(prefixLines(data, n-1)):]
	}
	return strings.TrimRight(string(rest), "\r\n")
}

// syntaxHint says what usually causes the library's terser messages.
func syntaxHint(problem, line string) string {
	indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
	switch {
	case strings.Contains(indent, "\t"):
		return " (this line is indented with a tab: YAML indents with spaces only)"
	case strings.HasPrefix(problem, "did not find expected key"),
		strings.HasPrefix(problem, "did not find expected '-' indicator"),
		strings.HasPrefix(problem, "block sequence entries are not allowed"),
		strings.HasPrefix(problem, "mapping values are not allowed"),
		strings.HasPrefix(problem, "did not find expected <document start>"):
		return " (check this line's indentation against the lines above it)"
	case strings.HasPrefix(problem, "found unexpected end of stream"):
		return " (a quote opened on this line is never closed)"
	case strings.HasPrefix(problem, "did not find expected ',' or"):
		return " (a [ or { opened on this line is not closed where expected)"
	}
	return ""
}
