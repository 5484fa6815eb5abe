package awsfake

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// mskMechanism is the SASL mechanism name of MSK IAM.
const mskMechanism = "AWS_MSK_IAM"

// emptySHA256 is the payload hash of the GET that the payload presigns.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// MSK authenticates AWS_MSK_IAM sessions on a kfake cluster as Amazon MSK
// does. The client's first SASL message is a JSON map of a SigV4-presigned
// "GET https://<broker host>/?Action=kafka-cluster:Connect"; MSK recomputes
// the signature with the secret of the access key it names. MSK checks the
// signature with the AWS SDK's own signer, not with the client's code, so a
// mistake in the client's signing is not repeated here.
type MSK struct {
	iss      *Issuer
	host     string
	region   string
	lifetime time.Duration

	mu       sync.Mutex
	sessions []Session
}

// Session is one SASL authentication MSK answered.
type Session struct {
	AccessKeyID string
	Accepted    bool
	Reason      string // why it was refused
}

// NewMSK authenticates sessions signed for host (the brokers' host name,
// without port) in region with credentials the Issuer knows. lifetime is the
// session lifetime told to the client (KIP-368); the client authenticates
// again before it ends. Under a second, franz-go authenticates again before
// every request, so every request is a new session.
func NewMSK(iss *Issuer, host, region string, lifetime time.Duration) *MSK {
	return &MSK{iss: iss, host: host, region: region, lifetime: lifetime}
}

// Sessions returns the authentications answered so far.
func (m *MSK) Sessions() []Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Session(nil), m.sessions...)
}

// Attach makes the cluster answer SASL handshakes and authentications with
// MSK IAM. The cluster must not have kfake.EnableSASL: kfake's own SASL
// state would refuse every request after an authentication it did not run.
func (m *MSK) Attach(c *kfake.Cluster) {
	c.ControlKey(int16(kmsg.SASLHandshake), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLHandshakeRequest)
		resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
		resp.SupportedMechanisms = []string{mskMechanism}
		if req.Mechanism != mskMechanism {
			resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
		}
		return resp, nil, true
	})
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLAuthenticateRequest)
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		id, lifetime, err := m.Authenticate(req.SASLAuthBytes, time.Now())
		m.record(Session{AccessKeyID: id, Accepted: err == nil, Reason: errString(err)})
		if err != nil {
			resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
			msg := "[fake-msk] Access denied: " + err.Error()
			resp.ErrorMessage = &msg
			return resp, nil, true
		}
		resp.SASLAuthBytes = []byte(`{"version":"2020_10_22","request-id":"fake-msk"}`)
		resp.SessionLifetimeMillis = lifetime.Milliseconds()
		return resp, nil, true
	})
}

func (m *MSK) record(s Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions = append(m.sessions, s)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Authenticate checks one client-first message at now. It returns the access
// key id that signed it (when the message names one), and the session's
// lifetime: the configured one, cut short when the credentials expire first.
func (m *MSK) Authenticate(payload []byte, now time.Time) (string, time.Duration, error) {
	var p map[string]string
	if err := json.Unmarshal(payload, &p); err != nil {
		return "", 0, fmt.Errorf("payload is not a JSON map of strings: %w", err)
	}
	for k, want := range map[string]string{
		"version": "2020_10_22", "host": m.host, "action": "kafka-cluster:Connect",
		"x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-signedheaders": "host",
	} {
		if p[k] != want {
			return "", 0, fmt.Errorf("%s is %q, want %q", k, p[k], want)
		}
	}
	if p["user-agent"] == "" {
		return "", 0, errors.New("no user-agent")
	}
	scope := strings.Split(p["x-amz-credential"], "/")
	if len(scope) != 5 || scope[2] != m.region || scope[3] != "kafka-cluster" || scope[4] != "aws4_request" {
		return "", 0, fmt.Errorf("credential scope %q, want <key>/<date>/%s/kafka-cluster/aws4_request", p["x-amz-credential"], m.region)
	}
	id := scope[0]
	c, ok := m.iss.Lookup(id)
	if !ok {
		return id, 0, errors.New("unknown access key")
	}
	signedAt, err := time.Parse("20060102T150405Z", p["x-amz-date"])
	if err != nil || scope[1] != signedAt.Format("20060102") {
		return id, 0, fmt.Errorf("x-amz-date %q does not match the scope's date %q", p["x-amz-date"], scope[1])
	}
	expires, err := strconv.Atoi(p["x-amz-expires"])
	switch {
	case err != nil || expires <= 0 || expires > 900:
		return id, 0, fmt.Errorf("x-amz-expires %q, want 1 to 900 seconds", p["x-amz-expires"])
	case now.Before(signedAt.Add(-5 * time.Minute)):
		return id, 0, errors.New("signed in the future")
	case now.After(signedAt.Add(time.Duration(expires) * time.Second)):
		return id, 0, errors.New("signature expired")
	case !c.Expiration.IsZero() && !now.Before(c.Expiration):
		return id, 0, errors.New("the credentials that signed it have expired")
	case p["x-amz-security-token"] != c.SessionToken:
		return id, 0, errors.New("session token does not belong to the access key")
	}
	want, err := presignature(c, m.host, m.region, signedAt, expires)
	if err != nil {
		return id, 0, err
	}
	if !hmac.Equal([]byte(want), []byte(p["x-amz-signature"])) {
		return id, 0, errors.New("signature does not match")
	}
	lifetime := m.lifetime
	if !c.Expiration.IsZero() {
		lifetime = min(lifetime, c.Expiration.Sub(now))
	}
	return id, lifetime, nil
}

// presignature is the signature the AWS SDK's signer gives the GET that an
// MSK IAM payload stands for.
func presignature(c Credentials, host, region string, at time.Time, expires int) (string, error) {
	req, err := http.NewRequest(http.MethodGet, "https://"+host+"/", nil)
	if err != nil {
		return "", err
	}
	req.URL.RawQuery = url.Values{"Action": {"kafka-cluster:Connect"}, "X-Amz-Expires": {strconv.Itoa(expires)}}.Encode()
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, emptySHA256, "kafka-cluster", region, at)
	if err != nil {
		return "", fmt.Errorf("presign: %w", err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		return "", err
	}
	return u.Query().Get("X-Amz-Signature"), nil
}
