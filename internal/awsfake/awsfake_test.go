package awsfake

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	saslaws "github.com/twmb/franz-go/pkg/sasl/aws"
)

// challenge is franz-go's AWS_MSK_IAM client-first message for c.
func challenge(t *testing.T, c Credentials) map[string]string {
	t.Helper()
	m := saslaws.Auth{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken}.AsManagedStreamingIAMMechanism()
	_, first, err := m.Authenticate(context.Background(), "127.0.0.1:9098")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]string
	if err := json.Unmarshal(first, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// MSK accepts what franz-go's signer sends, and refuses each way a session
// can be wrongly signed.
func TestMSKAuthenticate(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1") // franz-go's region for a host that names none
	iss := NewIssuer(time.Hour)
	good := iss.Issue("token")
	expired := iss.Issue("token")
	iss.Add(Credentials{AccessKeyID: expired.AccessKeyID, SecretAccessKey: expired.SecretAccessKey, SessionToken: expired.SessionToken, Expiration: time.Now().Add(-time.Second)})
	other := iss.Issue("token")
	msk := NewMSK(iss, "127.0.0.1", "us-east-1", 10*time.Minute)
	for _, tt := range []struct {
		name   string
		creds  Credentials
		edit   func(map[string]string)
		msk    *MSK
		reason string // empty: accepted
	}{
		{name: "valid", creds: good},
		{name: "signature altered", creds: good, edit: func(p map[string]string) { p["x-amz-signature"] = strings.Repeat("0", 64) }, reason: "signature does not match"},
		{name: "signed with another secret", creds: Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: other.SecretAccessKey, SessionToken: good.SessionToken}, reason: "signature does not match"},
		{name: "another key's session token", creds: Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: good.SecretAccessKey, SessionToken: other.SessionToken}, reason: "session token"},
		{name: "unknown key", creds: Credentials{AccessKeyID: "ASIAUNKNOWN", SecretAccessKey: "x"}, reason: "unknown access key"},
		{name: "expired credentials", creds: expired, reason: "have expired"},
		{name: "other region", creds: good, msk: NewMSK(iss, "127.0.0.1", "eu-west-1", time.Minute), reason: "credential scope"},
		{name: "other host", creds: good, msk: NewMSK(iss, "b-1.example", "us-east-1", time.Minute), reason: "host is"},
		{name: "old signature", creds: good, edit: func(p map[string]string) {
			p["x-amz-date"] = time.Now().Add(-time.Hour).UTC().Format("20060102T150405Z")
		}, reason: "signature expired"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := challenge(t, tt.creds)
			if tt.edit != nil {
				tt.edit(p)
			}
			b, _ := json.Marshal(p)
			m := msk
			if tt.msk != nil {
				m = tt.msk
			}
			id, lifetime, err := m.Authenticate(b, time.Now())
			if tt.reason == "" {
				if err != nil || id != good.AccessKeyID || lifetime != 10*time.Minute {
					t.Fatalf("Authenticate = %q, %s, %v; want %s accepted for the configured lifetime", id, lifetime, err, good.AccessKeyID)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("Authenticate error = %v, want one saying %q", err, tt.reason)
			}
		})
	}
}

// A session ends no later than the credentials that signed it.
func TestMSKSessionEndsWithCredentials(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	iss := NewIssuer(3 * time.Minute)
	c := iss.Issue("token")
	b, _ := json.Marshal(challenge(t, c))
	now := time.Now()
	_, lifetime, err := NewMSK(iss, "127.0.0.1", "us-east-1", time.Hour).Authenticate(b, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := c.Expiration.Sub(now); lifetime != want {
		t.Errorf("session lifetime %s, want the credentials' remaining %s", lifetime, want)
	}
}

// The STS fake speaks the wire format the AWS SDK's STS client reads.
func TestSTSWithSDKClient(t *testing.T) {
	iss := NewIssuer(time.Hour)
	s := NewSTS(iss)
	t.Cleanup(s.Close)
	s.AcceptTokens("projected-1")
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL())})
	in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/r"), RoleSessionName: aws.String("s"), WebIdentityToken: aws.String("projected-1")}
	out, err := client.AssumeRoleWithWebIdentity(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	got := out.Credentials
	want := iss.All()[0]
	if *got.AccessKeyId != want.AccessKeyID || *got.SecretAccessKey != want.SecretAccessKey || *got.SessionToken != want.SessionToken || !got.Expiration.Equal(want.Expiration) {
		t.Errorf("credentials %+v, want the issued %+v", got, want)
	}
	in.WebIdentityToken = aws.String("stale")
	_, err = client.AssumeRoleWithWebIdentity(t.Context(), in)
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidIdentityToken" {
		t.Errorf("refused token: err = %v, want InvalidIdentityToken", err)
	}
	if calls := s.Calls(); len(calls) != 2 || calls[0].Issued != want.AccessKeyID || calls[1].Issued != "" {
		t.Errorf("calls %+v", calls)
	}
}

// The container endpoint fake speaks the format the SDK's endpoint
// provider reads.
func TestContainerWithSDKProvider(t *testing.T) {
	iss := NewIssuer(time.Hour)
	c := NewContainer(iss)
	t.Cleanup(c.Close)
	c.AcceptTokens("pod-token")
	got, err := endpointcreds.New(c.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = "pod-token" }).Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := iss.All()[0]
	if got.AccessKeyID != want.AccessKeyID || got.SecretAccessKey != want.SecretAccessKey || got.SessionToken != want.SessionToken || !got.Expires.Equal(want.Expiration) || !got.CanExpire {
		t.Errorf("credentials %+v, want the issued %+v", got, want)
	}
	if _, err := endpointcreds.New(c.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = "other" }).Retrieve(t.Context()); err == nil {
		t.Error("a wrong token got credentials")
	}
}
