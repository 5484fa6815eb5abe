package kafka

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/twmb/franz-go/pkg/sasl"
	saslaws "github.com/twmb/franz-go/pkg/sasl/aws"

	"github.com/flinkslo/flinkslo/internal/config"
)

// credentialExpiryWindow is how long before they expire credentials are
// replaced. MSK ends a session when the credentials that signed it expire,
// so a session is signed with credentials that have at least this long
// left; it is also the SDK's own window for container credentials.
const credentialExpiryWindow = 5 * time.Minute

// mskIAM builds the AWS_MSK_IAM mechanism of one cluster. Credentials come
// from the static keys of the environment variables the config names, if it
// names any, else from the AWS SDK's default chain, first match wins: the
// environment's keys, web identity (IRSA), the shared config's profile,
// the container endpoint (EKS Pod Identity, ECS), the EC2 instance role. With roleARN, that role is assumed
// with them. Nothing is fetched here; each SASL session asks the cache,
// which refreshes before expiry, so every session is signed with current
// credentials.
func mskIAM(cc clusterConfig, getenv func(string) string, timeout time.Duration, log *slog.Logger) (sasl.Mechanism, error) {
	cfg, err := loadAWSConfig(cc, getenv)
	if err != nil {
		return nil, fmt.Errorf("msk iam: %w", err)
	}
	if err := checkSigningRegion(cc.brokers, getenv); err != nil {
		return nil, fmt.Errorf("msk iam: %w", err)
	}
	c := &mskCredentials{provider: cfg.Credentials, configured: providerName(cfg.Credentials), timeout: timeout, log: log}
	log.Info("kafka msk iam authentication", "provider", c.configured, "region", cfg.Region)
	return saslaws.ManagedStreamingIAM(c.auth), nil
}

func loadAWSConfig(cc clusterConfig, getenv func(string) string) (aws.Config, error) {
	s := cc.sasl
	a := cmp.Or(s.AWS, &config.AWSAuth{RoleSessionName: config.DefaultAWSRoleSessionName})
	window := func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = credentialExpiryWindow }
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithCredentialsCacheOptions(window),
		// STS, for web identity and roleARN, is regional: without a
		// region from the config or the chain, the brokers' is the best
		// guess.
		awsconfig.WithDefaultRegion(brokersRegion(cc.brokers)),
		awsconfig.WithWebIdentityRoleCredentialOptions(func(o *stscreds.WebIdentityRoleOptions) {
			if o.RoleSessionName == "" { // AWS_ROLE_SESSION_NAME wins
				o.RoleSessionName = a.RoleSessionName
			}
		}),
	}
	if a.Region != "" {
		opts = append(opts, awsconfig.WithRegion(a.Region))
	}
	if a.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(a.Profile))
	}
	if s.StaticAWSKeys() {
		p, err := staticKeys(s, getenv)
		if err != nil {
			return aws.Config{}, err
		}
		opts = append(opts, awsconfig.WithCredentialsProvider(p))
	}
	// Only the environment and the shared config files are read here:
	// credentials are fetched at the first authentication.
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config: %w", err)
	}
	if a.RoleARN != "" {
		p := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), a.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = a.RoleSessionName
		})
		cfg.Credentials = aws.NewCredentialsCache(p, window)
	}
	return cfg, nil
}

// staticKeys reads the keys from the environment variables the config
// names, the standard ones standing in for those it leaves out. They are
// read now, so that a missing key fails at start-up.
func staticKeys(s *config.SASL, getenv func(string) string) (aws.CredentialsProvider, error) {
	akEnv := cmp.Or(s.AccessKeyEnv, "AWS_ACCESS_KEY_ID")
	skEnv := cmp.Or(s.SecretKeyEnv, "AWS_SECRET_ACCESS_KEY")
	stEnv := cmp.Or(s.SessionTokenEnv, "AWS_SESSION_TOKEN")
	ak, sk := getenv(akEnv), getenv(skEnv)
	if ak == "" || sk == "" {
		return nil, fmt.Errorf("aws credentials: %s and %s must be set", akEnv, skEnv)
	}
	return credentials.StaticCredentialsProvider{Value: aws.Credentials{
		AccessKeyID: ak, SecretAccessKey: sk, SessionToken: getenv(stEnv), Source: credentials.StaticCredentialsName,
	}}, nil
}

