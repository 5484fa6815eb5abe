package classify

import (
	"os"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		secrets []string // must be gone
		keep    []string // must survive
	}{
		{"JDBC query password", "Connection to jdbc:postgresql://db.acme.internal:5432/app?user=svc&password=Pg-S3cret!&ssl=true refused",
			[]string{"Pg-S3cret!"}, []string{"user=svc", "ssl=true", "db.acme.internal:5432", "refused"}},
		{"JDBC URL user info", "jdbc:mysql://svc:My$ecretPw@db:3306/app", []string{"My$ecretPw"}, []string{"jdbc:mysql://svc:", "@db:3306/app"}},
		{"Oracle thin", "jdbc:oracle:thin:scott/tiger123@//db:1521/ORCL", []string{"tiger123"}, []string{"scott/", "@//db:1521"}},
		{"SASL JAAS config", `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="svc-orders" password="kafka-Pa55";`,
			[]string{"kafka-Pa55"}, []string{`username="svc-orders"`, "ScramLoginModule required"}},
		{"JAAS single quotes", `PlainLoginModule required username='u' password='p4ss word';`, []string{"p4ss word"}, []string{"username='u'"}},
		{"HTTP basic auth in URL", "GET https://admin:hunter2@es.acme.internal:9200/_bulk failed", []string{"hunter2"}, []string{"https://admin:", "@es.acme.internal:9200/_bulk"}},
		{"Redis URL without user", "redis://:r3dis-pw@cache:6379/0", []string{"r3dis-pw"}, []string{"@cache:6379"}},
		{"Bearer header", "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2lnbmF0dXJl", []string{"eyJhbGciOiJSUzI1NiJ9", "c2lnbmF0dXJl"}, []string{"Authorization: Bearer"}},
		{"Basic header", "Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==", []string{"dXNlcjpwYXNzd29yZA"}, []string{"Proxy-Authorization: Basic"}},
		{"bare bearer token", "request failed: bearer abcdefghijklmnop0123", []string{"abcdefghijklmnop0123"}, []string{"request failed"}},
		{"token= in a query string", "GET /api/sku?id=17&token=tok_8c1f2e9a77&lang=en -> 401", []string{"tok_8c1f2e9a77"}, []string{"id=17", "lang=en", "401"}},
		{"access_token JSON", `{"access_token": "ya29.a0AfH6SM", "expires_in": 3599}`, []string{"ya29.a0AfH6SM"}, []string{`"expires_in": 3599`}},
		{"AWS access key id", "The AWS Access Key Id you provided (AKIAIOSFODNN7EXAMPLE) does not exist", []string{"AKIAIOSFODNN7EXAMPLE"}, []string{"does not exist"}},
		{"AWS secret key property", "fs.s3a.secret.key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY fs.s3a.endpoint=s3", []string{"wJalrXUtnFEMI/K7MDENG"}, []string{"fs.s3a.endpoint=s3"}},
		{"AWS session token", "x-amz-security-token: FwoGZXIvYXdzEBYaDExample", []string{"FwoGZXIvYXdzEBYaDExample"}, []string{"x-amz-security-token"}},
		{"ssl keystore password", "ssl.keystore.password=changeit ssl.keystore.location=/etc/ks.jks", []string{"changeit"}, []string{"/etc/ks.jks"}},
		{"schema registry user info", "basic.auth.user.info=sr-user:sr-Secret", []string{"sr-Secret"}, []string{"basic.auth.user.info"}},
		{"Azure SAS", "https://acct.blob.core.windows.net/c/x?sv=2021-08-06&sig=AbC%2Fdef%3D&se=2025", []string{"AbC%2Fdef%3D"}, []string{"sv=2021-08-06", "se=2025"}},
		{"Slack token", "slack: invalid_auth for xoxb-1234567890-abcdefghijkl", []string{"xoxb-1234567890-abcdefghijkl"}, []string{"invalid_auth"}},
		{"private key", "key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY----- loaded", []string{"MIIEvQIBADANBg"}, []string{"loaded"}},
		{"Java header map, Bearer", "{Authorization=[Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc], Accept=[*/*]}",
			[]string{"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39Hq"}, []string{"{Authorization=[Bearer [REDACTED]], Accept=[*/*]}"}},
		{"Java header map, Basic", "{Proxy-Authorization=[Basic cHJveHk6cHc=], Authorization=[Basic dXNlcjpwYXNzd29yZA==]}",
			[]string{"cHJveHk6cHc=", "dXNlcjpwYXNzd29yZA=="}, []string{"Proxy-Authorization=[Basic [REDACTED]]", "Authorization=[Basic [REDACTED]]"}},
		{"Java header list, several values", "Authorization=[Bearer a1b2c3d4e5, Bearer f6g7h8], Accept=[*/*]",
			[]string{"a1b2c3d4e5", "f6g7h8"}, []string{"Authorization=[Bearer [REDACTED]]", "Accept=[*/*]"}},
		{"header map, one string per header", "{Authorization=Bearer abc.def.ghi, X-Api-Key=k-12345, Content-Type=application/json}",
			[]string{"abc.def.ghi", "k-12345"}, []string{"Authorization=Bearer [REDACTED]", "X-Api-Key=[REDACTED]", "Content-Type=application/json"}},
		{"header array", "[Authorization: Basic c3ZjOnB3, Cookie: sid=abc123; theme=dark, Accept: */*]",
			[]string{"c3ZjOnB3", "abc123"}, []string{"Authorization: Basic [REDACTED]", "Cookie: [REDACTED]", "Accept: */*]"}},
		{"quoted header", `{"Authorization":"Bearer ya29.a0AfH6SMBx","Accept":"*/*"}`,
			[]string{"ya29.a0AfH6SMBx"}, []string{`"Authorization":"Bearer [REDACTED]"`, `"Accept":"*/*"`}},
		{"Cookie list", "Cookie=[JSESSIONID=1A2B3C4D; route=r7], Host=[api.acme.io]", []string{"1A2B3C4D", "r7"}, []string{"Cookie=[REDACTED]", "Host=[api.acme.io]"}},
		{"Set-Cookie header", "Set-Cookie: SESSION=YmFzZTY0c2Vzc2lvbg; Path=/; HttpOnly\nVary: Origin", []string{"YmFzZTY0c2Vzc2lvbg"}, []string{"Set-Cookie: [REDACTED]", "Vary: Origin"}},
		{"Azure storage connection string", "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net",
			[]string{"Eby8vdM02x", "KBHBeksoGMGw=="}, []string{"AccountName=acmeprod;AccountKey=[REDACTED];EndpointSuffix=core.windows.net"}},
		{"Service Bus connection string", "Endpoint=sb://acme-ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=Zm9vYmFy+YmF6/cXV4=;EntityPath=orders",
			[]string{"Zm9vYmFy+YmF6/cXV4="}, []string{"Endpoint=sb://acme-ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=[REDACTED];EntityPath=orders"}},
		{"SAS in a connection string", "BlobEndpoint=https://acme.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&se=2025-01-01T00:00:00Z&sig=k3Y9%2BtG0q%3D",
			[]string{"k3Y9%2BtG0q%3D"}, []string{"BlobEndpoint=https://acme.blob.core.windows.net/", "ss=b&se=2025-01-01T00:00:00Z&sig=[REDACTED]"}},
		{"SAS token header", "Authorization: SharedAccessSignature sr=amqps%3A%2F%2Fns.servicebus.windows.net&sig=Q2xpZW50U2ln%3D&se=1735689600&skn=send",
			[]string{"Q2xpZW50U2ln%3D"}, []string{"Authorization: SharedAccessSignature sr=amqps%3A%2F%2Fns.servicebus.windows.net&sig=[REDACTED]&se=1735689600&skn=send"}},
		{"Hadoop Azure account key", "fs.azure.account.key.acmeprod.blob.core.windows.net: Eby8vdM02xNOcqFlqUwJ==", []string{"Eby8vdM02xNOcqFlqUwJ=="}, []string{"fs.azure.account.key.acmeprod.blob.core.windows.net: [REDACTED]"}},
		{"GCP service-account JSON", `{"type": "service_account", "project_id": "acme-data", "private_key_id": "3f1c2a9b8e7d6c5b4a39", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0\n-----END PRIVATE KEY-----\n", "client_email": "w@acme-data.iam.gserviceaccount.com"}`,
			[]string{"3f1c2a9b8e7d6c5b4a39", "MIIEvQIBADANBgkqhkiG9w0"}, []string{`"private_key_id": "[REDACTED]"`, `"private_key": "[REDACTED]"`, `"project_id": "acme-data"`, `"client_email": "w@acme-data.iam.gserviceaccount.com"`}},
		{"PGP private key block, cut off", "key material -----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF0abc", []string{"lQOYBF0abc"}, []string{"key material [REDACTED]"}},
		{"public certificate kept", "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----", nil, []string{"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----"}},
		{"Lombok toString", "KafkaSinkConfig(bootstrapServers=kafka:9092, saslPassword=Kf-Pa55, topic=orders)", []string{"Kf-Pa55"}, []string{"bootstrapServers=kafka:9092", "saslPassword=[REDACTED]", "topic=orders)"}},
		{"Kafka config dump", "\tssl.key.password = [hidden]\n\tssl.keystore.password = changeit\n\tssl.keystore.type = JKS", []string{"changeit"}, []string{"ssl.keystore.password = [REDACTED]", "ssl.keystore.type = JKS"}},
		{"password with brackets", "password=pa[ss]w(or)d user=bob", []string{"pa[ss]w", "w(or)d"}, []string{"password=[REDACTED] user=bob"}},
		{"unclosed quote", `token="abc123 and the rest`, []string{"abc123"}, []string{`token="[REDACTED]`}},
		{"GitLab and Google API tokens", "glpat-xY7zQ9wErT5uIoP3aS1d AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", []string{"xY7zQ9wErT5uIoP3aS1d", "SyD-9tSrke72PouQMnMX"}, nil},
		{"URL user info named token", "https://token:ghx7Yw2k@git.acme.io/repo.git", []string{"ghx7Yw2k"}, []string{"https://token:[REDACTED]@git.acme.io/repo.git"}},
		{"Basic in prose", "Basic authentication failed; Bearer token expired", nil, []string{"Basic authentication failed; Bearer token expired"}},
		{"non-secret keys", "SharedAccessKeyName=send; AccountName=acme; secretName: flink-creds; tokenUri=https://oauth2.googleapis.com/token; keystore.type=JKS",
			nil, []string{"SharedAccessKeyName=send; AccountName=acme; secretName: flink-creds; tokenUri=https://oauth2.googleapis.com/token; keystore.type=JKS"}},
		{"a replacement completes a URL", "https://u:x,password=[a b],y@h/x", []string{"a b", "x,password"}, []string{"https://u:[REDACTED]@h/x"}},
		{"Digest parameters", `Authorization: Digest username="svc", realm="api", nonce="dcd98b7102dd2f0e", response="6629fae49393a053"` + "\nHost: api",
			[]string{"dcd98b7102dd2f0e", "6629fae49393a053", `"svc"`}, []string{"Authorization: Digest [REDACTED]\nHost: api"}},
		{"AWS signature v4", "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3be\n",
			[]string{"AKIAIOSFODNN7EXAMPLE", "fe5f80f77d5fa3be"}, []string{"Authorization: AWS4-HMAC-SHA256 [REDACTED]\n"}},
		{"token68 padding is not a parameter", "{Authorization=Basic dXNlcjpw=, Accept=*/*}", []string{"dXNlcjpw"}, []string{"Authorization=Basic [REDACTED], Accept=*/*}"}},
		{"nothing secret", "Not authorized to access topics: [payments.v1]; Status Code: 403; key (id)=(9912) already exists",
			nil, []string{"Not authorized to access topics: [payments.v1]; Status Code: 403; key (id)=(9912) already exists"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRedact(t, tt.in, tt.secrets, tt.keep) })
	}
}

