package classify

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// corpusCase is one labelled failure in the format of
// ../shared/classifier/README.md.
type corpusCase struct {
	ID             string            `json:"id"`
	Chain          []corpusLink      `json:"exception_chain"`
	TopFrames      []string          `json:"top_frames"`
	K8sReason      string            `json:"k8s_reason"`
	K8sMessage     string            `json:"k8s_message"`
	ExitCode       int               `json:"exit_code"`
	SignalSource   string            `json:"signal_source"`
	FailureLabels  map[string]string `json:"failure_labels"`
	Recent         int               `json:"recent_occurrences"`
	TaskName       string            `json:"task_name"`
	Route          fleet.Route       `json:"expected_route"`
	Category       string            `json:"expected_category"`
	Why            string            `json:"why"`
	Stacktrace     string            `json:"stacktrace"` // held-out cases may give a raw trace instead of a chain
	OperatorErrRaw string            `json:"operator_error"`
}

type corpusLink struct {
	Class   string  `json:"class"`
	Message *string `json:"message"`
}

func loadCorpus(t testing.TB, path string) []corpusCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []corpusCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c corpusCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// stacktrace renders the case's chain as Throwable.printStackTrace does:
// outer exceptions with a few runtime frames, "Caused by:" for each cause,
// the root cause's own top frames and "... N more".
func (c corpusCase) stacktrace() string {
	if c.Stacktrace != "" {
		return c.Stacktrace
	}
	var b strings.Builder
	for i, l := range c.Chain {
		if i > 0 {
			b.WriteString("Caused by: ")
		}
		b.WriteString(l.Class)
		if l.Message != nil {
			b.WriteString(": " + *l.Message)
		}
		b.WriteString("\n")
		if i == len(c.Chain)-1 {
			for _, f := range c.TopFrames {
				b.WriteString("\t" + f + "\n")
			}
		}
		if i == 0 {
			b.WriteString("\tat org.apache.flink.streaming.runtime.tasks.StreamTask.invoke(StreamTask.java:831)\n")
			b.WriteString("\tat org.apache.flink.runtime.taskmanager.Task.doRun(Task.java:953)\n")
			b.WriteString("\tat java.base/java.lang.Thread.run(Thread.java:840)\n")
		} else {
			fmt.Fprintf(&b, "\t... %d more\n", 3+i)
		}
	}
	return b.String()
}

// operatorError renders the chain as the operator's status.error JSON.
func (c corpusCase) operatorError() string {
	if c.OperatorErrRaw != "" {
		return c.OperatorErrRaw
	}
	if len(c.Chain) == 0 {
		return ""
	}
	type fre struct {
		Type               string         `json:"type,omitempty"`
		Message            *string        `json:"message,omitempty"`
		AdditionalMetadata map[string]any `json:"additionalMetadata,omitempty"`
		ThrowableList      []fre          `json:"throwableList,omitempty"`
	}
	top := fre{Type: c.Chain[0].Class, Message: c.Chain[0].Message}
	if c.K8sReason != "" {
		top.AdditionalMetadata = map[string]any{"reason": c.K8sReason}
	}
	for _, l := range c.Chain[1:] {
		top.ThrowableList = append(top.ThrowableList, fre{Type: l.Class, Message: l.Message})
	}
	data, _ := json.Marshal(top)
	return string(data)
}

// input is the case as a Flink exception-history entry (with its
// Kubernetes signal, when it has one).
func (c corpusCase) input(operatorJSON bool) fleet.Evidence {
	in := fleet.Evidence{
		Source: fleet.Source(c.SignalSource), TaskName: c.TaskName, FailureLabels: c.FailureLabels,
		K8sReason: c.K8sReason, K8sMessage: c.K8sMessage, ExitCode: c.ExitCode,
		Timestamp: time.UnixMilli(1718086390000), RecentOccurrences: c.Recent,
	}
	if operatorJSON {
		in.OperatorError = c.operatorError()
		in.K8sReason = "" // the JSON carries it in additionalMetadata.reason
		return in
	}
	in.Stacktrace = c.stacktrace()
	if len(c.Chain) > 0 {
		in.ExceptionName = c.Chain[0].Class
	}
	return in
}

