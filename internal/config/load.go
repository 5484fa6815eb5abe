package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxFileSize bounds a configuration file; a larger one is almost certainly
// the wrong file.
const maxFileSize = 4 << 20

// Load reads, decodes, defaults and validates the file at path. Errors are
// prefixed with the path and name the field and its line.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("config %s: larger than %d bytes", path, maxFileSize)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes data strictly, applies defaults and validates the result.
func Parse(data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, YAMLSyntaxError(data, err)
	}
	lines := indexLines(&root)
	cfg := &Config{}
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
			return nil, rewriteDecodeError(err, lines)
		}
		var extra yaml.Node
		if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
			return nil, errors.New("more than one YAML document: a config file holds exactly one")
		}
	}
	cfg.lines = lines
	applyDefaults(cfg)
	if err := cfg.validate(lines); err != nil {
		return nil, err
	}
	return cfg, nil
}

var (
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type config\.(\w+)$`)
	lineRE         = regexp.MustCompile(`^line (\d+): `)
)

// rewriteDecodeError turns yaml.v3's Go-centric messages into ones that name
// the YAML key, its line and the keys that would have been accepted.
func rewriteDecodeError(err error, lines lineIndex) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return errors.New(lines.withPath(err.Error()))
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, m := range te.Errors {
		sub := unknownFieldRE.FindStringSubmatch(m)
		if sub == nil {
			msgs = append(msgs, lines.withPath(m))
			continue
		}
		known := yamlKeys(sub[3])
		msg := fmt.Sprintf("line %s: unknown field %q", sub[1], sub[2])
		if s := closest(sub[2], known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else if len(known) > 0 {
			msg += fmt.Sprintf(" (known fields: %s)", strings.Join(known, ", "))
		}
		msgs = append(msgs, msg)
	}
	return errors.New(strings.Join(msgs, "\n"))
}

// yamlKeys lists the YAML keys of the config type with the given Go name.
func yamlKeys(typeName string) []string {
	t, ok := configTypes()[typeName]
	if !ok {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	sort.Strings(keys)
	return keys
}

// configTypes maps the Go names of every struct reachable from Config to
// their types, so error messages can list a section's keys.
func configTypes() map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() != reflect.TypeFor[Config]().PkgPath() {
			return
		}
		if _, seen := out[t.Name()]; seen {
			return
		}
		out[t.Name()] = t
		for i := range t.NumField() {
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeFor[Config]())
	return out
}

// closest returns the known key within edit distance 2 of s, if any.
func closest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(s), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// lineIndex maps a key path such as "targets[0].url" to its line.
type lineIndex map[string]int

// line returns the line of path, or of its closest ancestor that is in the
// file (a defaulted key has no line of its own).
func (l lineIndex) line(path string) int {
	for path != "" {
		if n, ok := l[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// withPath inserts the key path after a "line N: " prefix, so that errors
// raised while decoding a value (a bad duration, say) name their field.
func (l lineIndex) withPath(msg string) string {
	sub := lineRE.FindStringSubmatch(msg)
	if sub == nil {
		return msg
	}
	n, _ := strconv.Atoi(sub[1])
	best := ""
	for p, ln := range l {
		// The deepest key on that line is the one whose value failed.
		if ln == n && len(p) > len(best) {
			best = p
		}
	}
	if best == "" {
		return msg
	}
	return sub[0] + best + ": " + msg[len(sub[0]):]
}

func indexLines(root *yaml.Node) lineIndex {
	idx := lineIndex{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				idx[p] = k.Line
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := path + "[" + strconv.Itoa(i) + "]"
				idx[p] = c.Line
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return idx
}
