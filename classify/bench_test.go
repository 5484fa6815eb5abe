package classify

import (
	"os"
	"strings"
	"testing"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// The performance target: classify a 40-frame stack trace with three
// causes, with the default rules, at 100,000 or more per second on one
// core (go test -bench Classify -cpu 1).
func BenchmarkClassify(b *testing.B) {
	trace, err := os.ReadFile("testdata/bench-trace.txt")
	if err != nil {
		b.Fatal(err)
	}
	c, err := New(config.Classify{})
	if err != nil {
		b.Fatal(err)
	}
	in := fleet.Evidence{Source: fleet.SourceFlinkREST, ExceptionName: "java.lang.RuntimeException", Stacktrace: string(trace)}
	if r := c.Classify(in); r.Category != "kafka_position_timeout" {
		b.Fatalf("category: got %s, want kafka_position_timeout", r.Category)
	}
	b.SetBytes(int64(len(trace)))
	b.ReportAllocs()
	reportCPU(b, func() {
		for b.Loop() {
			c.Classify(in)
		}
	})
}

// BenchmarkClassifyUnknown is the worst case: no rule matches, so every
// rule is evaluated.
func BenchmarkClassifyUnknown(b *testing.B) {
	trace, err := os.ReadFile("testdata/bench-trace.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.NewReplacer(
		"org.apache.kafka.common.errors.TimeoutException", "org.apache.flink.util.WeirdStateException",
		"Timeout of 60000ms expired before the position for partition", "Unexpected state for partition").Replace(string(trace))
	c, err := New(config.Classify{})
	if err != nil {
		b.Fatal(err)
	}
	in := fleet.Evidence{Source: fleet.SourceFlinkREST, Stacktrace: text}
	if r := c.Classify(in); r.Rule != "unknown" {
		b.Fatalf("rule: got %s, want unknown", r.Rule)
	}
	b.ReportAllocs()
	reportCPU(b, func() {
		for b.Loop() {
			c.Classify(in)
		}
	})
}

func BenchmarkParseTrace(b *testing.B) {
	trace, err := os.ReadFile("testdata/bench-trace.txt")
	if err != nil {
		b.Fatal(err)
	}
	s := string(trace)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	reportCPU(b, func() {
		for b.Loop() {
			ParseTrace(s)
		}
	})
}

// BenchmarkClassifyHostile measures the worst case the bounds allow: the
// longest chain the parser keeps, every message at its size bound and made
// of every rule's literals in reverse order, so prefilters pass and the
// regexps run and fail.
func BenchmarkClassifyHostile(b *testing.B) {
	c, err := New(config.Classify{})
	if err != nil {
		b.Fatal(err)
	}
	in := hostileInput(c)
	b.SetBytes(int64(len(in.Stacktrace) + len(in.K8sMessage) + len(in.OperatorError)))
	b.ReportAllocs()
	reportCPU(b, func() {
		for b.Loop() {
			c.Classify(in)
		}
	})
}

func hostileInput(c *Classifier) fleet.Evidence {
	var parts []string
	for _, r := range c.rules {
		for _, p := range []*pattern{r.when.message, r.when.rootMsg, r.when.k8sMessage} {
			for i := len(p.clausesOrNil()) - 1; i >= 0; i-- {
				parts = append(parts, p.clauses[i]...)
			}
		}
	}
	words := strings.Join(parts, " ~ ")
	msg := strings.Repeat(words, maxMessage/len(words)+1)[:maxMessage]
	var sb strings.Builder
	sb.WriteString("x.Y: " + msg + "\n")
	for range maxThrowables {
		sb.WriteString("Caused by: x.Y: " + msg + "\n\tat a.B.c(B.java:1)\n")
	}
	big := strings.Repeat(words, MaxTraceBytes/len(words)+2)
	return fleet.Evidence{Stacktrace: sb.String(), K8sMessage: big, OperatorError: big}
}