// providerName names the provider the chain resolved, in the words of
// aws.Credentials.Source, for logs written before any credentials arrive.
func providerName(p aws.CredentialsProvider) string {
	for _, k := range []struct {
		p    aws.CredentialsProvider
		name string
	}{
		{&stscreds.AssumeRoleProvider{}, stscreds.ProviderName},
		{&stscreds.WebIdentityRoleProvider{}, stscreds.WebIdentityProviderName},
		{&endpointcreds.Provider{}, endpointcreds.ProviderName},
		{&ec2rolecreds.Provider{}, ec2rolecreds.ProviderName},
		{credentials.StaticCredentialsProvider{}, credentials.StaticCredentialsName},
	} {
		if aws.IsCredentialsProvider(p, k.p) {
			return k.name
		}
	}
	return fmt.Sprintf("%T", p)
}

// mskCredentials answers franz-go's request for credentials at every SASL
// session and logs when their source changes or fails, never the keys.
type mskCredentials struct {
	provider   aws.CredentialsProvider // an *aws.CredentialsCache
	configured string                  // the provider's name, for logs
	timeout    time.Duration
	log        *slog.Logger

	mu      sync.Mutex
	source  string // Source of the last credentials obtained
	keyID   string // their access key id, to notice a refresh; never logged
	failing bool
}

func (c *mskCredentials) auth(ctx context.Context) (saslaws.Auth, error) {
	// franz-go passes the client's context, which lives until Close: the
	// fetch needs its own bound.
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cr, err := c.provider.Retrieve(ctx)
	if err != nil {
		err = &credentialsError{source: c.failed(err), err: err}
		return saslaws.Auth{}, err
	}
	c.obtained(cr)
	return saslaws.Auth{AccessKey: cr.AccessKeyID, SecretKey: cr.SecretAccessKey, SessionToken: cr.SessionToken}, nil
}

// failed logs the first failure of a run and returns the source named.
func (c *mskCredentials) failed(err error) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	source := cmp.Or(c.source, c.configured)
	if !c.failing {
		c.failing = true
		c.log.Warn("kafka aws credentials unavailable; polls of the cluster fail until they are", "source", source, "err", err)
	}
	return source
}

func (c *mskCredentials) obtained(cr aws.Credentials) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.source != "" && cr.Source != c.source:
		c.log.Warn("kafka aws credential source changed", "source", cr.Source, "previous_source", c.source)
	case c.failing:
		c.log.Info("kafka aws credentials available again", "source", cr.Source)
	case c.source == "":
		c.log.Info("kafka aws credentials obtained", "source", cr.Source)
	case cr.AccessKeyID != c.keyID:
		c.log.Debug("kafka aws credentials refreshed", "source", cr.Source)
	}
	c.source, c.keyID, c.failing = cr.Source, cr.AccessKeyID, false
}

// checkSigningRegion makes sure that each broker can be signed for. The
// MSK IAM signature names a region: franz-go takes it from the broker's
// host name, which for MSK carries it, or else from AWS_REGION or
// AWS_DEFAULT_REGION (kafka.sasl.aws.region does not reach the signer).
func checkSigningRegion(brokers []string, getenv func(string) string) error {
	if getenv("AWS_REGION") != "" || getenv("AWS_DEFAULT_REGION") != "" {
		return nil
	}
	for _, b := range brokers {
		if hostRegion(b) == "" {
			return fmt.Errorf("broker %s: its host name names no AWS region and AWS_REGION is not set", b)
		}
	}
	return nil
}

// brokersRegion is the region the first broker's host name names, if any.
func brokersRegion(brokers []string) string {
	for _, b := range brokers {
		if r := hostRegion(b); r != "" {
			return r
		}
	}
	return ""
}

// hostRegion reads the region from an AWS host name, such as
// b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com, by the rule franz-go
// signs with: the label before the partition's DNS suffix.
func hostRegion(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	for _, suffix := range []string{".amazonaws.com", ".amazonaws.com.cn", ".c2s.ic.gov", ".sc2s.sgov.gov"} {
		if rest, ok := strings.CutSuffix(host, suffix); ok {
			if i := strings.LastIndexByte(rest, '.'); i >= 0 {
				return rest[i+1:]
			}
			return ""
		}
	}
	return ""
}
