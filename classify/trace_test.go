package classify

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// shape is what a test expects of a parsed throwable.
type shape struct {
	Class, Message string
	Frames         int
	Omitted        int
	Suppressed     []shape
	FirstFrame     string // class of the first frame, when checked
}

func shapeOf(t *Throwable) shape {
	s := shape{Class: t.Class, Message: t.Message, Frames: len(t.Frames), Omitted: t.Omitted}
	if len(t.Frames) > 0 {
		s.FirstFrame = t.Frames[0].Class()
	}
	for _, sup := range t.Suppressed {
		s.Suppressed = append(s.Suppressed, shapeOf(sup))
	}
	return s
}

func TestParseTrace(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []shape
	}{
		{
			name: "cause chain with shared frames",
			in: "java.lang.RuntimeException: One or more fetchers have encountered exception\n" +
				"\tat org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherManager.checkErrors(SplitFetcherManager.java:225)\n" +
				"\tat java.base/java.lang.Thread.run(Thread.java:840)\n" +
				"Caused by: org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [payments.v1]\n" +
				"\tat app//org.apache.kafka.clients.Metadata.maybeThrow(Metadata.java:412)\n" +
				"\t... 1 more\n",
			want: []shape{
				{Class: "java.lang.RuntimeException", Message: "One or more fetchers have encountered exception", Frames: 2, FirstFrame: "org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherManager"},
				{Class: "org.apache.kafka.common.errors.TopicAuthorizationException", Message: "Not authorized to access topics: [payments.v1]", Frames: 1, Omitted: 1, FirstFrame: "org.apache.kafka.clients.Metadata"},
			},
		},
		{
			name: "multi-line message keeps its lines until the first frame",
			in: "org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered \"GROUP\" at line 3, column 1.\n" +
				"Was expecting one of:\n    <EOF> \n    at line 3 is where it broke\n" +
				"\tat org.apache.flink.table.planner.parse.CalciteParser.parseSqlList(CalciteParser.java:81)\n",
			want: []shape{{
				Class:      "org.apache.flink.table.api.SqlParserException",
				Message:    "SQL parse failed. Encountered \"GROUP\" at line 3, column 1.\nWas expecting one of:\n    <EOF> \n    at line 3 is where it broke",
				Frames:     1,
				FirstFrame: "org.apache.flink.table.planner.parse.CalciteParser",
			}},
		},
		{
			name: "suppressed exceptions with their own causes stay off the chain",
			in: "java.lang.RuntimeException: Could not write batch\n" +
				"\tat com.acme.sink.HttpSink.invoke(HttpSink.java:88)\n" +
				"\tSuppressed: java.io.IOException: close failed\n" +
				"\t\tat com.acme.sink.HttpSink.close(HttpSink.java:140)\n" +
				"\t\t... 4 more\n" +
				"\tCaused by: java.lang.IllegalStateException: Connection pool shut down\n" +
				"\t\tat org.apache.http.util.Asserts.check(Asserts.java:34)\n" +
				"\t\t... 5 more\n" +
				"Caused by: java.net.SocketTimeoutException: Read timed out\n" +
				"\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)\n" +
				"\t... 4 more\n",
			want: []shape{
				{Class: "java.lang.RuntimeException", Message: "Could not write batch", Frames: 1, FirstFrame: "com.acme.sink.HttpSink",
					Suppressed: []shape{{Class: "java.io.IOException", Message: "close failed", Frames: 1, Omitted: 4, FirstFrame: "com.acme.sink.HttpSink"}}},
				{Class: "java.net.SocketTimeoutException", Message: "Read timed out", Frames: 1, Omitted: 4, FirstFrame: "sun.nio.ch.NioSocketImpl"},
			},
		},
		{
			name: "bare message, as a checkpoint's failure_message",
			in:   "Checkpoint expired before completing.",
			want: []shape{{Message: "Checkpoint expired before completing."}},
		},
		{
			name: "bare message with an appended cause",
			in:   "Exceeded checkpoint tolerable failure threshold.\nCaused by: Checkpoint expired before completing.",
			want: []shape{{Message: "Exceeded checkpoint tolerable failure threshold."}, {Message: "Checkpoint expired before completing."}},
		},
		{
			name: "log preamble before the exception is dropped",
			in: "2025-06-11 10:00:00,123 WARN  org.apache.flink.runtime.taskmanager.Task - Source (1/2) switched to FAILED\n" +
				"java.lang.IllegalStateException: boom\n\tat org.apache.flink.Foo.bar(Foo.java:1)\n",
			want: []shape{{Class: "java.lang.IllegalStateException", Message: "boom", Frames: 1, FirstFrame: "org.apache.flink.Foo"}},
		},
		{
			name: "CRLF line ends, log-style frames and a header without message",
			in:   "java.lang.NullPointerException\r\n    at com.acme.Fn.map(Fn.java:3) ~[job.jar:?]\r\n    at org.apache.flink.X.y(Unknown Source)\r\n",
			want: []shape{{Class: "java.lang.NullPointerException", Frames: 2, FirstFrame: "com.acme.Fn"}},
		},
		{
			name: "a class in the default package counts when it reads like an exception",
			in:   "MyException: odd\n\tat StreamExecCalc$41.processElement(Unknown Source)\n",
			want: []shape{{Class: "MyException", Message: "odd", Frames: 1, FirstFrame: "StreamExecCalc$41"}},
		},
		{
			name: "empty",
			in:   "\n\n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := ParseTrace(tt.in)
			var got []shape
			for _, th := range tr.Chain {
				got = append(got, shapeOf(th))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("chain (-want +got):\n%s", diff)
			}
			if tr.Truncated {
				t.Error("truncated: got true for a small trace")
			}
		})
	}
}