// checkRedact redacts in and checks that every secret is gone, every keep
// survives, the marker stands in and a second Redact changes nothing.
func checkRedact(t *testing.T, in string, secrets, keep []string) {
	t.Helper()
	got := Redact(in)
	for _, s := range secrets {
		if strings.Contains(got, s) {
			t.Errorf("got %q: still contains %q", got, s)
		}
	}
	for _, k := range keep {
		if !strings.Contains(got, k) {
			t.Errorf("got %q: lost %q", got, k)
		}
	}
	if len(secrets) > 0 && !strings.Contains(got, Redacted) {
		t.Errorf("got %q: want the %s marker", got, Redacted)
	}
	if again := Redact(got); again != got {
		t.Errorf("not idempotent: %q then %q", got, again)
	}
}

// TestRedactExceptions: whole exceptions as connectors print them, with
// the request, connection string or credentials file echoed.
func TestRedactExceptions(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		secrets []string
		keep    []string
	}{
		{"Apache HttpClient with request headers",
			"org.apache.flink.connector.http.HttpSinkException: POST https://api.acme.io/v1/events failed\n" +
				"\tat org.apache.flink.connector.http.sink.HttpSinkWriter.write(HttpSinkWriter.java:112)\n" +
				"Caused by: org.apache.http.client.HttpResponseException: status code: 401, reason phrase: Unauthorized; " +
				"request headers: {Authorization=[Bearer sk_live_51HqLyjWDarjtT1zdp7dc], Accept=[*/*], X-Api-Key=[ak_9f8e7d6c5b4a], " +
				"Cookie=[JSESSIONID=1A2B3C4D5E; route=r1], User-Agent=[Apache-HttpClient/4.5.14 (Java/17.0.9)]}\n" +
				"\tat org.apache.http.impl.client.AbstractResponseHandler.handleResponse(AbstractResponseHandler.java:70)\n",
			[]string{"sk_live_51HqLyjWDarjtT1zdp7dc", "ak_9f8e7d6c5b4a", "1A2B3C4D5E", "route=r1"},
			[]string{"org.apache.http.client.HttpResponseException: status code: 401, reason phrase: Unauthorized",
				"Authorization=[Bearer [REDACTED]]", "Accept=[*/*]", "X-Api-Key=[REDACTED]", "Cookie=[REDACTED]",
				"User-Agent=[Apache-HttpClient/4.5.14 (Java/17.0.9)]", "(AbstractResponseHandler.java:70)"}},
		{"OkHttp with header lines",
			"java.io.IOException: Unexpected code Response{protocol=h2, code=403, message=Forbidden, url=https://hooks.acme.io/ingest}\n" +
				"Authorization: Basic c3ZjLWZsaW5rOkh1bnRlcjIh\nProxy-Authorization: Basic cHJveHk6cHJveHlwdw==\n" +
				"Content-Type: application/json\nSet-Cookie: SESSION=YmFzZTY0c2Vzc2lvbmlk; Path=/; HttpOnly\n" +
				"\tat okhttp3.internal.http.RetryAndFollowUpInterceptor.intercept(RetryAndFollowUpInterceptor.kt:76)\n",
			[]string{"c3ZjLWZsaW5rOkh1bnRlcjIh", "cHJveHk6cHJveHlwdw==", "YmFzZTY0c2Vzc2lvbmlk"},
			[]string{"Response{protocol=h2, code=403, message=Forbidden, url=https://hooks.acme.io/ingest}", "Authorization: Basic [REDACTED]\n",
				"Proxy-Authorization: Basic [REDACTED]\n", "Content-Type: application/json\n", "Set-Cookie: [REDACTED]\n", "RetryAndFollowUpInterceptor.kt:76"}},
		{"Azure StorageException with the connection string",
			"org.apache.hadoop.fs.azure.AzureException: com.microsoft.azure.storage.StorageException: Server failed to authenticate the request. " +
				"Make sure the value of Authorization header is formed correctly including the signature.\n" +
				"\tat org.apache.hadoop.fs.azure.AzureNativeFileSystemStore.createAzureStorageSession(AzureNativeFileSystemStore.java:1098)\n" +
				"Caused by: java.lang.IllegalArgumentException: Invalid connection string DefaultEndpointsProtocol=https;AccountName=acmeflinkprod;" +
				"AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net\n" +
				"\tat com.microsoft.azure.storage.CloudStorageAccount.parse(CloudStorageAccount.java:254)\n",
			[]string{"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq", "KBHBeksoGMGw=="},
			[]string{"Make sure the value of Authorization header is formed correctly including the signature.",
				"DefaultEndpointsProtocol=https;AccountName=acmeflinkprod;AccountKey=[REDACTED];EndpointSuffix=core.windows.net\n", "CloudStorageAccount.java:254"}},
		{"Azure BlobStorageException with a SAS URL",
			"com.azure.storage.blob.models.BlobStorageException: Status code 403, \"AuthenticationFailed: Signature did not match.\"\n" +
				"Request: PUT https://acme.blob.core.windows.net/checkpoints/chk-42/_metadata?sv=2022-11-02&ss=b&srt=co&sp=rwdlac" +
				"&se=2025-01-01T00:00:00Z&st=2024-12-01T00:00:00Z&spr=https&sig=k3Y9%2BtG0q%2FrXy7Zp4Wc1LmN8vB2sQ%3D&comp=block\n",
			[]string{"k3Y9%2BtG0q%2FrXy7Zp4Wc1LmN8vB2sQ%3D"},
			[]string{"AuthenticationFailed: Signature did not match.", "https://acme.blob.core.windows.net/checkpoints/chk-42/_metadata?sv=2022-11-02",
				"&se=2025-01-01T00:00:00Z&st=2024-12-01T00:00:00Z&spr=https&sig=[REDACTED]&comp=block"}},
		{"Event Hubs Kafka endpoint in a JAAS config",
			"org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN; " +
				"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$ConnectionString\" " +
				"password=\"Endpoint=sb://acme-ns.servicebus.windows.net/;SharedAccessKeyName=flink-send;SharedAccessKey=Zm9vYmFyYmF6cXV4K3M9PQ==;EntityPath=orders\";",
			[]string{"Zm9vYmFyYmF6cXV4K3M9PQ=="},
			[]string{"invalid credentials with SASL mechanism PLAIN", `username="$ConnectionString"`, `password="[REDACTED]";`}},
		{"GoogleJsonResponseException with the credentials file echoed",
			"com.google.api.client.googleapis.json.GoogleJsonResponseException: 400 Bad Request\nPOST https://oauth2.googleapis.com/token\n" +
				`{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}` + "\n" +
				"Caused by: java.io.IOException: Error reading credentials from stream. Credentials: " +
				`{"type": "service_account", "project_id": "acme-data", "private_key_id": "3f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a090", ` +
				`"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----\n", ` +
				`"client_email": "flink-writer@acme-data.iam.gserviceaccount.com", "client_id": "104857600123456789012", "token_uri": "https://oauth2.googleapis.com/token"}` + "\n" +
				"\tat com.google.auth.oauth2.ServiceAccountCredentials.fromStream(ServiceAccountCredentials.java:432)\n",
			[]string{"3f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a090", "MIIEvQIBADANBgkqhkiG9w0", "VJTUt9Us8cKjMzEfYyjiWA4R4", "GeurT8jNbvJZHtCSuYEvu"},
			[]string{"400 Bad Request\nPOST https://oauth2.googleapis.com/token", `"error": "invalid_grant"`, `"error_description": "Invalid JWT Signature."`,
				`"project_id": "acme-data"`, `"private_key_id": "[REDACTED]"`, `"private_key": "[REDACTED]"`,
				`"client_email": "flink-writer@acme-data.iam.gserviceaccount.com"`, `"client_id": "104857600123456789012"`,
				`"token_uri": "https://oauth2.googleapis.com/token"`, "ServiceAccountCredentials.java:432"}},
		{"PEM key in a pod message",
			"Error: failed to load TLS key /etc/tls/tls.key: key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk\noAoGCCqGSM49AwEHoUQDQgAE\n-----END EC PRIVATE KEY-----\nBack-off restarting failed container",
			[]string{"MHcCAQEEIBkg4LVWM9nuwNSk", "oAoGCCqGSM49AwEHoUQDQgAE"},
			[]string{"failed to load TLS key /etc/tls/tls.key: key: [REDACTED]\nBack-off restarting failed container"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRedact(t, tt.in, tt.secrets, tt.keep) })
	}
}

