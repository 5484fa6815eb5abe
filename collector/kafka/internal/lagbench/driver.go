package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

type driverFlags struct {
	sizes      string
	rounds     int
	checkEvery int
	csv        string
	gather     string
	gzip       bool
}

func (d *driverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.sizes, "sizes", "500x64", "groups×partitions to run, comma-separated, e.g. 500x64,5000x20")
	fs.IntVar(&d.rounds, "rounds", 6, "polls per size (the first connects and builds state)")
	fs.IntVar(&d.checkEvery, "check-every", 1, "scrape and check every this many rounds (always the first and the last)")
	fs.StringVar(&d.csv, "csv", "", "append every poll's figures to this CSV file (RSS over time)")
	fs.BoolVar(&d.gzip, "gzip", true, "the timed /metrics scrapes ask for gzip, as Prometheus does (the first after a poll then also compresses)")
	fs.StringVar(&d.gather, "gather", "every", "also scrape the collector through client_golang's Gather (what /metrics did before the cache): every (check round), last (round) or never; its garbage shows in RSS")
}

// child is a lagbench process in another role.
type child struct {
	cmd  *exec.Cmd
	line string // its first line on stdout
}

func start(ctx context.Context, args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%s: no ready line: %w", args[1], err)
	}
	return &child{cmd: cmd, line: strings.TrimSpace(line)}, nil
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

var client = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func call(ctx context.Context, method, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, b)
	}
	if into == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

func runDriver(ctx context.Context, d driverFlags, b brokerFlags, e exporterFlags) error {
	var csv io.Writer
	if d.csv != "" {
		f, err := os.OpenFile(d.csv, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		csv = f
		fmt.Fprintln(f, "groups,partitions,timelag,round,elapsed_s,poll_wall_s,poll_cpu_s,kfake_cpu_s,load1,rss_bytes,hwm_bytes,heap_alloc_bytes,allocated_bytes,num_gc")
	}
	fmt.Printf("| groups × partitions | timeLag | first poll (wall / CPU-s) | poll, median (wall / CPU-s) | Gather scrape, median (wall / CPU-s) | /metrics, first scrape after a poll (renders), median (wall / CPU-s) | /metrics, cached, median (wall / CPU-s) | RSS end / peak (MiB) | heap (MiB) | series | time lag (exact / absent / below / off) | check |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for s := range strings.SplitSeq(d.sizes, ",") {
		gs, ps, ok := strings.Cut(s, "x")
		g, err1 := strconv.Atoi(gs)
		p, err2 := strconv.Atoi(ps)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("size %q: want GROUPSxPARTITIONS", s)
		}
		b.groups, b.partitions = g, p
		b.baseMs = time.Now().UnixMilli()
		row, err := runSize(ctx, d, b, e, csv)
		if err != nil {
			return fmt.Errorf("size %s: %w", s, err)
		}
		fmt.Println(row)
	}
	return nil
}

