package kafka

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/internal/awsfake"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// Credentials that live less than credentialExpiryWindow are due for
// refresh from the moment they arrive, so every new session fetches new
// ones: rotation and refresh are exercised without waiting for a clock.
const (
	shortLived = credentialExpiryWindow - time.Minute
	longLived  = time.Hour
)

// awsEnv isolates the AWS SDK from the machine: no keys, profiles or
// instance metadata reach it, and loopback brokers are signed for
// us-east-1 (franz-go reads AWS_REGION for a host that names no region).
func awsEnv(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
		"AWS_ACCESS_KEY": "", "AWS_SECRET_KEY": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "", "AWS_ROLE_SESSION_NAME": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN": "", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_STS": "", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "",
	} {
		t.Setenv(k, v)
	}
}

// mskCluster is a kfake cluster that authenticates AWS_MSK_IAM like MSK,
// with group g 6 records behind on topic in.
type mskCluster struct {
	k   *kafkafake.Cluster
	iss *awsfake.Issuer
	msk *awsfake.MSK
}

func startMSK(t *testing.T, iss *awsfake.Issuer) *mskCluster {
	t.Helper()
	ctx := ctxT(t)
	k := startKafka(t)
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 10, time.Now())
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 4}}))
	// A lifetime under a second makes franz-go authenticate again before
	// every request: each request is a new session.
	m := awsfake.NewMSK(iss, "127.0.0.1", "us-east-1", time.Millisecond)
	m.Attach(k.Fake())
	return &mskCluster{k: k, iss: iss, msk: m}
}

func (m *mskCluster) collector(t *testing.T, sasl *config.SASL, getenv func(string) string, logs *syncBuffer) *Collector {
	t.Helper()
	cfg := testConfig(m.k.Brokers())
	cfg.SASL = sasl
	c, err := New(cfg, getenv, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), WithClock(newClock().Now))
	must(t, err)
	t.Cleanup(c.Close)
	c.SetGroups(map[string][]string{"": {"g"}})
	return c
}

// root follows what credentials were exchanged for (an AssumeRole caller's
// own credentials, and so on) down to the token at the start of the chain.
func (m *mskCluster) root(id string) string {
	for {
		c, ok := m.iss.Lookup(id)
		if !ok {
			return id
		}
		id = c.Via
	}
}

// source is one way a pod gets AWS credentials, served by the fakes.
type source struct {
	name   string // aws.Credentials.Source, as logged
	sasl   *config.SASL
	rotate func(token string) // a new projected token replaces the last
	// fetches is how many credential sets one refresh mints.
	fetches int
}

func writeToken(t *testing.T, path, token string) {
	t.Helper()
	// Written aside and renamed, as the kubelet swaps projected volumes.
	must(t, os.WriteFile(path+".new", []byte(token), 0o600))
	must(t, os.Rename(path+".new", path))
}

// irsa is IAM Roles for Service Accounts: a projected web identity token
// exchanged at STS.
func irsa(t *testing.T, iss *awsfake.Issuer) (source, *awsfake.STS) {
	s := awsfake.NewSTS(iss)
	t.Cleanup(s.Close)
	file := filepath.Join(t.TempDir(), "token")
	rotate := func(token string) { writeToken(t, file, token); s.AcceptTokens(token) }
	rotate("web-identity-token-1")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", file)
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/flinkslo-msk")
	t.Setenv("AWS_ENDPOINT_URL_STS", s.URL())
	return source{name: "WebIdentityCredentials", sasl: &config.SASL{Mechanism: "AWS_MSK_IAM"}, rotate: rotate, fetches: 1}, s
}

// podIdentity is EKS Pod Identity: the agent's container credentials
// endpoint, called with the pod's projected token.
func podIdentity(t *testing.T, iss *awsfake.Issuer) (source, *awsfake.Container) {
	c := awsfake.NewContainer(iss)
	t.Cleanup(c.Close)
	file := filepath.Join(t.TempDir(), "eks-pod-identity-token")
	rotate := func(token string) { writeToken(t, file, token); c.AcceptTokens(token) }
	rotate("pod-identity-token-1")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", c.URL())
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file)
	return source{name: "CredentialsEndpointProvider", sasl: &config.SASL{Mechanism: "AWS_MSK_IAM"}, rotate: rotate, fetches: 1}, c
}

