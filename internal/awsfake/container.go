package awsfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Container is the container credentials endpoint of EKS Pod Identity (and
// ECS): a GET carrying the pod's authorization token, answered with JSON
// credentials, as the AWS SDK calls it when
// AWS_CONTAINER_CREDENTIALS_FULL_URI points at URL and
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names the token.
type Container struct {
	srv *httptest.Server
	iss *Issuer

	mu     sync.Mutex
	tokens map[string]bool
	calls  []ContainerCall
}

// ContainerCall is one request the endpoint answered.
type ContainerCall struct {
	Token  string
	Issued string // access key id handed out, empty when refused
}

// NewContainer starts the endpoint on a loopback port. It accepts no token
// until AcceptTokens.
func NewContainer(iss *Issuer) *Container {
	c := &Container{iss: iss, tokens: map[string]bool{}}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	return c
}

// URL is the endpoint, for AWS_CONTAINER_CREDENTIALS_FULL_URI.
func (c *Container) URL() string { return c.srv.URL + "/v1/credentials" }

// Close stops the server.
func (c *Container) Close() { c.srv.Close() }

// AcceptTokens replaces the authorization tokens the endpoint accepts.
func (c *Container) AcceptTokens(tokens ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens = map[string]bool{}
	for _, t := range tokens {
		c.tokens[t] = true
	}
}

// Calls returns the requests answered so far.
func (c *Container) Calls() []ContainerCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ContainerCall(nil), c.calls...)
}

func (c *Container) serve(w http.ResponseWriter, r *http.Request) {
	call := ContainerCall{Token: r.Header.Get("Authorization")}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() { c.calls = append(c.calls, call) }()
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodGet || !c.tokens[call.Token] {
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"code": "AccessDenied", "message": "the authorization token is not valid"})
		return
	}
	cr := c.iss.Issue(call.Token)
	call.Issued = cr.AccessKeyID
	_ = json.NewEncoder(w).Encode(map[string]string{
		"AccessKeyId":     cr.AccessKeyID,
		"SecretAccessKey": cr.SecretAccessKey,
		"Token":           cr.SessionToken,
		"AccountId":       "111122223333",
		"Expiration":      cr.Expiration.Format(time.RFC3339),
	})
}
