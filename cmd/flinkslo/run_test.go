package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/flinkslo/flinkslo/collector/kube"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/daemon"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/kubetest"
)

// TestRunInKubernetes runs `flinkslo run` as the deploy/ manifests do —
// with the shipped configuration, as the shipped service account, with
// leader election on the shipped Lease — against a real API server. It
// must discover a FlinkDeployment, scrape its JobManager, take the Lease
// and say so in /metrics, classify the operator's error, and release the
// Lease when it stops.
func TestRunInKubernetes(t *testing.T) {
	s := kubetest.Start(t) // skips with -short
	s.InstallFlinkCRDs(t)
	s.ApplyKustomization(t, "../../deploy")
	s.CreateNamespaces(t, "checkout")

	jm := httptest.NewServer(flinkfake.New(flinkfake.Options{Jobs: []flinkfake.JobSpec{{Name: "orders-enrichment"}}}))
	defer jm.Close()
	dyn := dynamic.NewForConfigOrDie(s.AdminConfig())
	fd := flinkDeployment("orders-enrichment", jm.URL)
	created, err := dyn.Resource(kube.DeploymentGVR).Namespace("checkout").Create(t.Context(), fd, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Object["status"] = map[string]any{
		"jobStatus":                  map[string]any{"state": "RUNNING", "jobName": "orders-enrichment"},
		"jobManagerDeploymentStatus": "READY",
		"lifecycleState":             "STABLE",
	}
	if _, err := dyn.Resource(kube.DeploymentGVR).Namespace("checkout").UpdateStatus(t.Context(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	kubeconfig := writeKubeconfig(t, dir, s.ServiceAccountConfig(t, "flinkslo", "flinkslo"))
	// The shipped configuration, scraping faster and with its state file
	// where the test may write.
	shipped, err := os.ReadFile("../../deploy/base/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfgText := strings.NewReplacer("scrapeInterval: 15s", "scrapeInterval: 1s", "scrapeTimeout: 5s", "scrapeTimeout: 1s",
		"/var/lib/flinkslo/state.json", filepath.Join(dir, "state.json")).Replace(string(shipped))
	cfgFile := filepath.Join(dir, "config.yaml")
	writeFile(t, cfgFile, cfgText)
	env := map[string]string{"POD_NAME": "flinkslo-0", "POD_NAMESPACE": "flinkslo"}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stderr lockedBuffer
	exited := make(chan struct{})
	var code int
	go func() {
		defer close(exited)
		code = run(ctx, []string{"run", "--config", cfgFile, "--kubeconfig", kubeconfig, "--web.listen-address", addr, "--alerting.dry-run", "--log.level", "warn"},
			strings.NewReader(""), io.Discard, &stderr, func(k string) string { return env[k] })
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		<-exited
		if code != 0 {
			t.Errorf("run exited with %d: %s", code, stderr.String())
		}
	}
	defer stop()
	waitMetrics := func(what string, cond func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		var last string
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				t.Fatalf("run exited with %d while waiting for %s: %s", code, what, stderr.String())
			default:
			}
			if last = scrape(addr); cond(last) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s; last /metrics:\n%s\nlog:\n%s", what, grepFlinkslo(last), stderr.String())
	}

	healthy := regexp.MustCompile(`(?m)^flinkslo_job_healthy\{[^}]*deployment="orders-enrichment"[^}]*namespace="checkout"[^}]*\} 1$`)
	waitMetrics("the discovered job healthy and this replica leading", func(m string) bool {
		return healthy.MatchString(m) && strings.Contains(m, "\nflinkslo_leader{lease=\"flinkslo/flinkslo\"} 1\n")
	})
	if !regexp.MustCompile(`(?m)^flinkslo_target_info\{[^}]*source="kubernetes"`).MatchString(scrape(addr)) {
		t.Error("target_info does not say the target came from Kubernetes")
	}
	if c := get("http://" + addr + "/readyz"); c != http.StatusOK {
		t.Errorf("/readyz = %d once discovery synced and a cycle ran", c)
	}
	admin := kubernetes.NewForConfigOrDie(s.AdminConfig())
	lease, err := admin.CoordinationV1().Leases("flinkslo").Get(t.Context(), "flinkslo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := lease.Spec.HolderIdentity; h == nil || *h != "flinkslo-0" {
		t.Errorf("lease holder = %v, want flinkslo-0 ($POD_NAME)", h)
	}

	// The operator reports that the job's image cannot be pulled: it is
	// classified as the team's to fix, counted against the job it stops,
	// and makes the job unhealthy with the operator's reason.
	patch := `{"status":{"jobManagerDeploymentStatus":"ERROR","error":"{\"type\":\"org.apache.flink.kubernetes.operator.exception.DeploymentFailedException\",\"message\":\"[flink-main-container] Back-off pulling image \\\"flink:missing\\\"\",\"additionalMetadata\":{\"reason\":\"ImagePullBackOff\"},\"throwableList\":[]}"}}`
	if _, err := dyn.Resource(kube.DeploymentGVR).Namespace("checkout").Patch(t.Context(), "orders-enrichment", types.MergePatchType, []byte(patch), metav1.PatchOptions{}, "status"); err != nil {
		t.Fatal(err)
	}
	failures := regexp.MustCompile(`(?m)^flinkslo_job_failures_total\{category="image_pull_tenant",deployment="orders-enrichment",job_name="orders-enrichment",namespace="checkout",route="notify",team="checkout"\} 1$`)
	reason := regexp.MustCompile(`(?m)^flinkslo_job_unhealthy_reason\{[^}]*deployment="orders-enrichment"[^}]*reason="deployment_error"[^}]*\} 1$`)
	waitMetrics("the operator's image pull error counted for the team, the job unhealthy", func(m string) bool {
		return failures.MatchString(m) && reason.MatchString(m)
	})

	// Shutting down releases the Lease, so the other replica takes over
	// at once instead of after leaseDuration.
	stop()
	lease, err = admin.CoordinationV1().Leases("flinkslo").Get(t.Context(), "flinkslo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := lease.Spec.HolderIdentity; h != nil && *h != "" {
		t.Errorf("lease still held by %q after shutdown", *h)
	}
}

func flinkDeployment(name, url string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "flink.apache.org/v1beta1",
		"kind":       "FlinkDeployment",
		"metadata": map[string]any{
			"name": name, "namespace": "checkout",
			"labels":      map[string]any{"flinkslo.io/team": "checkout"},
			"annotations": map[string]any{"flinkslo.io/rest-url": url},
		},
		"spec": map[string]any{
			"image": "flink:1.20", "flinkVersion": "v1_20", "serviceAccount": "flink",
			"jobManager":  map[string]any{"resource": map[string]any{"cpu": 1, "memory": "2048m"}},
			"taskManager": map[string]any{"resource": map[string]any{"cpu": 1, "memory": "2048m"}},
			"job":         map[string]any{"jarURI": "local:///opt/flink/usrlib/job.jar", "parallelism": 1, "upgradeMode": "stateless", "state": "running"},
		},
	}}
}

