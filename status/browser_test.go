package status

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds Debian's chromium (make test-deps installs it). A
// missing browser skips only under -short: otherwise the browser tests
// would pass without running.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FLINKSLO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if testing.Short() {
		t.Skip("chromium not installed (make test-deps installs it)")
	}
	t.Fatal("chromium not installed: run make test-deps (Debian package chromium), or set FLINKSLO_CHROMIUM")
	return ""
}

// browser is a headless Chromium with a tab, and every console message
// of warning or error level the pages wrote.
type browser struct {
	ctx  context.Context
	mu   sync.Mutex
	errs []string
	out  string // where screenshots go
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	// As the machine's probe runs it: no sandbox as root, and nothing that
	// reaches for the network on its own.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	b := &browser{ctx: bctx, out: screenshotDir(t)}
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")))
	msgs := chromedp.Console(bctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || m.Type == "warning" {
				b.mu.Lock()
				b.errs = append(b.errs, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m.Text))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// screenshotDir is $TEST_OUTPUT_DIR, or a folder in the temporary
// directory that outlives the test, for review.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("TEST_OUTPUT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "flinkslo-status-screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// noConsoleErrors fails the test on any error or warning the pages
// logged (a failed request, a script error, a CSP violation).
func (b *browser) noConsoleErrors(t *testing.T) {
	t.Helper()
	time.Sleep(100 * time.Millisecond) // let the last messages arrive
	b.mu.Lock()
	defer b.mu.Unlock()
	require.Empty(t, b.errs, "the browser console")
}

// shot saves a full-page screenshot as name.png; with -update, the
// README's pages also go to docs/.
func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	path := filepath.Join(b.out, name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
	if *update && readmeShots[name] {
		require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "status-"+name+".png"), png, 0o644))
	}
}

// readmeShots are the screenshots the README shows.
var readmeShots = map[string]bool{"fleet": true, "job": true, "team": true}

func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

func (b *browser) open(t *testing.T, url, ready string) {
	t.Helper()
	require.NoError(t, chromedp.Do(b.ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(ready))))
}

// tile is what the browser shows of a job on the fleet page.
type tile struct {
	Name       string `json:"name"`
	Health     string `json:"health"`
	Background string `json:"bg"`
	Visible    bool   `json:"visible"`
}

const tilesJS = `Array.from(document.querySelectorAll(".grid .tile")).map(t => ({
	name: t.dataset.name, health: t.dataset.health,
	bg: getComputedStyle(t).backgroundColor, visible: t.offsetParent !== null }))`

// changed tells the page that the select named name changed, as a
// person choosing an option does.
func changed(name string) chromedp.Action[chromedp.Void] {
	js := `document.querySelector('select[name="` + name + `"]').dispatchEvent(new Event("change", {bubbles: true}))`
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](js)(ctx, t)
		return err
	})
}

func visibleNames(ts []tile) []string {
	var out []string
	for _, t := range ts {
		if t.Visible {
			out = append(out, strings.Fields(t.Name)[0])
		}
	}
	return out
}

