package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/kubetest"
	"github.com/flinkslo/flinkslo/internal/pdfake"
	"github.com/flinkslo/flinkslo/internal/slackfake"
	"github.com/flinkslo/flinkslo/lease"
)

// The notification tests run the real binary as a child process, so that
// it can be killed with SIGKILL: no deferred save, no drain.

const (
	childRoutingKey = "CH1LDR0UT1NGKEYCH1LDR0UT1NGKEY00"
	childSlackToken = "xoxb-child-token"
)

// buildBinary builds flinkslo into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flinkslo")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// child is a running `flinkslo run`.
type child struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	addr string
	log  string
	done chan struct{}
}

func startChild(t *testing.T, bin, name string, env []string, args ...string) *child {
	t.Helper()
	c := &child{t: t, name: name, addr: freeAddr(t), log: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{})}
	logf, err := os.Create(c.log)
	if err != nil {
		t.Fatal(err)
	}
	args = append([]string{"run", "--web.listen-address", c.addr, "--log.level", "info"}, args...)
	c.cmd = exec.Command(bin, args...)
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.done)
		_ = c.cmd.Wait()
		logf.Close()
	}()
	t.Cleanup(func() { c.signal(syscall.SIGKILL) })
	return c
}

// signal sends sig and waits for the process to end.
func (c *child) signal(sig syscall.Signal) {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(sig)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

func (c *child) output() string {
	b, _ := os.ReadFile(c.log)
	return string(b)
}

// waitFor polls cond until it holds, failing with detail (when not nil)
// and the children's logs.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool, detail func() string, children ...*child) {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	var logs strings.Builder
	if detail != nil {
		logs.WriteString(detail())
	}
	for _, c := range children {
		fmt.Fprintf(&logs, "--- %s:\n%s\n", c.name, tail(c.output(), 40))
	}
	t.Fatalf("timed out waiting for %s\n%s", what, logs.String())
}

// notifyFleet is six JobManagers, one failed job each: three platform bugs
// (paged, with a copy in the platform channel) and three user
// configuration errors (the checkout team's channel).
type notifyFleet struct {
	jms   map[string]*flinkfake.JobManager
	urls  map[string]string
	pd    *pdfake.Server
	slack *slackfake.Server
}

var fleetJobs = []struct {
	name, ns string
	kind     flinkfake.FailureKind
}{
	{"enrich-a", "orders", flinkfake.PlatformBug}, {"enrich-b", "orders", flinkfake.PlatformBug}, {"enrich-c", "orders", flinkfake.PlatformBug},
	{"cart-a", "checkout", flinkfake.UserConfig}, {"cart-b", "checkout", flinkfake.UserConfig}, {"cart-c", "checkout", flinkfake.UserConfig},
}

func newNotifyFleet(t *testing.T) *notifyFleet {
	f := &notifyFleet{jms: map[string]*flinkfake.JobManager{}, urls: map[string]string{}, pd: pdfake.New(), slack: slackfake.New()}
	t.Cleanup(f.pd.Close)
	t.Cleanup(f.slack.Close)
	// The workspace has the channels (a restarted flinkslo looks in them
	// for posts whose answer it never got).
	f.slack.ChannelID("#flink-platform")
	f.slack.ChannelID("#checkout-alerts")
	for _, j := range fleetJobs {
		jm := flinkfake.New(flinkfake.Options{Cluster: j.name, Jobs: []flinkfake.JobSpec{{Name: j.name, Failure: j.kind}}})
		srv := httptest.NewServer(jm)
		t.Cleanup(srv.Close)
		f.jms[j.name], f.urls[j.name] = jm, srv.URL
	}
	return f
}

// config is a flinkslo configuration for the fleet; extra is appended.
func (f *notifyFleet) config(stateFile, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scrapeInterval: 1s\nscrapeTimeout: 1s\nstateFile: %s\ntargets:\n", stateFile)
	for _, j := range fleetJobs {
		fmt.Fprintf(&b, "  - {name: %s, namespace: %s, team: %s, url: %q}\n", j.name, j.ns, j.ns, f.urls[j.name])
	}
	fmt.Fprintf(&b, `teams:
  orders: {}
  checkout: {slackChannel: "#checkout-alerts"}
alerting:
  page: {pagerduty: {routingKeyEnv: PD_KEY}, slack: {channel: "#flink-platform"}}
  monitor: {slack: {channel: "#flink-platform"}}
  notify: {slack: {}}
  slack: {tokenEnv: SLACK_TOKEN, apiURL: %q}
  pagerduty: {eventsURL: %q}
  resolveAfter: 3s
%s`, f.slack.APIURL(), f.pd.URL(), extra)
	return b.String()
}

