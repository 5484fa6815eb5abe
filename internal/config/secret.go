package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Secret holds a credential read from the environment or a file. It never
// prints, logs or marshals its value: only Reveal gives it out.
type Secret struct{ v string }

// NewSecret wraps a value; for tests and for values built at run time.
func NewSecret(v string) Secret { return Secret{v: v} }

// Reveal returns the secret value, for the one place that must send it.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no secret was configured.
func (s Secret) IsZero() bool { return s.v == "" }

// String prints the secret redacted.
func (s Secret) String() string { return redacted(s) }

// GoString prints the secret redacted, in %#v too.
func (s Secret) GoString() string { return redacted(s) }

// LogValue logs the secret redacted.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted(s)) }

// MarshalText encodes the secret redacted (JSON, text formats).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted(s)), nil }

// MarshalYAML encodes the secret redacted.
func (s Secret) MarshalYAML() (any, error) { return redacted(s), nil }

func redacted(s Secret) string {
	if s.v == "" {
		return ""
	}
	return "<secret>"
}

// ErrSecretUnset is returned when neither env nor file was configured.
var ErrSecretUnset = errors.New("secret not configured")

// ReadSecret reads a secret from the environment variable env or, if env is
// empty, from file. getenv is injected so that only main reads the process
// environment; trailing newlines of files are dropped.
func ReadSecret(getenv func(string) string, env, file string) (Secret, error) {
	switch {
	case env != "" && file != "":
		return Secret{}, fmt.Errorf("both env %s and file %s set: choose one", env, file)
	case env != "":
		v := getenv(env)
		if v == "" {
			return Secret{}, fmt.Errorf("environment variable %s is empty or unset", env)
		}
		return Secret{v: v}, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return Secret{}, fmt.Errorf("read secret file: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return Secret{}, fmt.Errorf("secret file %s is empty", file)
		}
		return Secret{v: v}, nil
	}
	return Secret{}, ErrSecretUnset
}

// Read reads the secret named by s.
func (s SecretFrom) Read(getenv func(string) string) (Secret, error) {
	return ReadSecret(getenv, s.Env, s.File)
}
