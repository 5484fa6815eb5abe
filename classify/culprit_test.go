package classify

import (
	"testing"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// A decision that relied on who owns the code names the frame it means and
// whose it is; one that did not names none.
func TestCulprit(t *testing.T) {
	cfg := config.Classify{TenantPackages: []string{"com.acme."}}
	user := `rules:
  - id: failed-branch-relies-on-nothing
    when:
      message: 'boom'
      any:
        - {any: [{frame: tenant}], stack: [org.nomatch.]}
        - {message: 'boom'}
    route: notify
    category: team_boom
    reason: r
    hint: h
  - id: not-block-relies-on-nothing
    when: {message: 'bang', not: {any: [{frame: tenant}], stack: [org.nomatch.]}}
    route: notify
    category: team_bang
    reason: r
    hint: h
`
	c, err := newWithRules(t, cfg, user)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, trace       string
		rule, frame, whom string
	}{
		{"tenant code threw: the throwing frame, past the JDK's",
			"java.lang.IllegalStateException: order 7 has no customer\n\tat java.base/java.util.Objects.requireNonNull(Objects.java:209)\n\tat com.acme.orders.Enricher.map(Enricher.java:42)\n\tat org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:38)\n",
			"user-code-exception", "com.acme.orders.Enricher.map(Enricher.java:42)", "tenant"},
		{"a library threw, called by tenant code: the top tenant frame",
			"java.lang.IllegalArgumentException: Invalid format\n\tat org.joda.time.format.DateTimeFormatter.parseDateTime(DateTimeFormatter.java:945)\n\tat com.acme.orders.DateParser.parse(DateParser.java:31)\n\tat com.acme.orders.Enricher.map(Enricher.java:42)\n",
			"user-code-caller", "com.acme.orders.DateParser.parse(DateParser.java:31)", "tenant"},
		{"Flink threw a programming error",
			"java.lang.NullPointerException\n\tat org.apache.flink.runtime.scheduler.SchedulerBase.updateTaskExecutionState(SchedulerBase.java:778)\n",
			"platform-code-exception", "org.apache.flink.runtime.scheduler.SchedulerBase.updateTaskExecutionState(SchedulerBase.java:778)", "platform"},
		{"the query's generated code",
			"java.lang.NumberFormatException: For input string: \"n/a\"\n\tat java.base/java.lang.Integer.parseInt(Integer.java:652)\n\tat StreamExecCalc$41.processElement(Unknown Source)\n\tat org.apache.flink.streaming.runtime.tasks.ChainingOutput.pushToOperator(ChainingOutput.java:108)\n",
			"sql-runtime-error", "StreamExecCalc$41.processElement(Unknown Source)", "query"},
		{"a root cause without frames: the nearest exception that has them",
			"java.lang.RuntimeException: wrapped\n\tat com.acme.orders.Enricher.map(Enricher.java:42)\nCaused by: com.acme.orders.BadRecord: no id\n",
			"user-code-exception", "com.acme.orders.Enricher.map(Enricher.java:42)", "tenant"},
		{"a rule that asks nothing of the code names no frame",
			"org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [t]\n\tat com.acme.orders.Enricher.map(Enricher.java:42)\n",
			"kafka-topic-authorization", "", ""},
		{"a branch of any that failed relies on nothing, even where part of it held",
			"java.lang.IllegalStateException: boom\n\tat com.acme.orders.Enricher.map(Enricher.java:42)\n",
			"failed-branch-relies-on-nothing", "", ""},
		{"a not block relies on nothing, even where part of it held",
			"java.lang.IllegalStateException: bang\n\tat com.acme.orders.Enricher.map(Enricher.java:42)\n",
			"not-block-relies-on-nothing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := c.Classify(fleet.Evidence{Stacktrace: tt.trace})
			if d.Rule != tt.rule || d.Culprit != tt.frame || d.CulpritOwner != tt.whom {
				t.Errorf("got rule %s, culprit %q (%q), want %s, %q (%q)", d.Rule, d.Culprit, d.CulpritOwner, tt.rule, tt.frame, tt.whom)
			}
		})
	}
}
