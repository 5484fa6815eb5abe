package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/daemon"
	"github.com/flinkslo/flinkslo/internal/flinkfake"
	"github.com/flinkslo/flinkslo/internal/pdfake"
)

// BenchmarkTimeToPage measures, per op, the time from a failure entering a
// JobManager's exception history to its PagerDuty trigger arriving at a
// local Events API endpoint: the daemon's parts as `flinkslo run` wires
// them (scrape loop, classifier, router with its state file and outbox,
// PagerDuty sink), against flinkfake and pdfake, in real time. Each op
// fails another job at a random point of the scrape cycle. Target: one
// scrape interval + 2 s. Run it with -benchtime 10x (each op takes up to
// a scrape interval).
func BenchmarkTimeToPage(b *testing.B) {
	const interval = 5 * time.Second
	const jobs = 40
	var specs []flinkfake.JobSpec
	for i := range jobs {
		specs = append(specs, flinkfake.JobSpec{Name: fmt.Sprintf("job-%02d", i), Failure: flinkfake.PlatformBug})
	}
	jm := flinkfake.New(flinkfake.Options{Cluster: "orders", Jobs: specs})
	srv := httptest.NewServer(jm)
	defer srv.Close()
	pd := pdfake.New()
	defer pd.Close()
	cfg, err := config.Parse(fmt.Appendf(nil, `scrapeInterval: %s
scrapeTimeout: 2s
stateFile: %s
targets:
  - {name: orders, namespace: orders, team: orders, url: %q}
alerting:
  page: {pagerduty: {routingKeyEnv: PD_KEY}}
  pagerduty: {eventsURL: %q}
`, interval, filepath.Join(b.TempDir(), "state.json"), srv.URL, pd.URL()))
	if err != nil {
		b.Fatal(err)
	}
	vars := map[string]string{"PD_KEY": childRoutingKey}
	p, err := daemon.Build(cfg, daemon.Options{Log: slog.New(slog.DiscardHandler), Getenv: func(k string) string { return vars[k] }})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); runParts(ctx, p) }()
	defer func() { cancel(); <-done }()
	for p.Store.Load() == nil {
		time.Sleep(10 * time.Millisecond)
	}

	var lat []float64
	i := 0
	for b.Loop() {
		if i == jobs {
			b.Fatalf("only %d jobs to fail: use -benchtime %dx or less", jobs, jobs)
		}
		b.StopTimer()
		time.Sleep(time.Duration(rand.Int64N(int64(interval)))) // anywhere in the scrape cycle
		b.StartTimer()
		name := specs[i].Name
		failed := time.Now()
		if err := jm.SetJobScenario(name, flinkfake.Failed, flinkfake.PlatformBug); err != nil {
			b.Fatal(err)
		}
		var got time.Time
		for deadline := failed.Add(2 * time.Minute); got.IsZero() && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			for _, ev := range pd.Events() {
				if ev.Action == "trigger" && strings.Contains(ev.DedupKey, "/"+name+"/") {
					got = ev.Received
				}
			}
		}
		if got.IsZero() {
			b.Fatalf("%s was never paged", name)
		}
		lat = append(lat, got.Sub(failed).Seconds())
		i++
	}
	sort.Float64s(lat)
	b.ReportMetric(lat[len(lat)/2], "p50-s")
	b.ReportMetric(lat[len(lat)-1], "max-s")
	b.ReportMetric((interval + 2*time.Second).Seconds(), "target-s")
}
