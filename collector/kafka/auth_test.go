package kafka

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A poll the cluster denies (an IAM policy without kafka-cluster:DescribeGroup
// answers GROUP_AUTHORIZATION_FAILED) is an authentication error; a cluster
// that cannot be reached is not.
func TestAuthErrorsCounted(t *testing.T) {
	ctx := ctxT(t)
	k := startKafka(t)
	must(t, k.CreateTopic(ctx, "in", 1))
	mustProduce(t, ctx, k, "in", 0, 3, time.Now())
	must(t, k.Commit(ctx, "g", map[string]map[int32]int64{"in": {0: 1}}))
	c := newTestCollector(t, testConfig(k.Brokers()), newClock(), "g")
	h := k.Fake().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Group: "g", Err: kerr.GroupAuthorizationFailed, Count: -1})
	if err := c.Poll(ctx); !errors.Is(err, kerr.GroupAuthorizationFailed) {
		t.Fatalf("Poll with the group denied: err = %v, want GROUP_AUTHORIZATION_FAILED", err)
	}
	h.Remove()
	must(t, c.Poll(ctx))
	k.Close()
	if err := c.Poll(ctx); err == nil {
		t.Fatal("Poll of a stopped cluster: no error")
	}
	expo := exposition(t, c)
	for _, l := range []string{
		`flinkslo_kafka_auth_errors_total{cluster="default"} 1`,
		`flinkslo_kafka_scrape_errors_total{cluster="default"} 2`,
	} {
		if !hasLine(expo, l) {
			t.Errorf("exposition lacks %s:\n%s", l, expo)
		}
	}
}

func TestAuthFailed(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("fetch: %w", &credentialsError{source: "WebIdentityCredentials", err: errors.New("403")}), true},
		{fmt.Errorf("fetch: %w: Access denied", kerr.SaslAuthenticationFailed), true},
		{fmt.Errorf("list: %w", kerr.TopicAuthorizationFailed), true},
		{fmt.Errorf("ping brokers: %w", errors.New("dial tcp 127.0.0.1:1: connection refused")), false},
		{kerr.NotLeaderForPartition, false},
	} {
		if got := authFailed(tt.err); got != tt.want {
			t.Errorf("authFailed(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
