package classify

import (
	"encoding/json"
	"strings"
)

// operatorError is the JSON the Flink Kubernetes Operator writes to a
// FlinkDeployment's status.error (FlinkResourceException): the exception,
// optionally its stack trace, and its causes in throwableList.
type operatorError struct {
	Type               string          `json:"type"`
	Message            string          `json:"message"`
	StackTrace         string          `json:"stackTrace"`
	AdditionalMetadata map[string]any  `json:"additionalMetadata"`
	ThrowableList      []operatorError `json:"throwableList"`
}

// parseOperatorError turns status.error into a cause chain and the
// Kubernetes reason a DeploymentFailedException carries in
// additionalMetadata.reason (CrashLoopBackOff, ImagePullBackOff, …). Some
// operator code paths write a plain message instead of JSON; that is
// parsed as text.
func parseOperatorError(text string) (chain []*Throwable, reason string) {
	trimmed := strings.TrimSpace(text)
	var e operatorError
	if !strings.HasPrefix(trimmed, "{") || json.Unmarshal([]byte(trimmed), &e) != nil {
		return ParseTrace(text).Chain, ""
	}
	reason, _ = e.AdditionalMetadata["reason"].(string)
	chain = []*Throwable{{Class: e.Type, Message: boundMessage(e.Message)}}
	for i, t := range e.ThrowableList {
		if i+1 >= maxThrowables {
			break
		}
		chain = append(chain, &Throwable{Class: t.Type, Message: boundMessage(t.Message)})
	}
	// A stack trace, when the operator was configured to keep one, has
	// the frames; use it when it holds at least as much of the chain.
	if e.StackTrace != "" {
		if parsed := ParseTrace(e.StackTrace).Chain; len(parsed) >= len(chain) {
			chain = parsed
		}
	}
	return chain, reason
}