// TestRedactGatesInvariant: Redact computes the gates once, on its input,
// which is right only while a replacement cannot create a gate literal:
// the marker contains none, and no literal contains a bracket, so none can
// span the marker's edge. The literal set folds the text, so gates are
// lower-case.
func TestRedactGatesInvariant(t *testing.T) {
	for _, r := range redactions {
		for _, g := range r.gate {
			if g != strings.ToLower(g) || strings.ContainsAny(g, "[]") || strings.Contains(strings.ToLower(Redacted), g) {
				t.Errorf("gate %q: want lower-case, without brackets, not in %s", g, Redacted)
			}
		}
	}
}

func TestRedactGatesFit(t *testing.T) {
	if redactGates.words() > 4 {
		t.Fatalf("redaction gates need %d words; Redact has room for 4", redactGates.words())
	}
}

// BenchmarkRedact: Redact runs on every failure's message before it leaves
// the process, so it must cost little on ordinary text and stay linear on
// hostile text of the largest size the classifier passes it.
func BenchmarkRedact(b *testing.B) {
	trace, err := os.ReadFile("testdata/bench-trace.txt")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, text string }{
		{"trace", string(trace)},
		{"secrets", benchSecrets},
		{"hostile_near_miss", repeatTo(redactNearMiss(), MaxTraceBytes)},
		{"hostile_dense", repeatTo(redactDense, MaxTraceBytes)},
		{"hostile_unclosed", repeatTo(redactUnclosed, MaxTraceBytes)},
		{"hostile_nested", redactNested(MaxTraceBytes)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			reportCPU(b, func() {
				for b.Loop() {
					Redact(bc.text)
				}
			})
		})
	}
}

