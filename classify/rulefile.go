package classify

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/flinkslo/flinkslo/internal/config"
)

//go:embed default_rules.yaml
var defaultRules []byte

// DefaultRules returns the embedded default rules file. Its header comment
// documents the format.
func DefaultRules() []byte { return bytes.Clone(defaultRules) }

// Bounds on a rules file, so a mistaken or hostile file fails fast.
const (
	maxRulesFileBytes = 1 << 20
	maxRules          = 2000
	maxListLen        = 512
	maxCondDepth      = 4
)

// ruleFile is the YAML schema of a rules file (see default_rules.yaml).
type ruleFile struct {
	Wrappers []string   `yaml:"wrappers"`
	Terminal []condSpec `yaml:"terminal"`
	Rules    []ruleSpec `yaml:"rules"`
}

type ruleSpec struct {
	ID       string   `yaml:"id"`
	When     condSpec `yaml:"when"`
	Route    string   `yaml:"route"`
	Category string   `yaml:"category"`
	Reason   string   `yaml:"reason"`
	Hint     string   `yaml:"hint"`
	Vetoes   strList  `yaml:"vetoes"`
	Disabled bool     `yaml:"disabled"`
	// Echo: what the rule recognises is by nature the consequence of
	// another failure of the job (a task cancelled for a failover, a
	// checkpoint aborted because the job changed): counted, not sent, and
	// it explains nothing.
	Echo bool `yaml:"echo"`
	// EscalatedHint replaces Hint when a monitor cause escalates to page:
	// the page's reader needs different advice than the channel's.
	EscalatedHint string `yaml:"escalatedHint"`
	// EscalateAfter (health rules only): a monitor outage that lasts this
	// long with nothing to explain it pages.
	EscalateAfter config.Duration `yaml:"escalateAfter"`

	file string
	line int
}

type condSpec struct {
	Source      strList           `yaml:"source"`
	Class       strList           `yaml:"class"`
	Message     string            `yaml:"message"`
	Root        strList           `yaml:"root"`
	RootMessage string            `yaml:"rootMessage"`
	Frame       strList           `yaml:"frame"`
	Caller      strList           `yaml:"caller"`
	Stack       strList           `yaml:"stack"`
	Mentions    strList           `yaml:"mentions"`
	Storage     strList           `yaml:"storage"`
	Image       strList           `yaml:"image"`
	Connector   strList           `yaml:"connector"`
	Labels      map[string]string `yaml:"labels"`
	K8sReason   strList           `yaml:"k8sReason"`
	K8sMessage  string            `yaml:"k8sMessage"`
	ExitCode    []int             `yaml:"exitCode"`
	Reason      strList           `yaml:"reason"`
	State       strList           `yaml:"state"`
	Any         []condSpec        `yaml:"any"`
	Not         *condSpec         `yaml:"not"`
}

// strList is a list of strings that may be written as a single scalar.
type strList []string

func (l *strList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = strList{n.Value}
		return nil
	case yaml.SequenceNode:
		out := make(strList, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: want a string", c.Line)
			}
			out = append(out, c.Value)
		}
		*l = out
		return nil
	}
	return fmt.Errorf("line %d: want a string or a list of strings", n.Line)
}

// parseRuleFile decodes one rules file strictly: an unknown key is an error
// naming its line and the keys allowed there.
func parseRuleFile(name string, data []byte) (*ruleFile, error) {
	if len(data) > maxRulesFileBytes {
		return nil, fmt.Errorf("rules file %s: larger than %d bytes", name, maxRulesFileBytes)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("rules file %s: %w", name, config.YAMLSyntaxError(data, err))
	}
	f := &ruleFile{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("rules file %s: %s", name, explainDecodeError(err))
	}
	if len(f.Rules) > maxRules {
		return nil, fmt.Errorf("rules file %s: %d rules, at most %d", name, len(f.Rules), maxRules)
	}
	lines := sequenceLines(&root, "rules")
	for i := range f.Rules {
		f.Rules[i].file = name
		if i < len(lines) {
			f.Rules[i].line = lines[i]
		}
	}
	return f, nil
}

// sequenceLines returns the line of each item of the top-level sequence key.
func sequenceLines(root *yaml.Node, key string) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.SequenceNode {
			var lines []int
			for _, item := range m.Content[i+1].Content {
				lines = append(lines, item.Line)
			}
			return lines
		}
	}
	return nil
}

var unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type classify\.(\w+)`)

// explainDecodeError rewrites yaml.v3's Go-centric "field x not found in
// type classify.condSpec" into the keys a rule author can use.
func explainDecodeError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  ")
	return unknownFieldRE.ReplaceAllStringFunc(msg, func(s string) string {
		m := unknownFieldRE.FindStringSubmatch(s)
		var t reflect.Type
		switch m[2] {
		case "ruleFile":
			t = reflect.TypeOf(ruleFile{})
		case "ruleSpec":
			t = reflect.TypeOf(ruleSpec{})
		case "condSpec":
			t = reflect.TypeOf(condSpec{})
		default:
			return s
		}
		return fmt.Sprintf("unknown key %q (want one of %s)", m[1], strings.Join(yamlKeys(t), ", "))
	})
}

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" {
			keys = append(keys, tag)
		}
	}
	return keys
}

// mergeRules puts user rules in front of the defaults. A user rule whose id
// is a default rule's id replaces that rule where it stands (or removes it,
// with disabled: true); other user rules are evaluated before all defaults,
// in file order.
func mergeRules(defaults []ruleSpec, user [][]ruleSpec) ([]ruleSpec, error) {
	index := map[string]int{}
	for i, r := range defaults {
		index[r.ID] = i
	}
	out := append([]ruleSpec(nil), defaults...)
	removed := map[int]bool{}
	var front []ruleSpec
	seen := map[string]ruleSpec{}
	for _, file := range user {
		for _, r := range file {
			if prev, dup := seen[r.ID]; dup && r.ID != "" {
				return nil, fmt.Errorf("%s: rule %q already defined at %s:%d", r.where(), r.ID, prev.file, prev.line)
			}
			seen[r.ID] = r
			if i, ok := index[r.ID]; ok {
				out[i], removed[i] = r, r.Disabled
				continue
			}
			if r.Disabled {
				return nil, fmt.Errorf("%s: rule %q disables no default rule", r.where(), r.ID)
			}
			front = append(front, r)
		}
	}
	merged := front
	for i, r := range out {
		if !removed[i] {
			merged = append(merged, r)
		}
	}
	return merged, nil
}

func (r ruleSpec) where() string {
	if r.line > 0 {
		return fmt.Sprintf("%s:%d", r.file, r.line)
	}
	return r.file
}
