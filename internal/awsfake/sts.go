package awsfake

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"time"
)

// STS serves AssumeRoleWithWebIdentity and AssumeRole in STS's query
// protocol (form-encoded POST, XML answers), as the AWS SDK calls them when
// AWS_ENDPOINT_URL_STS points at URL.
type STS struct {
	srv *httptest.Server
	iss *Issuer

	mu     sync.Mutex
	tokens map[string]bool
	fail   *stsError
	calls  []STSCall
}

// STSCall is one request STS answered.
type STSCall struct {
	Action          string
	RoleARN         string
	RoleSessionName string
	// WebIdentityToken is the token of AssumeRoleWithWebIdentity.
	WebIdentityToken string
	// Caller is the access key id that signed AssumeRole.
	Caller string
	// Issued is the access key id handed out, empty when refused.
	Issued string
}

type stsError struct {
	status        int
	code, message string
}

// NewSTS starts STS on a loopback port. It accepts no web identity token
// until AcceptTokens.
func NewSTS(iss *Issuer) *STS {
	s := &STS{iss: iss, tokens: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the endpoint, for AWS_ENDPOINT_URL_STS.
func (s *STS) URL() string { return s.srv.URL }

// Close stops the server.
func (s *STS) Close() { s.srv.Close() }

// AcceptTokens replaces the web identity tokens STS accepts, as a rotated
// projected token replaces the last one.
func (s *STS) AcceptTokens(tokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]bool{}
	for _, t := range tokens {
		s.tokens[t] = true
	}
}

// Fail makes every request fail with an STS error until Recover.
func (s *STS) Fail(status int, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = &stsError{status, code, message}
}

// Recover undoes Fail.
func (s *STS) Recover() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = nil
}

// Calls returns the requests answered so far.
func (s *STS) Calls() []STSCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]STSCall(nil), s.calls...)
}

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// callerRE takes the access key id out of a SigV4 Authorization header.
var callerRE = regexp.MustCompile(`Credential=([^/]+)/`)

func (s *STS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.PostForm.Get("Version") != "2011-06-15" {
		writeSTSError(w, &stsError{http.StatusBadRequest, "InvalidAction", "want a form-encoded POST of version 2011-06-15"})
		return
	}
	f := r.PostForm
	call := STSCall{Action: f.Get("Action"), RoleARN: f.Get("RoleArn"), RoleSessionName: f.Get("RoleSessionName")}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.calls = append(s.calls, call) }()
	if s.fail != nil {
		writeSTSError(w, s.fail)
		return
	}
	if call.RoleARN == "" || call.RoleSessionName == "" {
		writeSTSError(w, &stsError{http.StatusBadRequest, "ValidationError", "RoleArn and RoleSessionName are required"})
		return
	}
	var via string
	switch call.Action {
	case "AssumeRoleWithWebIdentity":
		call.WebIdentityToken = f.Get("WebIdentityToken")
		if !s.tokens[call.WebIdentityToken] {
			writeSTSError(w, &stsError{http.StatusBadRequest, "InvalidIdentityToken", "the web identity token is not valid"})
			return
		}
		via = call.WebIdentityToken
	case "AssumeRole":
		if m := callerRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			call.Caller = m[1]
		}
		c, ok := s.iss.Lookup(call.Caller)
		switch {
		case !ok:
			writeSTSError(w, &stsError{http.StatusForbidden, "InvalidClientTokenId", "the security token included in the request is invalid"})
			return
		case c.SessionToken != r.Header.Get("X-Amz-Security-Token"):
			writeSTSError(w, &stsError{http.StatusForbidden, "InvalidClientTokenId", "the session token does not match the access key"})
			return
		case !c.Expiration.IsZero() && !time.Now().Before(c.Expiration):
			writeSTSError(w, &stsError{http.StatusBadRequest, "ExpiredToken", "the security token included in the request is expired"})
			return
		}
		via = call.Caller
	default:
		writeSTSError(w, &stsError{http.StatusBadRequest, "InvalidAction", fmt.Sprintf("action %q is not served", call.Action)})
		return
	}
	c := s.iss.Issue(via)
	call.Issued = c.AccessKeyID
	writeXML(w, http.StatusOK, newAssumeResponse(call.Action, c, call.RoleARN, call.RoleSessionName))
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumeResult struct {
	Credentials     stsCredentials `xml:"Credentials"`
	AssumedRoleUser struct {
		Arn           string `xml:"Arn"`
		AssumedRoleID string `xml:"AssumedRoleId"`
	} `xml:"AssumedRoleUser"`
}

// assumeResponse is <ActionResponse><ActionResult>…</ActionResult>
// <ResponseMetadata>…</ResponseMetadata></ActionResponse>: the element
// names follow the action, which struct tags cannot express.
type assumeResponse struct {
	action    string
	result    assumeResult
	requestID string
}

func newAssumeResponse(action string, c Credentials, roleARN, session string) assumeResponse {
	r := assumeResponse{action: action, requestID: "fake-" + c.AccessKeyID}
	r.result.Credentials = stsCredentials{c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expiration.Format(time.RFC3339)}
	r.result.AssumedRoleUser.Arn = roleARN + "/" + session
	r.result.AssumedRoleUser.AssumedRoleID = "AROAFAKE:" + session
	return r
}

func (r assumeResponse) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	root := xml.StartElement{
		Name: xml.Name{Local: r.action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: stsNamespace}},
	}
	meta := struct {
		RequestID string `xml:"RequestId"`
	}{r.requestID}
	if err := e.EncodeToken(root); err != nil {
		return err
	}
	if err := e.EncodeElement(r.result, xml.StartElement{Name: xml.Name{Local: r.action + "Result"}}); err != nil {
		return err
	}
	if err := e.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
		return err
	}
	return e.EncodeToken(root.End())
}

func writeSTSError(w http.ResponseWriter, e *stsError) {
	type errorBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	body := struct {
		XMLName   xml.Name  `xml:"ErrorResponse"`
		XMLNS     string    `xml:"xmlns,attr"`
		Error     errorBody `xml:"Error"`
		RequestID string    `xml:"RequestId"`
	}{XMLNS: stsNamespace, Error: errorBody{"Sender", e.code, e.message}, RequestID: "fake-error"}
	writeXML(w, e.status, body)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", "fake-request")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}
