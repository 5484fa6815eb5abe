package kube

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// testConfig is the kubernetes section as Load leaves it with defaults.
func testConfig() *config.Kubernetes {
	on := true
	return &config.Kubernetes{
		RESTURLTemplate:   config.DefaultRESTURLTemplate,
		TeamKey:           config.DefaultTeamKey,
		SlackChannelKey:   config.DefaultSlackChannelKey,
		RESTURLKey:        config.DefaultRESTURLKey,
		ConsumerGroupsKey: config.DefaultConsumerGroupsKey,
		PodSignals:        &on,
	}
}

func fixture(t testing.TB, name string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(b, &obj); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &unstructured.Unstructured{Object: obj}
}

func TestTargetOf(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		session string // fixture of the session cluster, if any
		want    fleet.Target
	}{
		{
			name: "application deployment with team label and groups annotation",
			file: "application.yaml",
			want: fleet.Target{
				Deployment: "orders-enrichment", Namespace: "checkout", Owner: fleet.Owner{Team: "checkout"},
				URL:            "http://orders-enrichment-rest.checkout.svc:8081",
				ConsumerGroups: []string{"orders-enrichment", "orders-audit"}, JobName: "orders-enrichment",
				Source: "kubernetes",
				Operator: &fleet.OperatorStatus{Kind: "FlinkDeployment", LifecycleState: "STABLE",
					JobManagerDeploymentStatus: "READY", JobState: "RUNNING", JobName: "orders-enrichment",
					JobID: "5f3c6e0a9d1b4a2c8e7f6a5b4c3d2e1f"},
			},
		},
		{
			name: "suspended deployment with annotations overriding url and channel",
			file: "suspended.yaml",
			want: fleet.Target{
				Deployment: "fraud-scoring", Namespace: "risk", Owner: fleet.Owner{Team: "risk", SlackChannel: "#risk-oncall"},
				URL:       "https://flink.example.com/risk/fraud-scoring",
				Suspended: true, JobName: "fraud-scoring", Source: "kubernetes",
				Operator: &fleet.OperatorStatus{Kind: "FlinkDeployment", LifecycleState: "SUSPENDED",
					JobManagerDeploymentStatus: "MISSING", JobState: "FINISHED", JobName: "fraud-scoring"},
			},
		},
		{
			name: "jobmanager deployment error keeps the operator's error",
			file: "deploy-error.yaml",
			want: fleet.Target{
				Deployment: "clickstream", Namespace: "web", Owner: fleet.Owner{Team: "web"},
				URL: "http://clickstream-rest.web.svc:8081", Source: "kubernetes",
				Operator: &fleet.OperatorStatus{Kind: "FlinkDeployment", LifecycleState: "DEPLOYED",
					JobManagerDeploymentStatus: "ERROR", JobState: "RECONCILING",
					Error: `{"type":"org.apache.flink.kubernetes.operator.exception.DeploymentFailedException","message":"[flink-main-container] Back-off pulling image \"registry.plat.internal/flink/runtime:1.20.9-missing\"","additionalMetadata":{"reason":"ImagePullBackOff"},"throwableList":[]}`},
			},
		},
		{
			name: "session cluster watches the jobmanager only",
			file: "session-cluster.yaml",
			want: fleet.Target{
				Deployment: "shared-session", Namespace: "analytics", Owner: fleet.Owner{Team: "data-platform", SlackChannel: "#data-platform"},
				URL:         "http://shared-session-rest.analytics.svc.cluster.local:8081",
				ClusterOnly: true, Source: "kubernetes",
				Operator: &fleet.OperatorStatus{Kind: "FlinkDeployment", LifecycleState: "STABLE", JobManagerDeploymentStatus: "READY"},
			},
		},
		{
			name:    "session job uses its cluster's url and its own team",
			file:    "session-job.yaml",
			session: "session-cluster.yaml",
			want: fleet.Target{
				Deployment: "sessions-rollup", Namespace: "analytics", Owner: fleet.Owner{Team: "growth"},
				URL:   "http://shared-session-rest.analytics.svc.cluster.local:8081",
				JobID: "a1b2c3d4e5f60718293a4b5c6d7e8f90", JobName: "sessions-rollup", Source: "kubernetes",
				Operator: &fleet.OperatorStatus{Kind: "FlinkSessionJob", LifecycleState: "STABLE", JobState: "RUNNING",
					JobName: "sessions-rollup", JobID: "a1b2c3d4e5f60718293a4b5c6d7e8f90"},
			},
		},
		{
			name: "session job without its cluster keeps the url the cluster would have",
			file: "session-job-orphan.yaml",
			want: fleet.Target{
				Deployment: "late-arrivals", Namespace: "analytics",
				URL: "http://missing-session-rest.analytics.svc:8081", JobID: noJobYet, Source: "kubernetes",
				Operator: &fleet.OperatorStatus{Kind: "FlinkSessionJob", LifecycleState: "CREATED"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			u := fixture(t, tt.file)
			r := parseResource(u, u.GetKind(), cfg)
			var session *resource
			if tt.session != "" {
				s := fixture(t, tt.session)
				session = parseResource(s, s.GetKind(), cfg)
			}
			got, ok := targets{cfg: cfg}.of(r, session)
			if !ok {
				t.Fatal("no target")
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("target (-want +got):\n%s", d)
			}
		})
	}
}

func TestSessionJobWithoutDeploymentNameIsNoTarget(t *testing.T) {
	u := fixture(t, "session-job.yaml")
	unstructured.RemoveNestedField(u.Object, "spec", "deploymentName")
	cfg := testConfig()
	if got, ok := (targets{cfg: cfg}).of(parseResource(u, KindSessionJob, cfg), nil); ok {
		t.Errorf("session job without spec.deploymentName became target %+v", got)
	}
}

func TestConfiguredKeysAndTemplate(t *testing.T) {
	cfg := testConfig()
	cfg.TeamKey = "example.com/owner"
	cfg.ConsumerGroupsKey = "example.com/groups"
	cfg.RESTURLTemplate = "https://flink.example.com/{namespace}/{name}/"
	u := fixture(t, "application.yaml")
	u.SetLabels(map[string]string{"example.com/owner": "payments", "flinkslo.io/team": "ignored"})
	u.SetAnnotations(map[string]string{"example.com/groups": "pay-1,pay-2"})
	got, _ := targets{cfg: cfg}.of(parseResource(u, KindDeployment, cfg), nil)
	if got.Team != "payments" || got.URL != "https://flink.example.com/checkout/orders-enrichment/" || !cmp.Equal(got.ConsumerGroups, []string{"pay-1", "pay-2"}) {
		t.Errorf("target = team %q url %q groups %v; want payments, https://flink.example.com/checkout/orders-enrichment/, [pay-1 pay-2]",
			got.Team, got.URL, got.ConsumerGroups)
	}
}