// writeKubeconfig writes cfg as a kubeconfig file, as a user would pass
// with --kubeconfig.
func writeKubeconfig(t *testing.T, dir string, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthority: cfg.CAFile, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["flinkslo"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "flinkslo"}
	kc.CurrentContext = "test"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func scrape(addr string) string {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func get(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func grepFlinkslo(m string) string {
	var out []string
	for _, l := range strings.Split(m, "\n") {
		if strings.HasPrefix(l, "flinkslo_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// lockedBuffer collects the daemon's log while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// With --shard.count 3, each replica scrapes a third of the static
// targets, and together they scrape each exactly once.
func TestShardsSplitStaticTargets(t *testing.T) {
	jm := httptest.NewServer(flinkfake.New(flinkfake.Options{Jobs: []flinkfake.JobSpec{{Name: "job"}}}))
	defer jm.Close()
	var b strings.Builder
	b.WriteString("teams: { t: {} }\ntargets:\n")
	const n = 60
	for i := range n {
		b.WriteString("  - { name: d" + strconv.Itoa(i) + ", namespace: ns, team: t, url: " + jm.URL + " }\n")
	}
	cfg, err := config.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for index := range 3 {
		p, err := daemon.Build(cfg, daemon.Options{Log: testLogger(), ShardIndex: index, ShardCount: 3})
		if err != nil {
			t.Fatal(err)
		}
		snap := p.Loop.RunOnce(t.Context())
		if got := len(snap.Targets); got < n/3-10 || got > n/3+10 {
			t.Errorf("shard %d scrapes %d of %d targets, want about a third", index, got, n)
		}
		for _, ts := range snap.Targets {
			seen[ts.Deployment]++
		}
	}
	for i := range n {
		if c := seen["d"+strconv.Itoa(i)]; c != 1 {
			t.Errorf("d%d scraped by %d shards, want exactly 1", i, c)
		}
	}
}
