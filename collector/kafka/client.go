package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/flinkslo/flinkslo/internal/config"
)

// clusterConfig is one cluster to poll, default or named.
type clusterConfig struct {
	name    string
	brokers []string
	tls     *config.TLS
	sasl    *config.SASL
}

func clusters(cfg config.Kafka) []clusterConfig {
	var out []clusterConfig
	if len(cfg.Brokers) > 0 {
		out = append(out, clusterConfig{name: config.DefaultCluster, brokers: cfg.Brokers, tls: cfg.TLS, sasl: cfg.SASL})
	}
	for _, c := range cfg.Clusters {
		out = append(out, clusterConfig{name: c.Name, brokers: c.Brokers, tls: c.TLS, sasl: c.SASL})
	}
	return out
}

// retryTimeout bounds kgo's retries of one request. kgo's default (30s,
// 20 retries) lets one partition with a retriable error hold up the whole
// cycle and return nothing; short retries give per-partition errors fast
// and the rest of the cycle its answer.
func retryTimeout(requestTimeout time.Duration) time.Duration {
	return min(max(requestTimeout/4, 250*time.Millisecond), 2*time.Second)
}

// connOpts keep connections open between polls: franz-go closes a
// connection idle for 20 s by default, so with a longer poll interval
// every poll would dial (and authenticate to) every broker again.
func connOpts(pollInterval time.Duration) []kgo.Opt {
	return []kgo.Opt{kgo.ConnIdleTimeout(max(3*pollInterval, 20*time.Second))}
}

func clientOpts(cc clusterConfig, getenv func(string) string, requestTimeout time.Duration, log *slog.Logger) ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(cc.brokers...),
		kgo.ClientID("flinkslo"),
		kgo.DialTimeout(requestTimeout),
		kgo.RetryTimeout(retryTimeout(requestTimeout)),
		kgo.WithLogger(kgoLogger{log}),
	}
	if cc.tls != nil {
		tc, err := cc.tls.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("kafka cluster %s: %w", cc.name, err)
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if cc.sasl != nil {
		var m sasl.Mechanism
		var err error
		if cc.sasl.Mechanism == "AWS_MSK_IAM" {
			m, err = mskIAM(cc, getenv, requestTimeout, log)
		} else {
			m, err = mechanism(cc.sasl, getenv)
		}
		if err != nil {
			return nil, fmt.Errorf("kafka cluster %s: %w", cc.name, err)
		}
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

// mechanism builds the SASL mechanism. Credentials are read once here so
// that a missing secret fails at start-up, and again at every
// authentication so that a rotated secret file is picked up.
func mechanism(s *config.SASL, getenv func(string) string) (sasl.Mechanism, error) {
	password := func() (string, error) {
		sec, err := config.ReadSecret(getenv, s.PasswordEnv, s.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("read sasl password: %w", err)
		}
		return sec.Reveal(), nil
	}
	switch s.Mechanism {
	case "PLAIN":
		if _, err := password(); err != nil {
			return nil, err
		}
		return plain.Plain(func(context.Context) (plain.Auth, error) {
			p, err := password()
			return plain.Auth{User: s.Username, Pass: p}, err
		}), nil
	case "SCRAM-SHA-256", "SCRAM-SHA-512":
		if _, err := password(); err != nil {
			return nil, err
		}
		auth := func(context.Context) (scram.Auth, error) {
			p, err := password()
			return scram.Auth{User: s.Username, Pass: p}, err
		}
		if s.Mechanism == "SCRAM-SHA-256" {
			return scram.Sha256(auth), nil
		}
		return scram.Sha512(auth), nil
	}
	return nil, fmt.Errorf("unsupported sasl mechanism %q", s.Mechanism)
}

// kgoLogger passes the Kafka client's own errors to slog at debug level:
// the collector reports what matters (kafka_up, per-partition states) and
// logs transitions itself; kgo's retries would otherwise flood the log
// while a cluster is down.
type kgoLogger struct{ log *slog.Logger }

func (l kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (l kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	l.log.Debug("kafka client log", append([]any{"client_msg", msg, "client_level", level.String()}, keyvals...)...)
}