func corpusClassifier(t testing.TB) *Classifier {
	t.Helper()
	cfg, err := config.Load("testdata/corpus-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg.Classify)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type scored struct {
	routeOK, categoryOK, total int
	confusion                  map[[2]fleet.Route]int
	misses                     []string
}

func score(c *Classifier, cases []corpusCase, operatorJSON bool) scored {
	s := scored{confusion: map[[2]fleet.Route]int{}}
	for _, k := range cases {
		if operatorJSON && (k.SignalSource != string(fleet.SourceOperator) || len(k.Chain) == 0) {
			continue
		}
		r := c.Classify(k.input(operatorJSON))
		s.total++
		s.confusion[[2]fleet.Route{k.Route, r.Route}]++
		if r.Route == k.Route {
			s.routeOK++
		}
		if r.Category == k.Category {
			s.categoryOK++
		}
		if r.Route != k.Route || r.Category != k.Category {
			s.misses = append(s.misses, fmt.Sprintf("%s: got %s/%s (rule %s), want %s/%s", k.ID, r.Route, r.Category, r.Rule, k.Route, k.Category))
		}
	}
	return s
}

func (s scored) report(t *testing.T, name string) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: routes %d/%d (%.1f%%), categories %d/%d (%.1f%%)\n", name,
		s.routeOK, s.total, pct(s.routeOK, s.total), s.categoryOK, s.total, pct(s.categoryOK, s.total))
	b.WriteString("confusion (rows: expected, columns: got)\n         page  monitor notify\n")
	for _, want := range fleet.Routes {
		fmt.Fprintf(&b, "%-8s", want)
		for _, got := range fleet.Routes {
			fmt.Fprintf(&b, " %6d", s.confusion[[2]fleet.Route{want, got}])
		}
		b.WriteString("\n")
	}
	sort.Strings(s.misses)
	for _, m := range s.misses {
		b.WriteString("  " + m + "\n")
	}
	t.Log(b.String())
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// TestDevCorpus is the acceptance floor: the shared labelled corpus, each
// case rendered as a Flink exception-history entry, must route at least
// 95% right.
func TestDevCorpus(t *testing.T) {
	c := corpusClassifier(t)
	cases := loadCorpus(t, "testdata/dev-corpus.jsonl")
	s := score(c, cases, false)
	s.report(t, "dev corpus")
	if pct(s.routeOK, s.total) < 95 {
		t.Errorf("routes right: got %.1f%%, want at least 95%%", pct(s.routeOK, s.total))
	}
}

// TestDevCorpusOperatorJSON feeds the operator cases as the status.error
// JSON the operator writes instead: the route must not depend on the form.
func TestDevCorpusOperatorJSON(t *testing.T) {
	c := corpusClassifier(t)
	s := score(c, loadCorpus(t, "testdata/dev-corpus.jsonl"), true)
	s.report(t, "dev corpus, operator cases as status.error")
	if s.total == 0 || s.routeOK != s.total {
		t.Errorf("routes right: got %d/%d, want all", s.routeOK, s.total)
	}
}

// TestHeldOut runs failures written for this package and not in the dev
// corpus (other connectors, storage, formats, SQL, Kubernetes, operator).
// It reports separately so the corpus does not hide overfitting.
func TestHeldOut(t *testing.T) {
	c := corpusClassifier(t)
	cases := loadCorpus(t, "testdata/heldout.jsonl")
	if len(cases) < 40 {
		t.Fatalf("held-out cases: got %d, want at least 40", len(cases))
	}
	s := score(c, cases, false)
	s.report(t, "held-out")
	if pct(s.routeOK, s.total) < 95 {
		t.Errorf("routes right: got %.1f%%, want at least 95%%", pct(s.routeOK, s.total))
	}
}

// TestRegression keeps failures found by probing after the held-out run;
// they were fixed after being seen, so they do not count as held out.
func TestRegression(t *testing.T) {
	c := corpusClassifier(t)
	s := score(c, loadCorpus(t, "testdata/regression.jsonl"), false)
	if s.routeOK != s.total || s.categoryOK != s.total {
		s.report(t, "regression")
		t.Errorf("got %d/%d routes and %d/%d categories right, want all", s.routeOK, s.total, s.categoryOK, s.total)
	}
}
