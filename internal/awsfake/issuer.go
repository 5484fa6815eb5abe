// Package awsfake serves, on loopback, the AWS endpoints that MSK IAM
// authentication talks to — STS (AssumeRoleWithWebIdentity, AssumeRole)
// and the container credentials endpoint of EKS Pod Identity and ECS — and
// makes a kfake cluster authenticate AWS_MSK_IAM the way MSK does: it checks
// each session's SigV4 signature, access key, session token and the expiry
// of the credentials that signed it. All of them share one Issuer, which
// mints short-lived credentials and remembers them, so tests can tell which
// credentials signed each session and what they were exchanged for.
package awsfake

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"
)

// Credentials are one set of AWS credentials the Issuer minted or was given.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Expiration is when they stop working; zero means never.
	Expiration time.Time
	// Via is what they were issued in exchange for: a web identity token, a
	// container authorization token, or the access key id of the caller of
	// AssumeRole.
	Via string
}

// Issuer mints credentials with the lifetimes it is told and remembers
// every set, so that MSK and STS can check them.
type Issuer struct {
	mu        sync.Mutex
	n         int
	lifetimes []time.Duration
	known     map[string]Credentials
	order     []string
}

// NewIssuer mints credentials valid for the given lifetimes in turn, the
// last one repeating (one hour when none is given).
func NewIssuer(lifetimes ...time.Duration) *Issuer {
	i := &Issuer{known: map[string]Credentials{}}
	i.SetLifetimes(lifetimes...)
	return i
}

// SetLifetimes replaces the lifetimes of the credentials minted next.
func (i *Issuer) SetLifetimes(lifetimes ...time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if len(lifetimes) == 0 {
		lifetimes = []time.Duration{time.Hour}
	}
	i.lifetimes = lifetimes
}

// Issue mints credentials in exchange for via.
func (i *Issuer) Issue(via string) Credentials {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.n++
	life := i.lifetimes[0]
	if len(i.lifetimes) > 1 {
		i.lifetimes = i.lifetimes[1:]
	}
	c := Credentials{
		AccessKeyID: fmt.Sprintf("ASIAFAKE%012d", i.n),
		// Standard base64, so that the signer's escaping of + / = is
		// exercised as it is by real secrets and session tokens.
		SecretAccessKey: secret(30),
		SessionToken:    secret(97),
		Expiration:      time.Now().Add(life).UTC().Truncate(time.Second),
		Via:             via,
	}
	i.known[c.AccessKeyID] = c
	i.order = append(i.order, c.AccessKeyID)
	return c
}

// Add makes static credentials known, as an IAM user's keys are.
func (i *Issuer) Add(c Credentials) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.known[c.AccessKeyID] = c
	i.order = append(i.order, c.AccessKeyID)
}

// Lookup returns the credentials of an access key id.
func (i *Issuer) Lookup(accessKeyID string) (Credentials, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c, ok := i.known[accessKeyID]
	return c, ok
}

// All returns every set of credentials, in the order they were made known.
func (i *Issuer) All() []Credentials {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]Credentials, len(i.order))
	for n, id := range i.order {
		out[n] = i.known[id]
	}
	return out
}

func secret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.StdEncoding.EncodeToString(b)
}
