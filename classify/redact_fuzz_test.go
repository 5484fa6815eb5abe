package classify

import (
	"strings"
	"testing"
)

// FuzzRedactSecrets embeds a secret, spelled by the fuzzer in an alphabet
// the shape allows (base64, base64url, hex or any printable character), in
// one of the shapes exceptions print secrets in, inside exception text
// partly written by the fuzzer, and checks that no part of it survives
// Redact and that Redact is idempotent. Seeds: testdata/fuzz/FuzzRedactSecrets.
func FuzzRedactSecrets(f *testing.F) {
	for i := range allSecretShapes() {
		f.Add(uint8(i), uint8(i*7), []byte("Zm9vYmFyYmF6+/=="), "request failed, status=401", "retrying in 5 s")
	}
	f.Fuzz(func(t *testing.T, shape, pick uint8, raw []byte, before, after string) {
		shapes := allSecretShapes()
		sh := shapes[int(shape)%len(shapes)]
		text, secrets := sh.embed(pick, raw)
		in := exceptionAround(pick, fuzzContext(before), text, fuzzContext(after))
		for _, s := range secrets {
			if strings.Contains(s, Redacted) {
				t.Skip("the secret holds the marker")
			}
			for _, part := range secretParts(s) {
				if strings.Count(in, part) != strings.Count(s, part) {
					t.Skip("part of the secret occurs elsewhere in the text")
				}
			}
		}
		out := Redact(in)
		for _, s := range secrets {
			for _, part := range secretParts(s) {
				if strings.Contains(out, part) {
					t.Fatalf("shape %s: %q survives\n  in: %q\n out: %q", sh.name, part, in, out)
				}
			}
		}
		if again := Redact(out); again != out {
			t.Fatalf("not idempotent:\n once: %q\ntwice: %q", out, again)
		}
	})
}

// secretParts are what must not survive of a secret: all of it, and its
// first and last eight bytes, so a value cut short is caught too.
func secretParts(s string) []string {
	if len(s) <= 8 {
		return []string{s}
	}
	return []string{s, s[:8], s[len(s)-8:]}
}

// fuzzContext keeps the fuzzer's text from holding quotes or brackets
// open: an unclosed quote before a secret takes the secret's own quote as
// its end, which real exception text does not do, and would leave half the
// secret outside any value. FuzzRedact covers unrestricted text.
func fuzzContext(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("\"'[](){}", r) {
			return -1
		}
		return r
	}, s)
}

var (
	exceptionHeads = []string{
		"org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\nCaused by: java.io.IOException: ",
		"org.apache.http.client.HttpResponseException: status code: 401, reason phrase: Unauthorized; request headers: ",
		"com.microsoft.azure.storage.StorageException: Server failed to authenticate the request: ",
		"com.google.api.client.googleapis.json.GoogleJsonResponseException: 403 Forbidden\n",
		"Back-off restarting failed container flink-main-container in pod orders-taskmanager-1-3: ",
	}
	exceptionTails = []string{
		"\n\tat org.apache.flink.streaming.runtime.tasks.StreamTask.invoke(StreamTask.java:807)\n\tat java.base/java.lang.Thread.run(Thread.java:840)\n",
		"", "\n", "; retrying",
	}
	joins = []string{" ", "\n", ", ", ": "}
)

// exceptionAround puts text in an exception, between the fuzzer's words.
func exceptionAround(pick uint8, before, text, after string) string {
	p := int(pick)
	return exceptionHeads[p%len(exceptionHeads)] + before + joins[p/5%len(joins)] + text +
		joins[p/3%len(joins)] + after + exceptionTails[p/7%len(exceptionTails)]
}

// secretShape prints a secret the way some library does.
type secretShape struct {
	name  string
	chars string // what the secret may contain; "" = the chosen alphabet as is
	print func(pick uint8, secret string) string
	build func(pick uint8, raw []byte) (text string, secrets []string) // instead of chars and print
}

// embed spells raw as a secret of 8–160 bytes and prints it; it returns the
// text and the secrets in it, as they appear there.
func (sh secretShape) embed(pick uint8, raw []byte) (string, []string) {
	if sh.build != nil {
		return sh.build(pick, raw)
	}
	secret := spell(pick, raw, sh.chars)
	if sh.name == "json" || sh.name == "json-spaced" {
		secret = jsonEscape(secret)
	}
	return sh.print(pick, secret), []string{secret}
}

var alphabets = []string{
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	"0123456789abcdef",
	printable,
}

var printable = func() string {
	var b strings.Builder
	for c := byte(' '); c <= '~'; c++ {
		b.WriteByte(c)
	}
	return b.String()
}()

