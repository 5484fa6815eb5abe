package flinkfake

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flinkslo/flinkslo/internal/config"
)

func TestFleetConfigLoadsAndRoutes(t *testing.T) {
	clk := NewClock(t0)
	fl := NewFleet(FleetOptions{JobManagers: 120, Seed: "s1", Template: Options{Now: clk.Now}})
	var buf bytes.Buffer
	if err := fl.WriteConfig(&buf, "http://127.0.0.1:8081/"); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(buf.Bytes())
	if err != nil {
		t.Fatalf("config.Parse of the fleet config: %v\n%s", err, truncate(buf.String()))
	}
	if len(cfg.Targets) != 120 {
		t.Fatalf("%d targets, want 120", len(cfg.Targets))
	}
	for i, tg := range cfg.Targets {
		want := fl.Targets()[i]
		if tg.Name != want.Name || tg.Team != want.Team || tg.Namespace != want.Namespace {
			t.Errorf("target %d = %s/%s team %s, want %s/%s team %s", i, tg.Namespace, tg.Name, tg.Team, want.Namespace, want.Name, want.Team)
		}
		if cfg.Teams[tg.Team].SlackChannel == "" {
			t.Errorf("team %s has no Slack channel", tg.Team)
		}
		path := strings.TrimPrefix(tg.URL, "http://127.0.0.1:8081")
		var ov overviewJSON
		if code := get(t, fl, path+"/overview", &ov); code != 200 && want.Scenario != HTTP500 {
			t.Errorf("GET %s/overview = %d", path, code)
		}
		var cfgJSON struct {
			Version string `json:"flink-version"`
		}
		if want.Scenario != HTTP500 {
			get(t, fl, path+"/v1/config", &cfgJSON)
			if cfgJSON.Version != want.Version.Release() {
				t.Errorf("%s speaks %s, want %s", path, cfgJSON.Version, want.Version.Release())
			}
		}
	}
	for _, p := range []string{"/jm/0120/overview", "/jm/x/overview", "/overview", "/jm/-1/overview"} {
		var e errorsJSON
		if code := get(t, fl, p, &e); code != 404 || len(e.Errors) != 1 {
			t.Errorf("GET %s = %d %v, want a Flink 404", p, code, e.Errors)
		}
	}
}

func TestFleetMix(t *testing.T) {
	mix := Mix{Healthy: 90, RestartLoop: 5, HTTP500: 3, Failed: 2}
	fl := NewFleet(FleetOptions{JobManagers: 1000, Mix: mix, Template: Options{Now: NewClock(t0).Now}})
	got := map[Scenario]int{}
	for _, tg := range fl.Targets() {
		got[tg.Scenario]++
	}
	want := map[Scenario]int{Healthy: 900, RestartLoop: 50, HTTP500: 30, Failed: 20}
	for s, n := range want {
		if got[s] != n {
			t.Errorf("%s: %d JobManagers, want %d", s, got[s], n)
		}
	}
	for i, tg := range fl.Targets() {
		if tg.Scenario == HTTP500 {
			if code := get(t, fl, fl.Path(i)+"/overview", nil); code != 500 {
				t.Errorf("an http-500 JobManager answered /overview with %d", code)
			}
			break
		}
	}
	again := NewFleet(FleetOptions{JobManagers: 1000, Mix: mix, Template: Options{Now: NewClock(t0).Now}})
	for i, tg := range again.Targets() {
		if tg != fl.Targets()[i] {
			t.Fatalf("target %d differs between two fleets with the same seed: %+v vs %+v", i, tg, fl.Targets()[i])
		}
	}
	other := NewFleet(FleetOptions{JobManagers: 1000, Mix: mix, Seed: "other", Template: Options{Now: NewClock(t0).Now}})
	same := 0
	for i, tg := range other.Targets() {
		if tg.Scenario == fl.Targets()[i].Scenario && tg.Name == fl.Targets()[i].Name {
			same++
		}
	}
	if same == 1000 {
		t.Error("a different seed placed every scenario and name the same way")
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("healthy=90, restart-loop=7.5,http-500=2.5")
	if err != nil || m[Healthy] != 90 || m[RestartLoop] != 7.5 || m[HTTP500] != 2.5 {
		t.Errorf("ParseMix = %v, %v", m, err)
	}
	for _, bad := range []string{"healthy", "nope=1", "healthy=-1", "healthy=x"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q): want an error", bad)
		}
	}
	for _, s := range Scenarios() {
		if p, err := ParseScenario(s.String()); err != nil || p != s {
			t.Errorf("ParseScenario(%q) = %v, %v", s, p, err)
		}
	}
	for _, k := range FailureKinds() {
		if p, err := ParseFailureKind(k.String()); err != nil || p != k {
			t.Errorf("ParseFailureKind(%q) = %v, %v", k, p, err)
		}
	}
}
