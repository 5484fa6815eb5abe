package classify

import (
	"strings"
	"testing"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// conventions is the ownership of ../shared/classifier/README.md.
var conventions = config.Classify{
	PlatformStorage:         []string{"s3://plat-state-"},
	PlatformImageRegistries: []string{"registry.plat.internal"},
	PlatformConnectors:      []string{"kafka", "jdbc"},
}

const s3Denied = "java.nio.file.AccessDeniedException: %s/checkpoints/7f/shared/5b: getFileStatus on %s/checkpoints/7f/shared/5b: " +
	"com.amazonaws.services.s3.model.AmazonS3Exception: Forbidden (Service: Amazon S3; Status Code: 403; Error Code: 403 Forbidden)\n" +
	"\tat org.apache.hadoop.fs.s3a.S3AUtils.translateException(S3AUtils.java:255)\n"

func trace(format string, args ...any) string {
	return strings.ReplaceAll(format, "%s", args[0].(string))
}

type want struct {
	route     fleet.Route
	category  string
	escalated bool
}

func checkResult(t *testing.T, r fleet.Decision, w want) {
	t.Helper()
	if r.Route != w.route || r.Category != w.category || r.Escalated != w.escalated {
		t.Errorf("got %s/%s escalated=%v (rule %s: %s), want %s/%s escalated=%v",
			r.Route, r.Category, r.Escalated, r.Rule, r.Reason, w.route, w.category, w.escalated)
	}
	if r.Reason == "" || r.Hint == "" || r.Rule == "" {
		t.Errorf("got reason %q, hint %q, rule %q; want all set", r.Reason, r.Hint, r.Rule)
	}
}

// TestOwnershipDecides: the same exception goes to different people
// depending on who owns what failed, and that is configuration.
func TestOwnershipDecides(t *testing.T) {
	tests := []struct {
		name string
		cfg  config.Classify
		in   fleet.Evidence
		want want
	}{
		{"403 on the platform's state bucket", conventions, fleet.Evidence{Stacktrace: trace(s3Denied, "s3a://plat-state-eu1")}, want{fleet.Page, "checkpoint_storage_access_denied", false}},
		{"403 on a team's bucket", conventions, fleet.Evidence{Stacktrace: trace(s3Denied, "s3a://acme-lake")}, want{fleet.Notify, "s3_sink_access_denied", false}},
		{"the same bucket, declared platform", config.Classify{PlatformStorage: []string{"s3://acme-lake"}}, fleet.Evidence{Stacktrace: trace(s3Denied, "s3a://acme-lake")}, want{fleet.Page, "checkpoint_storage_access_denied", false}},
		{"platform image", conventions, fleet.Evidence{K8sReason: "ImagePullBackOff", K8sMessage: `Back-off pulling image "registry.plat.internal/flink:1.19"`}, want{fleet.Page, "image_pull_platform", false}},
		{"team image", conventions, fleet.Evidence{K8sReason: "ErrImagePull", K8sMessage: `Failed to pull image "ghcr.io/acme/job:2": not found`}, want{fleet.Notify, "image_pull_tenant", false}},
		{"platform connector missing", conventions, fleet.Evidence{Stacktrace: "org.apache.flink.table.api.ValidationException: Could not find any factory for identifier 'jdbc' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath."}, want{fleet.Page, "platform_connector_missing", false}},
		{"connector typo", conventions, fleet.Evidence{Stacktrace: "org.apache.flink.table.api.ValidationException: Could not find any factory for identifier 'jdcb' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath."}, want{fleet.Notify, "sql_connector_identifier_unknown", false}},
		{"NPE in tenant code", conventions, fleet.Evidence{Stacktrace: "java.lang.NullPointerException: x\n\tat com.platformco.enrich.Lookup.get(Lookup.java:9)\n"}, want{fleet.Notify, "user_code_exception", false}},
		{"NPE in code declared platform", config.Classify{PlatformPackages: append([]string{"com.platformco."}, DefaultPlatformPackages()...)}, fleet.Evidence{Stacktrace: "java.lang.NullPointerException: x\n\tat com.platformco.enrich.Lookup.get(Lookup.java:9)\n"}, want{fleet.Page, "platform_code_exception", false}},
		{"tenant package inside a platform namespace", config.Classify{TenantPackages: []string{"org.apache.flink.contrib.acme."}}, fleet.Evidence{Stacktrace: "java.lang.NullPointerException: x\n\tat org.apache.flink.contrib.acme.Fn.map(Fn.java:9)\n"}, want{fleet.Notify, "user_code_exception", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, c.Classify(tt.in), tt.want)
		})
	}
}