func TestFrameSplit(t *testing.T) {
	tests := []struct {
		name, frame, class, method string
	}{
		{"module prefix", "java.base/java.lang.Thread.run(Thread.java:840)", "java.lang.Thread", "run"},
		{"class loader prefix", "app//org.apache.kafka.clients.Metadata.maybeThrow(Metadata.java:412)", "org.apache.kafka.clients.Metadata", "maybeThrow"},
		{"module with version", "java.base@17.0.9/java.util.HashMap.resize(HashMap.java:702)", "java.util.HashMap", "resize"},
		{"inner class and lambda", "org.apache.flink.Foo$Bar.lambda$run$0(Foo.java:1)", "org.apache.flink.Foo$Bar", "lambda$run$0"},
		{"no source", "org.rocksdb.RocksDB.open(Native Method)", "org.rocksdb.RocksDB", "open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Frame(tt.frame)
			if f.Class() != tt.class || f.Method() != tt.method {
				t.Errorf("got %q %q, want %q %q", f.Class(), f.Method(), tt.class, tt.method)
			}
		})
	}
}

// TestParseTraceHostile feeds input far past every bound: it must come back
// with bounded results (the benchmarks, not this test, say how fast).
func TestParseTraceHostile(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"deep cause chain", "java.lang.Exception: top\n" + strings.Repeat("Caused by: java.lang.Exception: again\n\tat a.B.c(B.java:1)\n", 100_000)},
		{"1 MB message", "java.lang.Exception: " + strings.Repeat("x", 1<<20) + "\n\tat a.B.c(B.java:1)\n"},
		{"many suppressed", "java.lang.Exception: top\n" + strings.Repeat("\tSuppressed: java.lang.Exception: s\n\t\tat a.B.c(B.java:1)\n", 50_000)},
		{"many frames", "java.lang.Exception: top\n" + strings.Repeat("\tat a.B.c(B.java:1)\n", 200_000)},
		{"one endless line", strings.Repeat("at ", 1<<19)},
		{"deeply indented suppressed", "java.lang.Exception: top\n" + func() string {
			var b strings.Builder
			for i := 1; i < 5000; i++ {
				b.WriteString(strings.Repeat("\t", i) + "Suppressed: java.lang.Exception: s\n")
			}
			return b.String()
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := ParseTrace(tt.in)
			checkTraceBounds(t, tr)
			if len(tt.in) > 100_000 && !tr.Truncated && tt.name != "1 MB message" && tt.name != "one endless line" {
				t.Error("truncated: got false, want true past the bounds")
			}
		})
	}
}

func checkTraceBounds(t *testing.T, tr Trace) {
	t.Helper()
	if len(tr.Chain) > maxThrowables {
		t.Errorf("chain: got %d links, want at most %d", len(tr.Chain), maxThrowables)
	}
	count := 0
	var walk func(th *Throwable, depth int)
	walk = func(th *Throwable, depth int) {
		count++
		if depth > maxThrowables {
			t.Fatalf("nesting deeper than %d", maxThrowables)
		}
		if len(th.Message) > maxMessage {
			t.Errorf("message: got %d bytes, want at most %d", len(th.Message), maxMessage)
		}
		if len(th.Frames) > maxFrames {
			t.Errorf("frames: got %d, want at most %d", len(th.Frames), maxFrames)
		}
		if th.Class != "" && !validClassName(th.Class) {
			t.Errorf("class %q is not a class name", th.Class)
		}
		for _, s := range th.Suppressed {
			walk(s, depth+1)
		}
		if th.Cause != nil {
			walk(th.Cause, depth+1)
		}
	}
	if root := tr.Root(); root != nil {
		walk(tr.Chain[0], 0)
	}
	if count > maxThrowables {
		t.Errorf("throwables reachable: got %d, want at most %d", count, maxThrowables)
	}
}