func childEnv(extra ...string) []string {
	return append([]string{"PD_KEY=" + childRoutingKey, "SLACK_TOKEN=" + childSlackToken}, extra...)
}

// fail makes every job fail: the failure enters its exception history now.
func (f *notifyFleet) fail(t *testing.T) {
	for _, j := range fleetJobs {
		if err := f.jms[j.name].SetJobScenario(j.name, flinkfake.Failed, j.kind); err != nil {
			t.Fatal(err)
		}
	}
}

var healthyRE = regexp.MustCompile(`(?m)^flinkslo_job_healthy\{[^}]*\} 1$`)

// watching: the child scrapes every job and finds it healthy.
func (c *child) watching() bool {
	return len(healthyRE.FindAllString(scrape(c.addr), -1)) == len(fleetJobs)
}

// summary says what the receivers got, for a failure message.
func (f *notifyFleet) summary() string {
	var b strings.Builder
	for _, e := range f.pd.Events() {
		fmt.Fprintf(&b, "pagerduty %s %s\n", e.Action, e.DedupKey)
	}
	for _, m := range f.slack.Messages() {
		fmt.Fprintf(&b, "slack %s ts=%s thread=%s %q\n", m.Channel, m.TS, m.ThreadTS, m.Text)
	}
	return b.String()
}

// recover replaces every failed job by a healthy one of the same name.
func (f *notifyFleet) recover(t *testing.T) {
	for name, jm := range f.jms {
		if err := jm.RemoveJob(name); err != nil {
			t.Fatal(err)
		}
		jm.AddJob(flinkfake.JobSpec{Name: name})
	}
}

// key is the incident of a fleet job.
func key(j struct {
	name, ns string
	kind     flinkfake.FailureKind
}) string {
	cat := "platform_code_exception"
	if j.kind == flinkfake.UserConfig {
		cat = "kafka_topic_authorization"
	}
	return fmt.Sprintf("%s/%s/%s/%s", j.ns, j.name, j.name, cat)
}

// histories are what each incident got, in order: PagerDuty event
// actions by incident, and in Slack "post" for a top-level message,
// "RESOLVED" for a top-level resolve (never right) and "reply" for a
// message in its thread.
func (f *notifyFleet) histories() (pd, sl map[string][]string) {
	pd, sl = map[string][]string{}, map[string][]string{}
	for _, e := range f.pd.Events() {
		k := strings.TrimPrefix(e.DedupKey, "flinkslo/")
		pd[k] = append(pd[k], e.Action)
	}
	top := map[string]string{} // ts → incident
	for _, m := range f.slack.Messages() {
		if m.ThreadTS != "" {
			sl[top[m.ThreadTS]] = append(sl[top[m.ThreadTS]], "reply")
			continue
		}
		k, _ := m.Metadata.EventPayload["incident"].(string)
		top[m.TS] = k
		what := "post"
		if strings.Contains(m.Text, "resolved") {
			what = "RESOLVED"
		}
		sl[k] = append(sl[k], what)
	}
	return pd, sl
}

// delivered reports whether every job's incident has its trigger (and,
// with resolved, its resolve) in Slack, and in PagerDuty when it pages.
func (f *notifyFleet) delivered(resolved bool) bool {
	pd, sl := f.histories()
	want, wantPD := "post", "trigger"
	if resolved {
		want, wantPD = "post,reply", "trigger,resolve"
	}
	for _, j := range fleetJobs {
		k := key(j)
		if strings.Join(sl[k], ",") != want {
			return false
		}
		if j.kind == flinkfake.PlatformBug && strings.Join(pd[k], ",") != wantPD {
			return false
		}
	}
	return true
}