const (
	topicDenied = "org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [fx]\n"
	heartbeat   = "java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id tm-1(10.0.0.1:6122) timed out.\n"
	suppressed  = "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\nCaused by: "
	unknownBug  = "java.lang.IllegalStateException: No cached split is expected.\n\tat org.apache.flink.runtime.source.coordinator.SourceCoordinatorContext.x(S.java:1)\n"
)

func TestLabelsAndEscalation(t *testing.T) {
	c, err := New(conventions)
	if err != nil {
		t.Fatal(err)
	}
	system := map[string]string{"TYPE": "SYSTEM"}
	tests := []struct {
		name string
		in   fleet.Evidence
		want want
	}{
		{"USER label wins over a platform-looking failure", fleet.Evidence{Stacktrace: unknownBug, FailureLabels: map[string]string{"type": "user"}}, want{fleet.Notify, "enricher_labelled_user", false}},
		{"SYSTEM label vetoes notify", fleet.Evidence{Stacktrace: topicDenied, FailureLabels: system}, want{fleet.Page, "enricher_labelled_system", false}},
		{"SYSTEM label keeps a transient cause on monitor", fleet.Evidence{Stacktrace: heartbeat, FailureLabels: system}, want{fleet.Monitor, "tm_heartbeat_timeout", false}},
		{"UNKNOWN label is ignored", fleet.Evidence{Stacktrace: topicDenied, FailureLabels: map[string]string{"TYPE": "UNKNOWN"}}, want{fleet.Notify, "kafka_topic_authorization", false}},
		{"monitor below the count", fleet.Evidence{Stacktrace: heartbeat, RecentOccurrences: 4}, want{fleet.Monitor, "tm_heartbeat_timeout", false}},
		{"monitor at the count pages", fleet.Evidence{Stacktrace: heartbeat, RecentOccurrences: 5}, want{fleet.Page, "tm_heartbeat_timeout", true}},
		{"notify never escalates", fleet.Evidence{Stacktrace: topicDenied, RecentOccurrences: 50}, want{fleet.Notify, "kafka_topic_authorization", false}},
		{"restarts exhausted page a transient cause", fleet.Evidence{Stacktrace: suppressed + heartbeat}, want{fleet.Page, "tm_heartbeat_timeout", true}},
		{"restarts exhausted leave notify alone", fleet.Evidence{Stacktrace: suppressed + topicDenied}, want{fleet.Notify, "kafka_topic_authorization", false}},
		{"unknown pages", fleet.Evidence{Stacktrace: unknownBug}, want{fleet.Page, UnknownCategory, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Classify(tt.in)
			checkResult(t, r, tt.want)
			if tt.want.escalated && (r.RuleRoute != fleet.Monitor || !strings.Contains(r.Reason, "escalated")) {
				t.Errorf("escalation: rule route %s, reason %q; want monitor and the reason to say so", r.RuleRoute, r.Reason)
			}
		})
	}
}

func TestUnknownRouteConfigurable(t *testing.T) {
	c, err := New(config.Classify{UnknownRoute: "monitor", Escalation: config.Escalation{Count: 3}})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Classify(fleet.Evidence{Stacktrace: unknownBug})
	if r.Route != fleet.Monitor || r.Rule != "unknown" || !strings.Contains(r.Reason, "unknown failure") || !strings.Contains(r.Reason, "IllegalStateException") {
		t.Errorf("got %s by %s: %q; want monitor by unknown, saying it is unknown and naming the class", r.Route, r.Rule, r.Reason)
	}
	if r := c.Classify(fleet.Evidence{Stacktrace: unknownBug, RecentOccurrences: 3}); r.Route != fleet.Page || !r.Escalated {
		t.Errorf("unknown on monitor at the configured count 3: got %s, want page escalated", r.Route)
	}
	if _, err := New(config.Classify{UnknownRoute: "slack"}); err == nil {
		t.Error("unknownRoute slack: got no error")
	}
}

