package classify

import (
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
		{"nothing secret", "Not authorized to access topics: [payments.v1]; Status Code: 403; key (id)=(9912) already exists",
			nil, []string{"Not authorized to access topics: [payments.v1]; Status Code: 403; key (id)=(9912) already exists"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Redact(tt.in)
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("got %q: still contains %q", got, s)
				}
			}
			for _, k := range tt.keep {
				if !strings.Contains(got, k) {
					t.Errorf("got %q: lost %q", got, k)
				}
			}
			if len(tt.secrets) > 0 && !strings.Contains(got, Redacted) {
				t.Errorf("got %q: want the %s marker", got, Redacted)
			}
			if again := Redact(got); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestRedactGatesFit(t *testing.T) {
	if redactGates.words() > 4 {
		t.Fatalf("redaction gates need %d words; Redact has room for 4", redactGates.words())
	}
}