// spell maps raw onto an alphabet (picked by pick, narrowed to allow), 8
// to 160 bytes long. It neither starts nor ends with a blank, and does not
// start with an authentication scheme and a blank ("Basic x"), which
// Redact keeps by design.
func spell(pick uint8, raw []byte, allow string) string {
	alpha := alphabets[int(pick)%len(alphabets)]
	if allow != "" {
		alpha = strings.Map(func(r rune) rune {
			if strings.ContainsRune(allow, r) {
				return r
			}
			return -1
		}, alpha)
	}
	for len(raw) < 8 {
		raw = append(raw, byte(len(raw))*37+pick)
	}
	raw = raw[:min(len(raw), 160)]
	b := make([]byte, len(raw))
	for i, r := range raw {
		b[i] = alpha[int(r)%len(alpha)]
	}
	if b[0] == ' ' || afterScheme(string(b), 0) > 0 {
		b[0] = '0'
	}
	if b[len(b)-1] == ' ' {
		b[len(b)-1] = '0'
	}
	return string(b)
}

func jsonEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

var (
	secretKeys = []string{
		"password", "ssl.keystore.password", "secret", "client_secret", "token", "access_token", "refresh_token",
		"X-Api-Key", "api_key", "apikey", "AccountKey", "SharedAccessKey", "fs.s3a.secret.key", "aws_secret_access_key",
		"private_key", "private_key_id", "credentials", "X-Amz-Signature", "basic.auth.user.info", "Authorization",
		"Proxy-Authorization", "x-amz-security-token", "Ocp-Apim-Subscription-Key", "passphrase", "PASSWORD", "Pwd",
		"fs.azure.account.key.acme.blob.core.windows.net",
	}
	schemes = []string{"Bearer", "Basic", "Negotiate", "token", "SharedAccessSignature", "bearer"}
)

func key(p uint8) string    { return secretKeys[int(p)%len(secretKeys)] }
func scheme(p uint8) string { return schemes[int(p)/3%len(schemes)] }

const (
	// bareChars may stand unquoted as a value: no blanks, delimiters,
	// quotes or brackets, as a value in k=v; lists cannot have them unescaped.
	bareChars    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_.~!$%*:@^|`#<>?\\"
	listChars    = bareChars + " ,;&\"'"                                                       // inside a Java list's brackets
	cookieChars  = bareChars                                                                   // RFC 6265 cookie-octet, roughly
	userInfoPass = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=-_.~!$%*:" // URL user info, unescaped
)

func allSecretShapes() []secretShape {
	return append(secretShapes[:len(secretShapes):len(secretShapes)], formatShapes...)
}

var secretShapes = []secretShape{
	{name: "k=v", chars: bareChars, print: func(p uint8, s string) string { return key(p) + "=" + s }},
	{name: "k: v", chars: bareChars, print: func(p uint8, s string) string { return key(p) + ": " + s + "\nAccept: */*" }},
	{name: "k = v", chars: bareChars, print: func(p uint8, s string) string { return "\t" + key(p) + " = " + s + "\n\tssl.keystore.type = JKS" }},
	{name: "json", chars: "", print: func(p uint8, s string) string { return `{"` + key(p) + `":"` + s + `","expires_in":3599}` }},
	{name: "json-spaced", chars: "", print: func(p uint8, s string) string { return `{"type": "service_account", "` + key(p) + `" : "` + s + `"}` }},
	{name: "jaas", chars: strings.ReplaceAll(printable, `"`, ""), print: func(p uint8, s string) string {
		return `org.apache.kafka.common.security.plain.PlainLoginModule required username="svc" ` + key(p) + `="` + s + `";`
	}},
	{name: "single-quoted", chars: strings.ReplaceAll(printable, `'`, ""), print: func(p uint8, s string) string { return "{'" + key(p) + "': '" + s + "'}" }},
	{name: "k=[v]", chars: listChars, print: func(p uint8, s string) string { return key(p) + "=[" + s + "]" }},
	{name: "k=[Scheme v]", chars: listChars, print: func(p uint8, s string) string { return key(p) + "=[" + scheme(p) + " " + s + "]" }},
	{name: "header map", chars: listChars, print: func(p uint8, s string) string {
		return "{Accept=[*/*], " + key(p) + "=[" + scheme(p) + " " + s + "], Content-Type=[application/json]}"
	}},
	{name: "string map", chars: bareChars, print: func(p uint8, s string) string { return "{" + key(p) + "=" + scheme(p) + " " + s + ", Accept=*/*}" }},
	{name: "header line", chars: bareChars, print: func(p uint8, s string) string { return key(p) + ": " + scheme(p) + " " + s + "\r\nContent-Length: 0" }},
	{name: "header array", chars: bareChars, print: func(p uint8, s string) string { return "[" + key(p) + ": " + scheme(p) + " " + s + ", Accept: */*]" }},
	{name: "lombok", chars: bareChars, print: func(p uint8, s string) string { return "Config(url=jdbc:x, " + key(p) + "=" + s + ")" }},
	{name: "connection string", chars: bareChars, print: func(p uint8, s string) string {
		return "DefaultEndpointsProtocol=https;AccountName=acme;" + key(p) + "=" + s + ";EndpointSuffix=core.windows.net"
	}},
	{name: "service bus", chars: bareChars, print: func(p uint8, s string) string {
		return "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=" + s + ";EntityPath=orders"
	}},
	{name: "sas query", chars: strings.ReplaceAll(bareChars, "#", ""), print: func(p uint8, s string) string {
		return "https://acme.blob.core.windows.net/c/chk-1?sv=2022-11-02&se=2025-01-01T00%3A00%3A00Z&sig=" + s + "&sp=rw"
	}},
	{name: "query param", chars: strings.ReplaceAll(bareChars, "#", ""), print: func(p uint8, s string) string {
		return "GET /api/v1/sku?id=17&" + key(p) + "=" + s + "&lang=en -> 401"
	}},
	{name: "cookie", chars: cookieChars, print: func(p uint8, s string) string { return "Cookie: route=r1; SESSION=" + s + "; theme=dark\nHost: x" }},
	{name: "set-cookie list", chars: cookieChars, print: func(p uint8, s string) string {
		return "Set-Cookie=[SESSION=" + s + "; Path=/; HttpOnly], Vary=[Origin]"
	}},
	{name: "url user info", chars: userInfoPass, print: func(p uint8, s string) string {
		return []string{"jdbc:postgresql", "https", "redis", "mongodb+srv", "amqps"}[p%5] + "://svc:" + s + "@db.acme.internal:5432/app"
	}},
	{name: "oracle thin", chars: userInfoPass, print: func(p uint8, s string) string { return "jdbc:oracle:thin:scott/" + s + "@//db:1521/ORCL" }},
	{name: "digest", chars: alphabets[2], print: func(p uint8, s string) string {
		return `Authorization: Digest username="svc", realm="api", nonce="dcd98b71", uri="/x", response="` + s + `"` + "\nHost: api"
	}},
	{name: "sas header", chars: strings.ReplaceAll(bareChars, "#", ""), print: func(p uint8, s string) string {
		return "Authorization: SharedAccessSignature sr=amqps%3A%2F%2Fns.servicebus.windows.net&sig=" + s + "&se=1735689600&skn=send"
	}},
	{name: "bare bearer", chars: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/-", print: func(p uint8, s string) string {
		return "request rejected: " + scheme(p%2*3) + " " + s + "9 is not valid"
	}},
}

