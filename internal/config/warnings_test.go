package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWarnings(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"one JobManager, two targets (case and a trailing slash do not hide it)", `targets:
  - { name: a, url: "http://jm.shop.svc:8081" }
  - { name: b, url: "http://JM.shop.svc:8081/" }
  - { name: c, url: "http://jm.shop.svc:8081/other-cluster" }
`, []string{"line 3: targets[1].url: same JobManager as targets[0] (line 2): its jobs are scraped and reported twice, once per target"}},
		{"a team with no channel when notify posts to team channels", `targets:
  - { name: a, url: "http://a:8081", team: shop }
  - { name: b, url: "http://b:8081", team: shop, slackChannel: "#b" }
teams: { shop: {} }
alerting: { notify: { slack: {} }, slack: { tokenEnv: T } }
`, []string{`line 2: targets[0].team: team "shop" has no teams.shop.slackChannel: its notifications go to the monitor channel`}},
		{"notify to a fixed channel needs no team channel", `targets: [{ name: a, url: "http://a:8081", team: shop }]
teams: { shop: {} }
alerting: { notify: { slack: { channel: "#all" } }, slack: { tokenEnv: T } }
`, nil},
		{"Datadog events without a datadog section", "alerting: { monitor: { datadog: true } }\n",
			[]string{"line 1: alerting.monitor.datadog: no datadog section: no Datadog event is sent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range cfg.Warnings() {
				got = append(got, w.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
	full, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if w := full.Warnings(); len(w) > 0 {
		t.Errorf("full.yaml: got warnings %v, want none", w)
	}
}