func TestInputForms(t *testing.T) {
	c, err := New(conventions)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   fleet.Evidence
		want want
		root string
	}{
		{"checkpoint failure_message alone", fleet.Evidence{Source: fleet.SourceCheckpoint, Stacktrace: "Checkpoint expired before completing."}, want{fleet.Monitor, "checkpoint_expired", false}, ""},
		{"tolerable threshold with the checkpoint's cause attached", fleet.Evidence{Stacktrace: "org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to Asynchronous task checkpoint failed., view the Checkpoint History tab.\n" +
			"Caused by: org.apache.hadoop.fs.s3a.AWSServiceThrottledException: PUT 0-byte object on checkpoints/a91c/chk-2210: com.amazonaws.services.s3.model.AmazonS3Exception: Please reduce your request rate. (Service: Amazon S3; Status Code: 503; Error Code: SlowDown)"}, want{fleet.Monitor, "checkpoint_storage_throttled", false}, "org.apache.hadoop.fs.s3a.AWSServiceThrottledException"},
		{"checkpoint storage denied without a bucket in the message", fleet.Evidence{Source: fleet.SourceCheckpoint, Stacktrace: "java.nio.file.AccessDeniedException: checkpoints/a1/chk-9/_metadata: Access Denied"}, want{fleet.Page, "checkpoint_storage_access_denied", false}, "java.nio.file.AccessDeniedException"},
		{"exception name only", fleet.Evidence{ExceptionName: "org.apache.flink.runtime.io.network.partition.PartitionNotFoundException"}, want{fleet.Monitor, "partition_not_found", false}, "org.apache.flink.runtime.io.network.partition.PartitionNotFoundException"},
		{"operator JSON with SerializedThrowable types", fleet.Evidence{OperatorError: `{"type":"org.apache.flink.util.SerializedThrowable","message":"org.apache.flink.runtime.client.JobExecutionException: Job execution failed.","throwableList":[{"type":"org.apache.flink.util.SerializedThrowable","message":"org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [fx]"}]}`}, want{fleet.Notify, "kafka_topic_authorization", false}, "org.apache.kafka.common.errors.TopicAuthorizationException"},
		{"operator JSON carrying the Kubernetes reason", fleet.Evidence{OperatorError: `{"type":"org.apache.flink.kubernetes.operator.exception.DeploymentFailedException","message":"[flink-main-container] back-off 5m0s restarting failed container","additionalMetadata":{"reason":"CrashLoopBackOff"}}`}, want{fleet.Page, "crashloop_unexplained", false}, "org.apache.flink.kubernetes.operator.exception.DeploymentFailedException"},
		{"operator plain-text error", fleet.Evidence{Source: fleet.SourceOperator, OperatorError: "Forbidden Flink config key: kubernetes.namespace"}, want{fleet.Notify, "operator_spec_invalid", false}, ""},
		{"termination message with a stack trace in a crash loop", fleet.Evidence{K8sReason: "CrashLoopBackOff", K8sMessage: "java.lang.OutOfMemoryError: Metaspace\n\tat java.base/java.lang.ClassLoader.defineClass1(Native Method)\n"}, want{fleet.Page, "metaspace_oom", false}, "java.lang.OutOfMemoryError"},
		{"OOMKilled explains a heartbeat timeout", fleet.Evidence{Stacktrace: heartbeat, K8sReason: "OOMKilled", ExitCode: 137}, want{fleet.Page, "container_oom_killed", false}, "java.util.concurrent.TimeoutException"},
		{"exit 137 without OOMKilled is not an OOM", fleet.Evidence{K8sReason: "Error", ExitCode: 137, K8sMessage: "Pod was terminated in response to imminent node shutdown."}, want{fleet.Monitor, "node_shutdown_spot", false}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Classify(tt.in)
			checkResult(t, r, tt.want)
			if r.Root != tt.root {
				t.Errorf("root: got %q, want %q", r.Root, tt.root)
			}
		})
	}
}

func TestResultIsRedacted(t *testing.T) {
	c, err := New(conventions)
	if err != nil {
		t.Fatal(err)
	}
	in := fleet.Evidence{Stacktrace: "java.io.IOException: unable to open JDBC writer\n" +
		"Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user \"svc\" (url jdbc:postgresql://svc:Hunter2Secret@db.acme.internal:5432/app?password=Hunter2Secret)\n"}
	r := c.Classify(in)
	if r.Category != "jdbc_auth_failed" || r.Root != "org.postgresql.util.PSQLException" {
		t.Fatalf("got %s from %s, want jdbc_auth_failed from the PSQLException", r.Category, r.Root)
	}
	if strings.Contains(r.Message, "Hunter2Secret") || !strings.Contains(r.Message, "password authentication failed") {
		t.Errorf("message: got %q, want the text without the password", r.Message)
	}
}
