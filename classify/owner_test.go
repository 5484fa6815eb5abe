package classify

import (
	"testing"
)

func TestPackageOwner(t *testing.T) {
	p := newPackages(nil, []string{"com.acme.", "org.apache.flink.contrib.acme."})
	tests := []struct {
		class string
		want  owner
	}{
		{"org.apache.flink.runtime.taskmanager.Task", ownerPlatform},
		{"org.apache.flink.shaded.netty4.io.netty.Channel", ownerPlatform},
		{"org.apache.kafka.clients.consumer.KafkaConsumer", ownerPlatform},
		{"java.util.HashMap", ownerRuntime},
		{"jdk.internal.reflect.GeneratedMethodAccessor12", ownerRuntime},
		{"scala.collection.Iterator", ownerRuntime},
		{"com.acme.orders.NormalizeCountry", ownerTenant},
		{"com.globex.Anything", ownerTenant}, // not listed anywhere: tenant
		{"org.apache.flink.contrib.acme.Fn", ownerTenant},
		{"StreamExecCalc$41", ownerQuery},
		{"KeyProjection$12", ownerQuery},
		{"Main", ownerTenant},
	}
	for _, tt := range tests {
		t.Run(tt.class, func(t *testing.T) {
			if got := p.of(tt.class); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPlatformPackagesReplaceDefaults(t *testing.T) {
	p := newPackages([]string{"com.platform."}, nil)
	if got := p.of("org.apache.flink.runtime.Task"); got != ownerTenant {
		t.Errorf("flink class with a custom platform list: got %s, want tenant", got)
	}
	if got := p.of("com.platform.Enricher"); got != ownerPlatform {
		t.Errorf("custom platform class: got %s, want platform", got)
	}
	if got := p.of("java.lang.String"); got != ownerRuntime {
		t.Errorf("the JDK stays the runtime: got %s", got)
	}
}

func TestFrameOwners(t *testing.T) {
	p := newPackages(nil, nil)
	frames := []Frame{
		"java.base/java.lang.Integer.parseInt(Integer.java:662)",
		"scala.Predef$.require(Predef.scala:337)",
		"org.apache.flink.table.data.binary.BinaryStringDataUtil.toInt(BinaryStringDataUtil.java:537)",
		"StreamExecCalc$37.processElement(Unknown Source)",
	}
	thrower, callers := p.frameOwners(frames)
	if thrower != ownerPlatform {
		t.Errorf("thrower: got %s, want platform (runtime frames are skipped)", thrower)
	}
	if callers&ownerQuery == 0 || callers&ownerRuntime != 0 {
		t.Errorf("callers: got %b, want query and platform, no runtime", callers)
	}
}

func TestMentionedClasses(t *testing.T) {
	p := newPackages(nil, nil)
	tests := []struct {
		name, msg string
		want      owner
	}{
		{"user class", "Cannot load user class: com.acme.risk.ScoreFunction", ownerTenant},
		{"slashed", "com/acme/billing/Invoice", ownerTenant},
		{"kryo trace", "Unable to find class: x\nSerialization trace:\nitems (com.hooli.feed.Batch)", ownerTenant},
		{"platform", "must not be incompatible with (org.apache.flink.api.java.typeutils.runtime.PojoSerializer@6f1c)", ownerPlatform},
		{"host names and keys are not classes", "Connection to orders-db.acme.internal:5432 refused; table.exec.sink.not-null-enforcer", ownerNone},
		{"versions and paths", "image registry.plat.internal/flink/runtime:1.19.1 at /opt/flink/usrlib/job-2.4.0.jar", ownerNone},
		{"JDK classes do not count", "java.lang.String cannot be cast to java.lang.Integer", ownerNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.mentionedClasses(tt.msg); got != tt.want {
				t.Errorf("got %b, want %b", got, tt.want)
			}
		})
	}
}

func TestResourceOwners(t *testing.T) {
	o := newOwnership([]string{"s3://plat-state-*", "gs://plat-ha/"}, []string{"registry.plat.internal"}, []string{"kafka", "JDBC"})
	tests := []struct {
		name string
		fn   func(string) owner
		text string
		want owner
	}{
		{"s3a folds to s3", o.storageOwners, "getFileStatus on s3a://plat-state-eu1/checkpoints/7f/shared", ownerPlatform},
		{"tenant bucket", o.storageOwners, "Access Denied on s3://acme-datalake/events/part-1", ownerTenant},
		{"both", o.storageOwners, "copy s3://plat-state-eu1/a to 's3://acme-lake/b'", ownerPlatform | ownerTenant},
		{"gcs prefix", o.storageOwners, "403 on gs://plat-ha/flink/x", ownerPlatform},
		{"http URLs are not storage", o.storageOwners, "GET https://storage.googleapis.com/x failed", ownerNone},
		{"no URI", o.storageOwners, "PUT 0-byte object on checkpoints/a91c/chk-2210", ownerNone},
		{"platform image", o.imageOwners, `Back-off pulling image "registry.plat.internal/flink/runtime:1.19.1"`, ownerPlatform},
		{"lookalike registry", o.imageOwners, `Failed to pull image "registry.plat.internal.evil.io/x:1"`, ownerTenant},
		{"tenant image", o.imageOwners, `Back-off pulling image "ghcr.io/acme/job:2"`, ownerTenant},
		{"platform connector", o.connectorOwners, "Could not find any factory for identifier 'jdbc' that implements", ownerPlatform},
		{"typo", o.connectorOwners, "'connector'='kafak'\nCould not find any factory for identifier 'kafak' that", ownerTenant},
		{"table option only", o.connectorOwners, "Table options are:\n'connector'='kafka'", ownerPlatform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.text); got != tt.want {
				t.Errorf("got %b, want %b", got, tt.want)
			}
		})
	}
}