// assumeRole is Pod Identity's credentials used to assume kafka.sasl.aws.roleARN.
func assumeRole(t *testing.T, iss *awsfake.Issuer) (source, *awsfake.STS) {
	src, _ := podIdentity(t, iss)
	s := awsfake.NewSTS(iss)
	t.Cleanup(s.Close)
	t.Setenv("AWS_ENDPOINT_URL_STS", s.URL())
	src.name = "AssumeRoleProvider"
	src.sasl.AWS = &config.AWSAuth{RoleARN: "arn:aws:iam::444455556666:role/msk-reader", RoleSessionName: config.DefaultAWSRoleSessionName}
	src.fetches = 2
	return src, s
}

var sources = []struct {
	name  string
	start func(*testing.T, *awsfake.Issuer) source
}{
	{"IRSA web identity", func(t *testing.T, iss *awsfake.Issuer) source { s, _ := irsa(t, iss); return s }},
	{"EKS Pod Identity", func(t *testing.T, iss *awsfake.Issuer) source { s, _ := podIdentity(t, iss); return s }},
	{"Pod Identity then roleARN", func(t *testing.T, iss *awsfake.Issuer) source { s, _ := assumeRole(t, iss); return s }},
}

// Credentials that are far from expiry are fetched once and sign every
// session; MSK accepts them and the lag is read.
func TestMSKIAMCachedCredentials(t *testing.T) {
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			awsEnv(t)
			iss := awsfake.NewIssuer(longLived)
			s := src.start(t, iss)
			m := startMSK(t, iss)
			var logs syncBuffer
			c := m.collector(t, s.sasl, os.Getenv, &logs)
			for range 2 {
				must(t, c.Poll(ctxT(t)))
			}
			if g := mustLag(t, c, "g"); g.Records != 6 {
				t.Errorf("lag %d, want 6", g.Records)
			}
			issued := iss.All()
			if len(issued) != s.fetches {
				t.Fatalf("%d credential sets fetched for two polls, want %d: the cache should keep them", len(issued), s.fetches)
			}
			sessions := m.msk.Sessions()
			if len(sessions) < 2 {
				t.Fatalf("%d SASL sessions, want one per request", len(sessions))
			}
			for i, sess := range sessions {
				if !sess.Accepted || sess.AccessKeyID != issued[len(issued)-1].AccessKeyID {
					t.Errorf("session %d: %+v, want accepted and signed with %s", i, sess, issued[len(issued)-1].AccessKeyID)
				}
			}
			if !strings.Contains(logs.String(), "source="+s.name) {
				t.Errorf("logs do not name the credential source %s:\n%s", s.name, logs.String())
			}
			noSecrets(t, iss, logs.String()+exposition(t, c))
		})
	}
}

// The projected token rotates and the credentials with it: every session
// after the rotation is signed with credentials obtained with the new
// token, none with the old ones, and MSK accepts them all.
func TestMSKIAMRotation(t *testing.T) {
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			awsEnv(t)
			iss := awsfake.NewIssuer(shortLived)
			s := src.start(t, iss)
			m := startMSK(t, iss)
			var logs syncBuffer
			c := m.collector(t, s.sasl, os.Getenv, &logs)
			must(t, c.Poll(ctxT(t)))
			before := len(m.msk.Sessions())
			oldKeys := map[string]bool{}
			for _, cr := range iss.All() {
				oldKeys[cr.AccessKeyID] = true
			}

			s.rotate("rotated-token-2") // the first token is refused from now on
			must(t, c.Poll(ctxT(t)))
			after := m.msk.Sessions()[before:]
			if len(after) == 0 {
				t.Fatal("no session after the rotation")
			}
			for i, sess := range after {
				switch {
				case !sess.Accepted:
					t.Errorf("session %d after rotation refused: %s", i, sess.Reason)
				case oldKeys[sess.AccessKeyID]:
					t.Errorf("session %d after rotation signed with %s, obtained before it", i, sess.AccessKeyID)
				case m.root(sess.AccessKeyID) != "rotated-token-2":
					t.Errorf("session %d signed with %s, obtained with %q, want the rotated token", i, sess.AccessKeyID, m.root(sess.AccessKeyID))
				}
			}
			if g := mustLag(t, c, "g"); g.Records != 6 {
				t.Errorf("lag %d after rotation, want 6", g.Records)
			}
			noSecrets(t, iss, logs.String()+exposition(t, c))
		})
	}
}

