package classify

import (
	"slices"
	"strings"
)

// owner says who owns a piece of code or a resource.
type owner uint8

const (
	ownerNone     owner = 0
	ownerPlatform owner = 1 << iota
	ownerTenant
	// ownerQuery is code Flink generated from the tenant's SQL
	// (StreamExecCalc$41 and the like): the tenant's query, run by Flink.
	ownerQuery
	// ownerRuntime is the JVM and language runtime (JDK, Scala, Kotlin):
	// skipped when looking for who threw.
	ownerRuntime
)

func (o owner) String() string {
	switch o {
	case ownerPlatform:
		return "platform"
	case ownerTenant:
		return "tenant"
	case ownerQuery:
		return "query"
	case ownerRuntime:
		return "runtime"
	}
	return "none"
}

// runtimePackages are never anyone's code: frames there are skipped when
// looking for the throwing frame. Not configurable.
var runtimePackages = []string{
	"java.", "javax.", "jdk.", "sun.", "com.sun.", "scala.", "kotlin.", "kotlinx.",
}

// DefaultPlatformPackages returns the packages whose code the platform runs
// for tenants (Flink and the libraries it ships or its connectors use),
// used when classify.platformPackages is empty. Anything else is tenant
// code.
func DefaultPlatformPackages() []string { return slices.Clone(defaultPlatformPackages) }

var defaultPlatformPackages = []string{
	"org.apache.flink.", "org.apache.kafka.", "io.confluent.", "org.apache.hadoop.",
	"com.amazonaws.", "software.amazon.", "com.google.", "com.azure.", "com.microsoft.azure.",
	"org.rocksdb.", "org.apache.avro.", "org.apache.calcite.", "org.codehaus.janino.",
	"io.fabric8.", "io.netty.", "org.apache.pekko.", "akka.", "com.fasterxml.jackson.",
	"com.esotericsoftware.", "com.twitter.chill.", "org.objenesis.",
	"org.postgresql.", "com.mysql.", "org.mariadb.", "oracle.jdbc.", "com.microsoft.sqlserver.",
	"org.elasticsearch.", "org.opensearch.", "co.elastic.",
	"org.apache.parquet.", "org.apache.orc.", "org.apache.iceberg.", "org.apache.paimon.",
	"org.apache.hive.", "org.apache.commons.", "org.apache.http.", "org.apache.zookeeper.",
	"org.apache.curator.", "org.apache.logging.", "org.slf4j.", "ch.qos.logback.",
	"io.grpc.", "okhttp3.", "okio.", "reactor.", "io.debezium.", "com.ververica.cdc.",
	"org.apache.pulsar.", "com.datastax.", "com.mongodb.", "org.bson.", "redis.clients.",
	"io.lettuce.", "org.xerial.snappy.", "com.github.luben.zstd.", "net.jpountz.",
	"org.joda.", "com.typesafe.", "io.prometheus.", "io.opentelemetry.",
}

// packages decides who owns a class from configured prefixes. The longest
// matching prefix wins, so a tenant package inside a platform namespace (or
// the reverse) can be declared.
type packages struct {
	byFirst map[string][]ownedPrefix // keyed by the text before the first dot
	other   []ownedPrefix            // prefixes without a dot
}

type ownedPrefix struct {
	prefix string
	owner  owner
}

func newPackages(platform, tenant []string) packages {
	if len(platform) == 0 {
		platform = defaultPlatformPackages
	}
	p := packages{byFirst: map[string][]ownedPrefix{}}
	add := func(list []string, o owner) {
		for _, pre := range list {
			pre = strings.TrimSuffix(strings.TrimSpace(pre), "*")
			if pre == "" {
				continue
			}
			if i := strings.IndexByte(pre, '.'); i > 0 {
				p.byFirst[pre[:i]] = append(p.byFirst[pre[:i]], ownedPrefix{pre, o})
			} else {
				p.other = append(p.other, ownedPrefix{pre, o})
			}
		}
	}
	add(runtimePackages, ownerRuntime)
	add(platform, ownerPlatform)
	add(tenant, ownerTenant)
	return p
}

// of returns the owner of a fully qualified class name.
func (p *packages) of(class string) owner {
	first, _, found := strings.Cut(class, ".")
	if !found {
		if generatedClass(class) {
			return ownerQuery
		}
		return ownerTenant
	}
	best, bestLen := ownerTenant, 0
	for _, lists := range [2][]ownedPrefix{p.byFirst[first], p.other} {
		for _, op := range lists {
			if len(op.prefix) > bestLen && strings.HasPrefix(class, op.prefix) {
				best, bestLen = op.owner, len(op.prefix)
			}
		}
	}
	return best
}

// generatedClass reports whether a class in the default package is one
// Flink's code generator made from a query: Name$123.
func generatedClass(class string) bool {
	i := strings.LastIndexByte(class, '$')
	if i <= 0 || i == len(class)-1 {
		return false
	}
	for _, c := range []byte(class[i+1:]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// callerDepth is how many frames outside the runtime count as the code that
// led to a throw (the "caller" condition).
const callerDepth = 8

// frameOwners returns the owner of the throwing frame (the first frame
// outside the JDK and language runtime) and the owners seen among the first
// callerDepth such frames.
func (p *packages) frameOwners(frames []Frame) (thrower, callers owner) {
	n := 0
	for _, f := range frames {
		o := p.of(f.Class())
		if o == ownerRuntime {
			continue
		}
		if n == 0 {
			thrower = o
		}
		callers |= o
		if n++; n == callerDepth {
			break
		}
	}
	return thrower, callers
}

// mentionedClasses returns the owners of the class names a message names,
// such as "Cannot load user class: com.acme.Fn" or a Kryo "Serialization
// trace: items (com.acme.Order)". A class name is dotted identifiers, the
// first lower-case, one later segment capitalised; slashes count as dots
// (NoClassDefFoundError prints com/acme/Fn). Host names, config keys and
// versions do not look like that.
func (p *packages) mentionedClasses(msg string) owner {
	var found owner
	for i := 0; i < len(msg); {
		if !identByte(msg[i]) {
			i++
			continue
		}
		j := i
		for j < len(msg) && (identByte(msg[j]) || msg[j] == '.' || msg[j] == '/') {
			j++
		}
		if tok := strings.TrimRight(msg[i:j], "./"); classToken(tok) {
			found |= p.of(strings.ReplaceAll(tok, "/", "."))
		}
		i = j
	}
	return found &^ ownerRuntime
}

func identByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func classToken(tok string) bool {
	if len(tok) < 5 || tok[0] < 'a' || tok[0] > 'z' {
		return false
	}
	segs, upper := 1, false
	for i := 1; i < len(tok); i++ {
		c := tok[i]
		if c != '.' && c != '/' {
			continue
		}
		next := i + 1
		if next >= len(tok) || tok[next] == '.' || tok[next] == '/' || tok[next] >= '0' && tok[next] <= '9' {
			return false
		}
		segs++
		upper = upper || tok[next] >= 'A' && tok[next] <= 'Z'
	}
	return segs >= 3 && upper
}