// checkExactlyOnce: every incident (the six of the jobs, and whatever else
// their failures opened) paged at most once and resolved once after its
// trigger; in Slack one top-level message and its resolve in its thread.
func (f *notifyFleet) checkExactlyOnce(t *testing.T) {
	t.Helper()
	pd, sl := f.histories()
	for k, got := range sl {
		if g := strings.Join(got, ","); g != "post,reply" {
			t.Errorf("slack for %s: %s, want post,reply (the trigger once, its resolve in its thread)", k, g)
		}
	}
	for k, got := range pd {
		if g := strings.Join(got, ","); g != "trigger,resolve" {
			t.Errorf("pagerduty for %s: %s, want trigger,resolve", k, g)
		}
	}
	for _, j := range fleetJobs {
		if sl[key(j)] == nil {
			t.Errorf("slack never heard of %s", key(j))
		}
		if j.kind == flinkfake.PlatformBug && pd[key(j)] == nil {
			t.Errorf("pagerduty never heard of %s", key(j))
		}
	}
	if t.Failed() {
		t.Logf("pagerduty: %v\nslack: %v", pd, sl)
	}
}

// outboxKeys are the incidents with undelivered notifications in a saved
// state.
func outboxKeys(state []byte) map[string]bool {
	var doc struct {
		Outbox []struct {
			Key struct{ Namespace, Deployment, Job, Category string } `json:"key"`
		} `json:"outbox"`
	}
	if json.Unmarshal(state, &doc) != nil {
		return nil
	}
	out := map[string]bool{}
	for _, r := range doc.Outbox {
		out[strings.Join([]string{r.Key.Namespace, r.Key.Deployment, r.Key.Job, r.Key.Category}, "/")] = true
	}
	return out
}

// allPending: every job's incident is in the outbox.
func allPending(state []byte) bool {
	keys := outboxKeys(state)
	for _, j := range fleetJobs {
		if !keys[key(j)] {
			return false
		}
	}
	return true
}

var droppedRE = regexp.MustCompile(`(?m)^flinkslo_notifications_dropped_total\{reason="([a-z_]+)",sink="(pagerduty|slack)"\} ([0-9.e+]+)$`)

// drops lists the notifications the child counted as dropped.
func (c *child) drops() []string {
	var out []string
	for _, m := range droppedRE.FindAllStringSubmatch(scrape(c.addr), -1) {
		if m[3] != "0" {
			out = append(out, m[2]+" "+m[1]+" "+m[3])
		}
	}
	return out
}

// TestKilledDuringAnOutage kills flinkslo with SIGKILL while PagerDuty and
// Slack answer 500, restarts it with the same stateFile, and lets them
// recover: every incident is delivered exactly once, triggers first.
func TestKilledDuringAnOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	f := newNotifyFleet(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	cfg := filepath.Join(dir, "config.yaml")
	writeFile(t, cfg, f.config(state, ""))
	f.pd.Down(pdfake.Fault{Status: 500})
	f.slack.Down(slackfake.Fault{Status: 500})

	first := startChild(t, bin, "first", childEnv(), "--config", cfg)
	waitFor(t, "every job scraped", 60*time.Second, first.watching, nil, first)
	f.fail(t)
	waitFor(t, "every incident undelivered in the state file, and attempted", 60*time.Second, func() bool {
		b, _ := os.ReadFile(state + ".incidents")
		return allPending(b) && f.pd.Requests() >= 3 && f.slack.Requests() >= 6
	}, func() string {
		b, _ := os.ReadFile(state + ".incidents")
		return string(b) + "\n" + grepFlinkslo(scrape(first.addr))
	}, first)
	first.signal(syscall.SIGKILL)
	if f.pd.Events() != nil || f.slack.Messages() != nil {
		t.Fatal("something was delivered during the outage")
	}

	second := startChild(t, bin, "second", childEnv(), "--config", cfg)
	waitFor(t, "the restarted process to try again", 30*time.Second, func() bool {
		return strings.Contains(second.output(), "resuming undelivered notifications")
	}, nil, second)
	f.pd.Up()
	f.slack.Up()
	waitFor(t, "every trigger delivered", 60*time.Second, func() bool { return f.delivered(false) }, f.summary, second)
	f.recover(t)
	waitFor(t, "every resolve delivered", 60*time.Second, func() bool { return f.delivered(true) }, f.summary, second)
	time.Sleep(2 * time.Second) // nothing more comes
	f.checkExactlyOnce(t)
	if d := second.drops(); len(d) > 0 {
		t.Errorf("dropped: %v", d)
	}
	second.signal(syscall.SIGTERM)
	if b, _ := os.ReadFile(state + ".incidents"); len(outboxKeys(b)) != 0 {
		t.Errorf("the outbox is not empty after delivery: %s", b)
	}
}