// Credentials that reach their refresh point are replaced before the next
// session uses them, and the new ones are then kept.
func TestMSKIAMRefreshBeforeExpiry(t *testing.T) {
	awsEnv(t)
	iss := awsfake.NewIssuer(shortLived, longLived)
	s, _ := irsa(t, iss)
	m := startMSK(t, iss)
	var logs syncBuffer
	c := m.collector(t, s.sasl, os.Getenv, &logs)
	for range 2 {
		must(t, c.Poll(ctxT(t)))
	}
	issued := iss.All()
	if len(issued) != 2 {
		t.Fatalf("%d credential sets fetched, want 2: the expiring one, then one kept", len(issued))
	}
	expiring, fresh := issued[0].AccessKeyID, issued[1].AccessKeyID
	sessions := m.msk.Sessions()
	firstFresh := slices.IndexFunc(sessions, func(s awsfake.Session) bool { return s.AccessKeyID == fresh })
	if firstFresh < 0 {
		t.Fatalf("no session signed with the refreshed credentials: %+v", sessions)
	}
	for i, sess := range sessions {
		if !sess.Accepted {
			t.Errorf("session %d refused: %s", i, sess.Reason)
		}
		if i > firstFresh && sess.AccessKeyID == expiring {
			t.Errorf("session %d signed with the expiring credentials after they were replaced", i)
		}
	}
	if !strings.Contains(logs.String(), "kafka aws credentials refreshed") {
		t.Errorf("refresh not logged at debug:\n%s", logs.String())
	}
}

// STS refuses the web identity: the cluster is down with an error that
// says why, the failure is counted as an authentication error, no lag is
// shown, and all recovers when STS does.
func TestMSKIAMSTSFails(t *testing.T) {
	awsEnv(t)
	iss := awsfake.NewIssuer(shortLived)
	s, sts := irsa(t, iss)
	m := startMSK(t, iss)
	var logs syncBuffer
	c := m.collector(t, s.sasl, os.Getenv, &logs)
	must(t, c.Poll(ctxT(t)))
	for _, call := range sts.Calls() {
		if call.RoleSessionName != config.DefaultAWSRoleSessionName {
			t.Errorf("web identity session named %q, want the default %q (CloudTrail shows it)", call.RoleSessionName, config.DefaultAWSRoleSessionName)
		}
	}

	sts.Fail(http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	err := c.Poll(ctxT(t))
	if err == nil {
		t.Fatal("Poll succeeded while STS refuses every credential")
	}
	for _, want := range []string{"WebIdentityCredentials", "AssumeRoleWithWebIdentity", "AccessDenied"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	expo := exposition(t, c)
	for _, l := range []string{
		`flinkslo_kafka_up{cluster="default"} 0`,
		`flinkslo_kafka_auth_errors_total{cluster="default"} 1`,
		`flinkslo_kafka_scrape_errors_total{cluster="default"} 1`,
	} {
		if !hasLine(expo, l) {
			t.Errorf("exposition lacks %s:\n%s", l, expo)
		}
	}
	if strings.Contains(expo, "flinkslo_consumergroup_") {
		t.Errorf("lag exported while credentials are unavailable:\n%s", expo)
	}
	if _, ok := c.Lag("", "g"); ok {
		t.Error("Lag reports the group while credentials are unavailable")
	}
	if l := logs.String(); !strings.Contains(l, "level=WARN msg=\"kafka aws credentials unavailable") || !strings.Contains(l, "source=WebIdentityCredentials") {
		t.Errorf("no WARN naming the failing source:\n%s", l)
	}

	sts.Recover()
	must(t, c.Poll(ctxT(t)))
	expo = exposition(t, c)
	for _, l := range []string{`flinkslo_kafka_up{cluster="default"} 1`, `flinkslo_kafka_auth_errors_total{cluster="default"} 1`} {
		if !hasLine(expo, l) {
			t.Errorf("after STS recovers, exposition lacks %s:\n%s", l, expo)
		}
	}
	if !strings.Contains(logs.String(), "kafka aws credentials available again") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
	noSecrets(t, iss, logs.String()+expo+err.Error()+"web-identity-token-1")
}

// Static keys from the environment variables the config names keep
// working, and keys the brokers refuse leave the cluster down, counted as
// an authentication error, with neither secret in sight.
func TestMSKIAMStaticKeys(t *testing.T) {
	awsEnv(t)
	iss := awsfake.NewIssuer()
	key := awsfake.Credentials{AccessKeyID: "AKIAFAKESTATIC000001", SecretAccessKey: "static/secret+key=0123456789abcdefghijk"}
	iss.Add(key)
	m := startMSK(t, iss)
	sasl := &config.SASL{Mechanism: "AWS_MSK_IAM", AccessKeyEnv: "MSK_ACCESS_KEY_ID", SecretKeyEnv: "MSK_SECRET_ACCESS_KEY"}
	for _, tt := range []struct {
		name, secret string
		wantUp       bool
	}{
		{"the right secret", key.SecretAccessKey, true},
		{"a wrong secret", "wrong/secret+key=0123456789abcdefghijkl", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"MSK_ACCESS_KEY_ID": key.AccessKeyID, "MSK_SECRET_ACCESS_KEY": tt.secret, "AWS_REGION": "us-east-1"}
			var logs syncBuffer
			c := m.collector(t, sasl, func(k string) string { return env[k] }, &logs)
			err := c.Poll(ctxT(t))
			if (err == nil) != tt.wantUp {
				t.Fatalf("Poll error = %v, want up=%v", err, tt.wantUp)
			}
			expo := exposition(t, c)
			if !tt.wantUp {
				if !hasLine(expo, `flinkslo_kafka_auth_errors_total{cluster="default"} 1`) || !strings.Contains(err.Error(), "SASL_AUTHENTICATION_FAILED") {
					t.Errorf("refused keys: error %v, exposition:\n%s", err, expo)
				}
				expo += err.Error()
			} else if !strings.Contains(logs.String(), "source=StaticCredentials") {
				t.Errorf("logs do not name the static source:\n%s", logs.String())
			}
			for _, s := range []string{key.SecretAccessKey, tt.secret} {
				if strings.Contains(logs.String()+expo, s) {
					t.Errorf("secret leaked:\n%s", logs.String()+expo)
				}
			}
		})
	}
}