func repeatTo(s string, n int) string { return strings.Repeat(s, n/len(s)+1)[:n] }

// benchSecrets is a failure as it reaches Redact: a connector's exception
// echoing a request with credentials.
const benchSecrets = "org.apache.flink.connector.elasticsearch.ElasticsearchException: request failed\n" +
	"Caused by: java.io.IOException: POST https://svc:Es-S3cret@es.acme.internal:9200/_bulk " +
	"{Authorization=[Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc], Accept=[*/*], Cookie=[SESSION=YmFzZTY0c2Vzc2lvbg==]}\n" +
	"\tat org.apache.http.impl.client.InternalHttpClient.doExecute(InternalHttpClient.java:186)\n" +
	"Caused by: com.microsoft.azure.storage.StorageException: DefaultEndpointsProtocol=https;AccountName=acmeprod;" +
	"AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net\n" +
	"\tat com.microsoft.azure.storage.core.ExecutionEngine.executeWithRetry(ExecutionEngine.java:220)\n"

// redactNearMiss has every redaction's gate, so every scanner runs over the
// whole text; little of it is a secret.
func redactNearMiss() string {
	var gates []string
	for _, r := range redactions {
		gates = append(gates, r.gate...)
	}
	return strings.Join(gates, " = ") + " : "
}

// redactUnclosed opens brackets and quotes it never closes, on one line,
// so values run to the end of the line.
const redactUnclosed = "Authorization: Bearer a=[ password=( token=\" Cookie: x=[ jdbc:oracle:thin:u/[ https://u:[ eyJabcde.[ "

// redactNested is n bytes of schemes whose parameters nest and each end in
// '&' (Bearer a=[Bearer a=[…]&]&): a look from each scheme through the
// nesting to its '&' made Redact quadratic before paramForm looked flat.
func redactNested(n int) string {
	const open, closeAmp = "Authorization: Bearer a=[", "]&"
	k := n / (len(open) + len(closeAmp))
	return strings.Repeat(open, k) + strings.Repeat(closeAmp, k)
}

// redactDense is a secret every few bytes: the most replacements.
const redactDense = "password=a token:b Authorization=[Bearer c] AccountKey=d; sig=e& "