var leaderRE = regexp.MustCompile(`(?m)^flinkslo_leader\{lease="flinkslo/flinkslo"\} 1$`)

func (c *child) leading() bool { return leaderRE.MatchString(scrape(c.addr)) }

// TestLeaderKilledDuringAnOutage runs two replicas electing a leader on a
// real API server's Lease, kills the leader with SIGKILL while PagerDuty
// and Slack answer 500, and lets them recover once the other replica has
// taken the Lease: it delivers the old leader's undelivered notifications,
// every incident exactly once, triggers first.
func TestLeaderKilledDuringAnOutage(t *testing.T) {
	s := kubetest.Start(t) // skips with -short
	s.InstallFlinkCRDs(t)
	s.ApplyKustomization(t, "../../deploy")
	bin := buildBinary(t)
	f := newNotifyFleet(t)
	dir := t.TempDir()
	kubeconfig := writeKubeconfig(t, dir, s.ServiceAccountConfig(t, "flinkslo", "flinkslo"))
	election := "kubernetes:\n  leaderElection: {enabled: true, leaseName: flinkslo, leaseDuration: 6s, renewDeadline: 4s, retryPeriod: 1s}\n"
	replica := func(name string) *child {
		cfg := filepath.Join(dir, name+".yaml")
		writeFile(t, cfg, f.config(filepath.Join(dir, name+"-state.json"), election))
		return startChild(t, bin, name, childEnv("POD_NAME="+name, "POD_NAMESPACE=flinkslo"), "--config", cfg, "--kubeconfig", kubeconfig)
	}
	f.pd.Down(pdfake.Fault{Status: 500})
	f.slack.Down(slackfake.Fault{Status: 500})

	a := replica("flinkslo-0")
	waitFor(t, "flinkslo-0 leading and scraping", 60*time.Second, func() bool { return a.leading() && a.watching() }, nil, a)
	b := replica("flinkslo-1")
	waitFor(t, "flinkslo-1 scraping", 60*time.Second, b.watching, nil, b)
	if b.leading() {
		t.Fatal("two leaders")
	}
	f.fail(t)
	admin := kubernetes.NewForConfigOrDie(s.AdminConfig())
	leaseState := func() []byte {
		l, err := admin.CoordinationV1().Leases("flinkslo").Get(t.Context(), "flinkslo", metav1.GetOptions{})
		if err != nil {
			return nil
		}
		return []byte(l.Annotations[lease.StateAnnotation])
	}
	waitFor(t, "every incident undelivered in the Lease, and attempted", 60*time.Second, func() bool {
		return allPending(leaseState()) && f.pd.Requests() >= 3 && f.slack.Requests() >= 6
	}, nil, a, b)
	a.signal(syscall.SIGKILL)

	waitFor(t, "flinkslo-1 to take the Lease and resume", 60*time.Second, func() bool {
		return b.leading() && strings.Contains(b.output(), "resuming undelivered notifications")
	}, nil, b)
	if f.pd.Events() != nil || f.slack.Messages() != nil {
		t.Fatal("something was delivered during the outage")
	}
	f.pd.Up()
	f.slack.Up()
	waitFor(t, "every trigger delivered", 60*time.Second, func() bool { return f.delivered(false) }, f.summary, b)
	f.recover(t)
	waitFor(t, "every resolve delivered", 60*time.Second, func() bool { return f.delivered(true) }, f.summary, b)
	time.Sleep(2 * time.Second)
	f.checkExactlyOnce(t)
	if d := b.drops(); len(d) > 0 {
		t.Errorf("dropped: %v", d)
	}
}