func runSize(ctx context.Context, d driverFlags, b brokerFlags, e exporterFlags, csv io.Writer) (string, error) {
	bk, err := start(ctx, "-role", "broker", "-groups", strconv.Itoa(b.groups), "-partitions", strconv.Itoa(b.partitions),
		"-advance-every", strconv.Itoa(b.advanceEvery), "-base-ms", strconv.FormatInt(b.baseMs, 10))
	if err != nil {
		return "", err
	}
	defer bk.stop()
	var ready brokerReady
	if err := json.Unmarshal([]byte(bk.line), &ready); err != nil {
		return "", fmt.Errorf("broker ready line %q: %w", bk.line, err)
	}
	fmt.Fprintf(os.Stderr, "lagbench: %d×%d loaded in %.1fs\n", b.groups, b.partitions, ready.LoadS)
	ex, err := start(ctx, "-role", "exporter", "-brokers", strings.Join(ready.Brokers, ","), "-timelag", e.timeLag,
		"-per-partition="+strconv.FormatBool(e.perPartition), "-groups-by", e.groupsBy, "-interval", e.pollInterval.String(),
		"-memlimit", strconv.FormatInt(e.memLimit, 10), "-gogc", strconv.Itoa(e.gogc))
	if err != nil {
		return "", err
	}
	defer ex.stop()
	base := "http://" + ex.line
	fmt.Fprintf(os.Stderr, "lagbench: exporter at %s (/debug/pprof)\n", base)
	if e.groupsBy == "targets" {
		if err := call(ctx, http.MethodPost, fmt.Sprintf("%s/groups?n=%d", base, b.groups), nil); err != nil {
			return "", err
		}
	}
	f := b.fleet()
	rounds := min(d.rounds, f.MaxRounds())
	var polls, scrapes, walks, cached []pollStats
	var tally, firstTally timeTally
	var firstView, lastView viewTally
	var series int
	var failures []string
	began := time.Now()
	for r := range rounds {
		if r > 0 && b.advanceEvery > 0 {
			if err := call(ctx, http.MethodPost, fmt.Sprintf("http://%s/advance?round=%d", ready.Control, r), nil); err != nil {
				return "", err
			}
		}
		t0, k0 := time.Now(), procCPU(bk.cmd.Process.Pid)
		var st pollStats
		if err := call(ctx, http.MethodPost, base+"/poll", &st); err != nil {
			return "", err
		}
		st.BrokerCPUS = (procCPU(bk.cmd.Process.Pid) - k0).Seconds()
		if st.Err != "" {
			failures = append(failures, fmt.Sprintf("round %d: poll: %s", r, st.Err))
		}
		polls = append(polls, st)
		if csv != nil {
			fmt.Fprintf(csv, "%d,%d,%s,%d,%.1f,%.3f,%.3f,%.3f,%s,%d,%d,%d,%d,%d\n", b.groups, b.partitions, e.timeLag, r,
				time.Since(began).Seconds(), st.WallS, st.CPUS, st.BrokerCPUS, load1(), st.RSS, st.HWM, st.HeapAlloc, st.Allocated, st.NumGC)
		}
		if r == 0 || r == rounds-1 || r%max(d.checkEvery, 1) == 0 {
			sc, n, tt, errs, err := scrapeAndCheck(ctx, base, "/cached", d.gzip, f, r, e, true)
			if err != nil {
				return "", err
			}
			walks = append(walks, sc)
			// The check read it once more; a third scrape is timed
			// from the cache.
			cs, _, _, _, err := scrapeAndCheck(ctx, base, "/cached", d.gzip, f, r, e, false)
			if err != nil {
				return "", err
			}
			cached = append(cached, cs)
			series, tally = n, tt
			if r == 0 {
				firstTally = tt
			}
			if e.perPartition {
				vt, verrs, err := checkView(ctx, base, f, r, e, at(ctx, base))
				if err != nil {
					return "", err
				}
				if r == 0 {
					firstView = vt
				}
				lastView = vt
				errs = append(errs, verrs...)
			}
			if d.gather == "every" || d.gather == "last" && r == rounds-1 {
				// The Gather path is checked at the last round only: its
				// series are the same, and parsing them twice per round
				// would double the driver's time.
				sc, n, _, gerrs, err := scrapeAndCheck(ctx, base, "/metrics", false, f, r, e, r == rounds-1)
				if err != nil {
					return "", err
				}
				if r == rounds-1 && n != series {
					gerrs = append(gerrs, fmt.Sprintf("/metrics has %d series, the view walk %d", n, series))
				}
				scrapes = append(scrapes, sc)
				errs = append(errs, gerrs...)
			}
			for _, m := range errs {
				failures = append(failures, fmt.Sprintf("round %d: %s", r, m))
			}
		}
		if wait := e.pollInterval - time.Since(t0); wait > 0 && r < rounds-1 {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(wait):
			}
		}
	}
	for _, m := range failures {
		fmt.Fprintln(os.Stderr, "lagbench: check:", m)
	}
	fmt.Fprintf(os.Stderr, "lagbench: %d×%d %s: time lag series at the first poll: %d exact, %d absent, %d below the truth, %d above\n",
		b.groups, b.partitions, e.timeLag, firstTally.exact, firstTally.absent, firstTally.lowerBound, firstTally.off)
	if e.perPartition {
		for _, x := range []struct {
			when string
			vt   viewTally
		}{{"first", firstView}, {"last", lastView}} {
			fmt.Fprintf(os.Stderr, "lagbench: view at the %s check: %d exact, %d within their bound (largest %.1fs), %d lower bounds, %d unknown, %d outside\n",
				x.when, x.vt.exact, x.vt.bounded, x.vt.maxErr, x.vt.lowerBound, x.vt.unknown, x.vt.outside)
		}
	}
	verdict := "every series exact"
	if len(failures) > 0 {
		verdict = fmt.Sprintf("**%d failures**", len(failures))
	}
	first, last := polls[0], polls[len(polls)-1]
	steady := polls[min(1, len(polls)-1):]
	return fmt.Sprintf("| %d × %d (%s) | %s | %.2f s / %.2f | %s | %s | %s | %s | %.0f / %.0f | %.0f | %d | %d / %d / %d / %d | %s |",
		b.groups, b.partitions, count(b.groups*b.partitions), e.timeLag, first.WallS, first.CPUS,
		medians(steady), medians(scrapes), medians(walks), medians(cached), mib(last.RSS), mib(last.HWM), mib(int64(last.HeapAlloc)), series,
		tally.exact, tally.absent, tally.lowerBound, tally.off, verdict), nil
}