// The standard environment variables still work with no key named in the
// config: the SDK's chain reads them first.
func TestMSKIAMEnvironmentKeys(t *testing.T) {
	awsEnv(t)
	iss := awsfake.NewIssuer(longLived)
	key := iss.Issue("an IAM user")
	t.Setenv("AWS_ACCESS_KEY_ID", key.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", key.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", key.SessionToken)
	m := startMSK(t, iss)
	var logs syncBuffer
	c := m.collector(t, &config.SASL{Mechanism: "AWS_MSK_IAM"}, os.Getenv, &logs)
	must(t, c.Poll(ctxT(t)))
	if !strings.Contains(logs.String(), "source=EnvConfigCredentials") {
		t.Errorf("logs do not name the environment source:\n%s", logs.String())
	}
}

// noSecrets fails if any secret the fakes handed out shows in text.
func noSecrets(t *testing.T, iss *awsfake.Issuer, text string) {
	t.Helper()
	for _, c := range iss.All() {
		for _, s := range []string{c.SecretAccessKey, c.SessionToken} {
			if s != "" && strings.Contains(text, s) {
				t.Fatalf("a secret of %s leaked into logs, metrics or errors", c.AccessKeyID)
			}
		}
	}
}

// The signature's region comes from the broker's host name, or else
// AWS_REGION: a broker that offers neither fails at start-up, not at
// every poll.
func TestMSKIAMSigningRegion(t *testing.T) {
	awsEnv(t)
	cfg := testConfig([]string{"b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098"})
	cfg.SASL = &config.SASL{Mechanism: "AWS_MSK_IAM"}
	noRegion := func(k string) string { return map[string]string{"AWS_EC2_METADATA_DISABLED": "true"}[k] }
	c, err := New(cfg, noRegion, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("MSK broker names its region, yet New: %v", err)
	}
	c.Close()
	cfg.Brokers = []string{"kafka.internal.example:9098"}
	if _, err := New(cfg, noRegion, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("broker without a region and no AWS_REGION: err = %v, want one naming AWS_REGION", err)
	}
}

func TestHostRegion(t *testing.T) {
	for addr, want := range map[string]string{
		"b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098":   "eu-west-1",
		"boot-abc.c1.kafka-serverless.us-east-2.amazonaws.com:9098": "us-east-2",
		"b-2.pay.xyz.c3.kafka.cn-north-1.amazonaws.com.cn:9098":     "cn-north-1",
		"b-1.orders.abc123.c2.kafka.us-gov-west-1.amazonaws.com":    "us-gov-west-1",
		"amazonaws.com:9098":          "",
		"kafka.internal.example:9098": "",
		"127.0.0.1:9098":              "",
		"b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com.evil:9098": "",
	} {
		if got := hostRegion(addr); got != want {
			t.Errorf("hostRegion(%q) = %q, want %q", addr, got, want)
		}
	}
}
