package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/fleet"
)

func TestDedupKey(t *testing.T) {
	k := Key{JobRef: fleet.JobRef{Namespace: "orders", Deployment: "enrich", Job: "enrich"}, Category: "platform_code_exception"}
	if got, want := k.DedupKey(), "flinkslo/orders/enrich/enrich/platform_code_exception"; got != want {
		t.Fatalf("DedupKey() = %q, want %q", got, want)
	}
	long := k
	long.Job = strings.Repeat("j", 300)
	d := long.DedupKey()
	if len(d) > 255 || !strings.HasPrefix(d, "flinkslo/sha256:") {
		t.Fatalf("DedupKey() of a long key = %q (%d chars), want a sha256 within 255", d, len(d))
	}
	if d != long.DedupKey() {
		t.Fatal("a hashed dedup key must be stable")
	}
	long.Job += "x"
	if long.DedupKey() == d {
		t.Fatal("different incidents share a dedup key")
	}
}

func TestHuman(t *testing.T) {
	cases := map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", 10 * time.Second: "10s", 5 * time.Minute: "5m",
		90 * time.Minute: "1h30m", 4 * time.Hour: "4h", 61 * time.Second: "1m1s", 1500 * time.Millisecond: "2s",
	}
	for d, want := range cases {
		if got := Human(d); got != want {
			t.Errorf("Human(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestWhat(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	base := Notification{Route: fleet.Page, Opened: t0, At: t0.Add(4 * time.Hour), Total: 9}
	cases := []struct {
		name string
		mod  func(*Notification)
		want string
	}{
		{"trigger", func(n *Notification) { n.Action = Trigger }, "job failed"},
		{"health trigger", func(n *Notification) {
			n.Action, n.Source, n.Health = Trigger, fleet.SourceHealth, []string{"not_running"}
		}, "job unhealthy: not_running"},
		{"escalation", func(n *Notification) { n.Action, n.EscalatedFrom = Trigger, fleet.Monitor }, "escalated from monitor to page"},
		{"one repeat", func(n *Notification) { n.Action, n.Count, n.Window = Repeat, 1, 5*time.Minute }, "1 more occurrence in the last 5m (9 since opened)"},
		{"remind", func(n *Notification) { n.Action = Remind }, "still open after 4h (9 occurrences)"},
		{"resolve", func(n *Notification) { n.Action = Resolve }, "healthy again; open for 4h (9 occurrences)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := base
			tc.mod(&n)
			if got := n.What(); got != tc.want {
				t.Fatalf("What() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRenderLink(t *testing.T) {
	d := LinkData{Deployment: "orders", Namespace: "prod", Job: "join a/b?c", JobID: "ab12", Category: "heap_oom", URL: "http://jm:8081/"}
	cases := []struct{ tmpl, want string }{
		{"", ""},
		{"https://runbooks/{category}", "https://runbooks/heap_oom"},
		{"{url}/#/job/{job_id}/overview", "http://jm:8081/#/job/ab12/overview"},
		{"https://ui/{namespace}/{deployment}?job={job}", "https://ui/prod/orders?job=join%20a%2Fb%3Fc"},
	}
	for _, tc := range cases {
		if got := RenderLink(tc.tmpl, d); got != tc.want {
			t.Errorf("RenderLink(%q) = %q, want %q", tc.tmpl, got, tc.want)
		}
	}
}

func FuzzRenderLink(f *testing.F) {
	f.Add("https://x/{job}", "a/b")
	f.Add("{url}", "../../etc")
	f.Fuzz(func(t *testing.T, tmpl, job string) {
		got := RenderLink("https://runbooks.example.com/{job}", LinkData{Job: job})
		if strings.ContainsAny(strings.TrimPrefix(got, "https://runbooks.example.com/"), "/?#") {
			t.Fatalf("job %q escaped its path segment: %q", job, got)
		}
		_ = RenderLink(tmpl, LinkData{Job: job})
	})
}
