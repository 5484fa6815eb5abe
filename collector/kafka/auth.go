package kafka

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
)

// credentialsError is a failure to obtain SASL credentials: the cluster
// was never asked.
type credentialsError struct {
	source string // the credential source that failed, e.g. WebIdentityCredentials
	err    error
}

func (e *credentialsError) Error() string {
	return fmt.Sprintf("get aws credentials from %s: %v", e.source, e.err)
}

func (e *credentialsError) Unwrap() error { return e.err }

// authFailed reports whether a poll failed for want of authentication or
// authorisation: credentials could not be obtained, the brokers refused
// them, or they may not do what the poll needs (an IAM policy or ACL that
// denies an action). flinkslo_kafka_auth_errors_total counts these polls.
func authFailed(err error) bool {
	var ce *credentialsError
	if errors.As(err, &ce) {
		return true
	}
	for _, ke := range []error{
		kerr.SaslAuthenticationFailed, kerr.IllegalSaslState, kerr.UnsupportedSaslMechanism,
		kerr.ClusterAuthorizationFailed, kerr.GroupAuthorizationFailed, kerr.TopicAuthorizationFailed,
	} {
		if errors.Is(err, ke) {
			return true
		}
	}
	return false
}