// TestBrowser drives the pages in a real headless Chromium, over a fleet
// that went through the demo's story: the fleet page shows every
// deployment in its colour with the right counts, filters work without a
// reload, a job page shows its reasons, classification, incident trail
// and timeline, the pages refresh and work on a phone, and nothing is
// logged to the console.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser over a simulated fleet")
	}
	g := newRig(t)
	b := newBrowser(t)
	g.story(t)
	mux := http.NewServeMux()
	// The live refresh every second, so that the test sees one.
	st := New(Options{Snapshots: g.store, History: g.hist, Incidents: g.router, Now: g.clock.Now, Links: g.status.o.Links, Refresh: time.Second})
	mux.Handle("/", st)
	for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	t.Run("fleet page: every deployment in its colour, and the counts", func(t *testing.T) {
		b.open(t, srv.URL+"/", ".groups")
		require.Equal(t, srv.URL+"/ui/", eval[string](t, b, "location.href"), "/ goes to the fleet page")
		tiles := eval[[]tile](t, b, tilesJS)
		require.Len(t, tiles, len(rigFleet), "one tile per job, the suspended deployment included")
		want := map[string]string{
			"supply/inventory-sync": "unhealthy", "logistics/shipment-tracker": "unhealthy", "risk/fraud-scoring": "unhealthy",
			"payments/payments-fraud": "healthy", "ads/ad-attribution": "healthy", "checkout/orders-enrichment": "healthy",
			"search/search-indexer": "healthy", "bi/quarterly-reports": "suspended",
		}
		colours := map[string]string{"healthy": "rgb(26, 127, 55)", "unhealthy": "rgb(207, 34, 46)", "suspended": "rgb(110, 119, 129)"}
		for _, tl := range tiles {
			dep := strings.Join(strings.Split(strings.Fields(tl.Name)[0], "/")[:2], "/")
			require.Equal(t, want[dep], tl.Health, dep)
			require.Equal(t, colours[tl.Health], tl.Background, "%s is drawn %s", dep, tl.Health)
			require.True(t, tl.Visible, dep)
		}
		counts := eval[map[string]string](t, b, `Object.fromEntries(Array.from(document.querySelectorAll("#totals [data-count]")).map(e => [e.dataset.count, e.textContent]))`)
		require.Equal(t, map[string]string{"expected": "7", "healthy": "4", "unhealthy": "3", "suspended": "1"}, counts)
		broken := eval[[]string](t, b, `Array.from(document.querySelectorAll("#broken tbody th")).map(e => e.textContent.trim())`)
		require.Equal(t, []string{"logistics/shipment-tracker", "supply/inventory-sync", "risk/fraud-scoring"}, broken, "pages first, then the team's")
		slo := eval[string](t, b, `document.querySelector('#teams tr[data-team="checkout"] .slo').textContent`)
		require.Equal(t, "100%", slo)
		b.shot(t, "fleet")
		b.noConsoleErrors(t)
	})

	t.Run("filters: by team and by search, without a reload", func(t *testing.T) {
		b.open(t, srv.URL+"/ui/", ".groups")
		marker := eval[bool](t, b, `window.notReloaded = true`)
		require.True(t, marker)
		require.NoError(t, chromedp.Do(b.ctx, chromedp.SetValue(chromedp.CSS(`select[name="team"]`), "risk"), changed("team")))
		require.Equal(t, []string{"risk/fraud-scoring/fraud-scoring"}, visibleNames(eval[[]tile](t, b, tilesJS)))
		require.Equal(t, "1", eval[string](t, b, `document.querySelector('#totals [data-count="unhealthy"]').textContent`))
		require.Equal(t, "0", eval[string](t, b, `document.querySelector('#totals [data-count="healthy"]').textContent`))
		require.Contains(t, eval[string](t, b, "location.search"), "team=risk", "the filter is in the URL, to share")
		require.True(t, eval[bool](t, b, "window.notReloaded === true"), "filtered in the page")
		b.shot(t, "fleet-team-risk")

		require.NoError(t, chromedp.Do(b.ctx, chromedp.SetValue(chromedp.CSS(`select[name="team"]`), ""), changed("team"),
			chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "fraud")))
		require.Eventually(t, func() bool {
			return len(visibleNames(eval[[]tile](t, b, tilesJS))) == 2
		}, 5*time.Second, 50*time.Millisecond, "payments-fraud and fraud-scoring")

		b.open(t, srv.URL+"/ui/?team=supply", ".groups")
		require.Equal(t, []string{"supply/inventory-sync/inventory-sync"}, visibleNames(eval[[]tile](t, b, tilesJS)), "a shared link filters on the server")
		b.noConsoleErrors(t)
	})

	t.Run("job page: reasons, classification, incident trail and timeline", func(t *testing.T) {
		b.open(t, srv.URL+"/ui/", ".groups")
		require.NoError(t, chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`#broken a[href*="inventory-sync"]`)), chromedp.WaitVisible(chromedp.CSS("svg.timeline"))))
		why := eval[string](t, b, `document.querySelector("#why").innerText`)
		for _, w := range []string{"checkpoints_stalled", "too_many_restarts", "checkpoint_storage_access_denied", "PAGE", "What to do", "bucket policy"} {
			require.Contains(t, why, w)
		}
		trail := eval[string](t, b, `document.querySelector("#job-incidents").innerText`)
		for _, w := range []string{"trigger", "pagerduty", "slack #flink-platform", "sent", "repeat"} {
			require.Contains(t, trail, w)
		}
		bands := eval[map[string]int](t, b, `({healthy: document.querySelectorAll("svg.timeline rect.band.healthy").length,
			unhealthy: document.querySelectorAll("svg.timeline rect.band.unhealthy").length,
			restarts: document.querySelectorAll("svg.timeline rect.restart").length})`)
		require.Positive(t, bands["healthy"], "healthy before the failure")
		require.Positive(t, bands["unhealthy"])
		require.Positive(t, bands["restarts"])
		width := eval[float64](t, b, `document.querySelector("svg.timeline").getBoundingClientRect().width`)
		require.Greater(t, width, 800.0, "the chart takes the page's width")
		links := eval[[]string](t, b, `Array.from(document.querySelectorAll(".links a")).map(a => a.textContent)`)
		require.Equal(t, []string{"Flink UI", "Runbook"}, links)
		b.shot(t, "job")

		b.open(t, srv.URL+"/ui/jobs/checkout/orders-enrichment/orders-enrichment", "svg.timeline")
		lag := eval[string](t, b, `document.querySelector("svg.timeline path.lag-records").getAttribute("d")`)
		require.Greater(t, strings.Count(lag, "L"), 10, "a line of Kafka lag")
		b.shot(t, "job-kafka")

		b.open(t, srv.URL+"/ui/jobs/risk/fraud-scoring/fraud-scoring", "svg.timeline")
		require.Contains(t, eval[string](t, b, `document.body.innerText`), "dropped: rejected", "a delivery that failed says so")
		b.noConsoleErrors(t)
	})

	t.Run("team and incidents pages", func(t *testing.T) {
		b.open(t, srv.URL+"/ui/teams/supply", "#team-sent")
		sent := eval[string](t, b, `document.querySelector("#team-sent").innerText`)
		require.Contains(t, sent, "pagerduty")
		b.shot(t, "team")
		b.open(t, srv.URL+"/ui/incidents", "#resolved")
		text := eval[string](t, b, `document.querySelector("main").innerText`)
		require.Contains(t, text, "kafka_topic_authorization", "the team's ACL error resolved")
		require.Contains(t, text, "tm_heartbeat_timeout")
		b.shot(t, "incidents")
		b.noConsoleErrors(t)
	})

	t.Run("live refresh", func(t *testing.T) {
		b.open(t, srv.URL+"/ui/", ".groups")
		require.Eventually(t, func() bool {
			return strings.HasPrefix(eval[string](t, b, `document.getElementById("refreshed").textContent`), "updated")
		}, 10*time.Second, 100*time.Millisecond)
		require.Len(t, eval[[]tile](t, b, tilesJS), len(rigFleet), "the grid is still whole")
		b.noConsoleErrors(t)
	})

	t.Run("keyboard: the first Tab reaches the skip link", func(t *testing.T) {
		b.open(t, srv.URL+"/ui/", ".groups")
		require.NoError(t, chromedp.Do(b.ctx, chromedp.KeyEvent(kb.Tab)))
		require.Equal(t, "skip", eval[string](t, b, `document.activeElement.className`))
		require.NoError(t, chromedp.Do(b.ctx, chromedp.KeyEvent(kb.Enter)))
		require.Equal(t, "#main", eval[string](t, b, "location.hash"))
	})

	t.Run("phone", func(t *testing.T) {
		require.NoError(t, chromedp.Do(b.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)))
		for _, p := range []string{"/ui/", "/ui/jobs/supply/inventory-sync/inventory-sync"} {
			b.open(t, srv.URL+p, "main")
			overflow := eval[float64](t, b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`)
			require.LessOrEqual(t, overflow, 0.0, "%s scrolls sideways on a phone", p)
		}
		b.open(t, srv.URL+"/ui/", ".groups")
		b.shot(t, "fleet-phone")
		require.NoError(t, chromedp.Do(b.ctx, chromedp.EmulateReset()))
		b.noConsoleErrors(t)
	})
}

// TestBrowserLargeFleet loads the fleet page of 5,000 jobs in Chromium
// and filters it by team, and logs how long each took in the browser (the
// figures of docs/benchmarks.md; tests do not assert times). It checks
// that the filter leaves the team's jobs and that nothing is logged.
func TestBrowserLargeFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 jobs in a browser")
	}
	h := bigFleet(t, 5000, 1)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	b := newBrowser(t)
	start := time.Now()
	b.open(t, srv.URL+"/ui/", ".groups")
	loaded := time.Since(start)
	require.Len(t, eval[[]tile](t, b, tilesJS), 5000)
	took := eval[float64](t, b, `(() => {
		const s = document.querySelector('select[name="team"]');
		s.value = "team-07";
		const t0 = performance.now();
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return performance.now() - t0; })()`)
	visible := eval[int](t, b, `document.querySelectorAll(".grid .tile:not([hidden])").length`)
	require.Equal(t, 5000/40, visible, "one team's jobs")
	t.Logf("5,000 jobs: page loaded and shown in %s; filtered by team in %.0f ms", loaded.Round(time.Millisecond), took)
	b.noConsoleErrors(t)
}
