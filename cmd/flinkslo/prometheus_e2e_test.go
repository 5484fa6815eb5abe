package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/rules"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestPrometheusScrapesFlinkslo runs a real Prometheus server (Debian's
// prometheus package) against `flinkslo run` watching simulated JobManagers
// in every failure mode, with the shipped rules, their `for:` durations
// scaled down, and checks through Prometheus's HTTP API that the unhealthy
// jobs fire their direct alerts, on the route the policy gives them, while
// the healthy and suspended deployments stay quiet.
func TestPrometheusScrapesFlinkslo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Prometheus server")
	}
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus not installed: run `make test-deps` (Debian package prometheus)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	type jobManager struct {
		scenario flinkfake.Scenario
		failure  flinkfake.FailureKind
		extra    string // more target settings
	}
	fleet := map[string]jobManager{
		"ad-attribution":       {scenario: flinkfake.HTTP500},
		"search-indexer":       {scenario: flinkfake.InvalidJSON},
		"fraud-scoring":        {scenario: flinkfake.Failed, failure: flinkfake.PlatformBug},
		"clickstream-sessions": {scenario: flinkfake.CheckpointsStalled},
		"recommendations":      {scenario: flinkfake.TasksNotRunning},
		"orders-enrichment":    {},
		"quarterly-reports":    {extra: ", suspended: true"},
	}
	var targets, teams strings.Builder
	for name, jm := range fleet {
		fmt.Fprintf(&teams, "  %s: {}\n", name)
		f := flinkfake.New(flinkfake.Options{Cluster: name, Jobs: []flinkfake.JobSpec{{Name: name, Scenario: jm.scenario, Failure: jm.failure}},
			CheckpointInterval: 2 * time.Second})
		if jm.scenario >= flinkfake.Slow {
			f.SetScenario(jm.scenario)
		}
		srv := flinkfake.Serve(t, f)
		fmt.Fprintf(&targets, "  - { name: %s, namespace: %s, team: %s, url: %q%s }\n", name, name, name, srv.URL, jm.extra)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "flinkslo.yaml")
	writeFile(t, cfgPath, "scrapeInterval: 2s\nhealth: { startupGrace: 4s, checkpointWindowFloor: 6s }\ntargets:\n"+targets.String()+"teams:\n"+teams.String())
	flinksloAddr := freeAddr(t)
	var runErr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"run", "--config", cfgPath, "--web.listen-address", flinksloAddr, "--log.level", "error"}, strings.NewReader(""), io.Discard, &runErr, func(string) string { return "" })
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("flinkslo run exited with %d: %s", code, runErr.String())
		}
	}()

	rb, err := rules.Generate(rules.Options{ForScale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "rules.yaml"), string(rb))
	writeFile(t, filepath.Join(dir, "prometheus.yml"), fmt.Sprintf(`global: { scrape_interval: 2s, evaluation_interval: 2s }
rule_files: [rules.yaml]
scrape_configs:
  - job_name: flinkslo
    static_configs: [{ targets: [%q] }]
`, flinksloAddr))
	promAddr := freeAddr(t)
	prom := exec.Command(promBin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr)
	var promLog strings.Builder
	prom.Stdout, prom.Stderr = &promLog, &promLog
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = prom.Process.Kill()
		_ = prom.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", tail(promLog.String(), 40))
		}
	}()

	reasons := rules.ReasonAlerts()
	want := map[string]string{ // deployment → alert/route that must fire
		"ad-attribution":       reasons["jobmanager_unreachable"] + "/monitor", // HTTP 500
		"search-indexer":       reasons["jobmanager_unreachable"] + "/monitor", // invalid JSON
		"fraud-scoring":        reasons["not_running"] + "/page",               // FAILED
		"clickstream-sessions": reasons["checkpoints_stalled"] + "/monitor",
		"recommendations":      reasons["tasks_not_running"] + "/monitor",
	}
	quiet := []string{"orders-enrichment", "quarterly-reports"}
	deadline := time.Now().Add(2 * time.Minute)
	var firing map[string][]string
	for time.Now().Before(deadline) {
		time.Sleep(2 * time.Second)
		firing, err = firingByDeployment("http://" + promAddr)
		if err != nil {
			continue // Prometheus still starting
		}
		if allFiring(firing, want) {
			break
		}
	}
	for dep, alert := range want {
		if !contains(firing[dep], alert) {
			t.Errorf("%s: %s not firing (firing: %v)", dep, alert, firing[dep])
		}
	}
	for _, dep := range quiet {
		if len(firing[dep]) > 0 {
			t.Errorf("%s is healthy or suspended but fires %v", dep, firing[dep])
		}
	}
}

// firingByDeployment asks Prometheus for its firing alerts, by deployment,
// as alertname/route.
func firingByDeployment(base string) (map[string][]string, error) {
	resp, err := http.Get(base + "/api/v1/alerts")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, a := range body.Data.Alerts {
		if dep := a.Labels["deployment"]; dep != "" && a.State == "firing" {
			out[dep] = append(out[dep], a.Labels["alertname"]+"/"+a.Labels["route"])
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out, nil
}

func allFiring(firing map[string][]string, want map[string]string) bool {
	for dep, alert := range want {
		if !contains(firing[dep], alert) {
			return false
		}
	}
	return true
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