// scrapeAndCheck times one scrape of path (gzipped if gz), then, if
// check, scrapes it again, plain, and checks every series against the
// truth.
func scrapeAndCheck(ctx context.Context, base, path string, gz bool, f kafkafake.LagFleet, round int, e exporterFlags, check bool) (pollStats, int, timeTally, []string, error) {
	t0 := time.Now()
	size, err := fetch(ctx, base+path, gz)
	if err != nil {
		return pollStats{}, 0, timeTally{}, nil, err
	}
	wall := time.Since(t0)
	var st pollStats
	if err := call(ctx, http.MethodGet, base+"/scrape-stats", &st); err != nil {
		return pollStats{}, 0, timeTally{}, nil, err
	}
	st.WallS, st.Bytes = wall.Seconds(), size
	if !check {
		return st, 0, timeTally{}, nil, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return pollStats{}, 0, timeTally{}, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return pollStats{}, 0, timeTally{}, nil, err
	}
	defer resp.Body.Close()
	c := newChecker(f, round, e.timeLag, e.perPartition)
	if err := c.read(resp.Body); err != nil {
		return pollStats{}, 0, timeTally{}, nil, err
	}
	tt := c.finish()
	errs := c.errs
	for i := range errs {
		errs[i] = path + ": " + errs[i]
	}
	return st, c.lines, tt, errs, nil
}

// fetch GETs url, asking for gzip if gz, and returns how many bytes the
// body had (as sent).
func fetch(ctx context.Context, url string, gz bool) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.Copy(io.Discard, resp.Body)
}

// at is the poll time the exporter shows, for the view's truth.
func at(ctx context.Context, base string) float64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/cached", nil)
	if err != nil {
		return 0
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	c := &checker{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "flinkslo_kafka_last_scrape_success_timestamp_seconds{") {
			c.line(l)
			return c.at
		}
	}
	return 0
}

// checkView checks the view's time lags within their stated bounds.
func checkView(ctx context.Context, base string, f kafkafake.LagFleet, round int, e exporterFlags, at float64) (viewTally, []string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/view", nil)
	if err != nil {
		return viewTally{}, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return viewTally{}, nil, err
	}
	defer resp.Body.Close()
	c := newChecker(f, round, e.timeLag, false)
	c.at = at
	vt, err := c.checkView(resp.Body)
	errs := c.errs
	for i := range errs {
		errs[i] = "/view: " + errs[i]
	}
	return vt, errs, err
}