// formatShapes are secrets known by their own format: the secret is built
// from raw rather than spelled.
var formatShapes = []secretShape{
	{name: "pem", build: buildPEM},
	{name: "aws key id", build: func(p uint8, raw []byte) (string, []string) {
		id := awsKeyIDPrefixes[int(p)%len(awsKeyIDPrefixes)] + spellFixed(raw, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
		return "The AWS Access Key Id you provided (" + id + ") does not exist in our records.", []string{id}
	}},
	{name: "jwt", build: func(p uint8, raw []byte) (string, []string) {
		const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		n := max(len(raw)/3, 5)
		jwt := "eyJ" + spellFixed(raw, b64url, n) + "." + spellFixed(raw[min(len(raw), n):], b64url, n) + "." + spellFixed(raw[min(len(raw), 2*n):], b64url, n+int(p)%40)
		return "invalid JWT " + jwt + " rejected by the issuer", []string{jwt}
	}},
	{name: "vendor token", build: func(p uint8, raw []byte) (string, []string) {
		const an = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		tok := []string{"ghp_" + spellFixed(raw, an, 36), "xoxb-" + spellFixed(raw, an+"-", 40), "github_pat_" + spellFixed(raw, an+"_", 60),
			"glpat-" + spellFixed(raw, an+"-_", 20), "AIza" + spellFixed(raw, an+"-_", 35)}[int(p)%5]
		return "slack: invalid_auth for " + tok + ", giving up", []string{tok}
	}},
}

// buildPEM prints a private key block with raw as its body: raw or
// JSON-escaped newlines, with or without its END line (cut off).
func buildPEM(p uint8, raw []byte) (string, []string) {
	label := []string{"RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE KEY BLOCK"}[int(p)%6]
	nl := []string{"\n", `\n`}[int(p)/6%2]
	body := spellFixed(raw, alphabets[0], max(len(raw), 8)+8)
	var lines []string
	for len(body) > 0 {
		n := min(len(body), 64)
		lines = append(lines, body[:n])
		body = body[n:]
	}
	if last := lines[len(lines)-1]; len(last) < 8 && len(lines) > 1 { // too short to tell from the text
		lines[len(lines)-2] += last
		lines = lines[:len(lines)-1]
	}
	block := "-----BEGIN " + label + "-----" + nl + strings.Join(lines, nl) + nl
	if p&0x40 == 0 {
		block += "-----END " + label + "-----" + nl
	}
	if nl == "\n" {
		return "key: " + block + "loaded", lines
	}
	return `{"type": "service_account", "private_key": "` + block + `", "client_email": "w@p.iam.gserviceaccount.com"}`, lines
}

// spellFixed spells n bytes of alpha from raw, cycling it.
func spellFixed(raw []byte, alpha string, n int) string {
	b := make([]byte, n)
	for i := range b {
		r := byte(i * 131)
		if len(raw) > 0 {
			r += raw[i%len(raw)]
		}
		b[i] = alpha[int(r)%len(alpha)]
	}
	return string(b)
}
