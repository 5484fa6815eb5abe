package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // profiles of the exporter under load, on loopback
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flinkslo/flinkslo/collector/kafka"
	"github.com/flinkslo/flinkslo/export/promexport"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

type exporterFlags struct {
	brokers      string
	timeLag      string
	perPartition bool
	groupsBy     string
	pollInterval time.Duration
	memLimit     int64
	gogc         int
}

func (e *exporterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&e.brokers, "brokers", "", "seed brokers, comma-separated (exporter role)")
	fs.StringVar(&e.timeLag, "timelag", "auto", "kafka.timeLag")
	fs.BoolVar(&e.perPartition, "per-partition", false, "kafka.perPartitionMetrics")
	fs.StringVar(&e.groupsBy, "groups-by", "targets", "targets (SetGroups with every group) or allow (kafka.groups.allow)")
	fs.Int64Var(&e.memLimit, "memlimit", 0, "the exporter's soft memory limit in MiB (runtime/debug.SetMemoryLimit, as GOMEMLIMIT; 0: none)")
	fs.IntVar(&e.gogc, "gogc", 75, "the exporter's GOGC, flinkslo run's --runtime.gogc default (the GOGC environment variable wins, as there)")
	fs.DurationVar(&e.pollInterval, "interval", 10*time.Second, "kafka.pollInterval: the pace of polls (the driver waits this long between them; 0: back to back)")
}

// pollStats is what the exporter reports after a poll or a scrape.
type pollStats struct {
	WallS     float64 `json:"wall_s"`
	CPUS      float64 `json:"cpu_s"`
	RSS       int64   `json:"rss"`
	HWM       int64   `json:"hwm"`
	HeapAlloc uint64  `json:"heap_alloc"`
	HeapSys   uint64  `json:"heap_sys"`
	NumGC     uint32  `json:"num_gc"`
	Allocated uint64  `json:"allocated"`
	Err       string  `json:"err,omitempty"`
	// BrokerCPUS is the kfake process's CPU over the poll (driver side).
	BrokerCPUS float64 `json:"-"`
	// Bytes is the size of a scrape's body (driver side).
	Bytes int64 `json:"-"`
}

type exporter struct {
	c          *kafka.Collector
	reg        *prometheus.Registry
	mu         sync.Mutex // one poll or scrape at a time, so CPU is attributed
	lastAlloc  uint64
	lastScrape pollStats
}

func runExporter(ctx context.Context, f exporterFlags) error {
	if f.memLimit > 0 {
		debug.SetMemoryLimit(f.memLimit << 20)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(f.gogc)
	}
	cfg := config.Kafka{
		Brokers:             strings.Split(f.brokers, ","),
		PollInterval:        config.Duration(max(f.pollInterval, time.Second)),
		RequestTimeout:      config.Duration(30 * time.Second),
		EvaluationWindow:    config.Duration(10 * time.Minute),
		PerPartitionMetrics: f.perPartition,
		TimeLag:             f.timeLag,
	}
	if f.groupsBy == "allow" {
		cfg.Groups.Allow = []string{"^bench-"}
	}
	c, err := kafka.New(cfg, os.Getenv, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer c.Close()
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		return err
	}
	x := &exporter{c: c, reg: reg}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	http.HandleFunc("POST /groups", x.setGroups)
	http.HandleFunc("POST /poll", x.poll)
	http.Handle("GET /metrics", x.timed(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	// What flinkslo's /metrics serves: the Kafka series rendered from the
	// views into the cached exposition, once per poll (the first scrape
	// after a poll renders; the others copy).
	cached := promexport.NewExposition(promexport.NewExporter(fleet.NewStore()), prometheus.NewRegistry(), promexport.NewKafkaSource(c))
	http.Handle("GET /cached", x.timed(cached))
	http.Handle("GET /walk", x.timed(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_ = writeWalk(w, c.Views(), c.PerPartitionMetrics())
	})))
	http.HandleFunc("GET /view", func(w http.ResponseWriter, _ *http.Request) {
		x.mu.Lock()
		defer x.mu.Unlock()
		_ = writeView(w, c.Views())
	})
	http.HandleFunc("GET /scrape-stats", func(w http.ResponseWriter, _ *http.Request) {
		x.mu.Lock()
		defer x.mu.Unlock()
		x.reply(w, x.lastScrape)
	})
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Println(ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// setGroups names the groups the way targets do: n groups of the fleet.
func (x *exporter) setGroups(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var fl brokerFlags
	fl.groups = n
	names := make([]string, n)
	for g := range n {
		names[g] = fl.fleet().Group(g)
	}
	x.c.SetGroups(map[string][]string{"": names})
}

func (x *exporter) poll(w http.ResponseWriter, r *http.Request) {
	x.mu.Lock()
	defer x.mu.Unlock()
	cpu0, t0 := cpuTime(), time.Now()
	err := x.c.Poll(r.Context())
	x.reply(w, x.stats(time.Since(t0), cpuTime()-cpu0, err))
}

// timed serves h under the lock and keeps its CPU time for /stats.
func (x *exporter) timed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.mu.Lock()
		defer x.mu.Unlock()
		cpu0, t0 := cpuTime(), time.Now()
		h.ServeHTTP(w, r)
		x.lastScrape = x.stats(time.Since(t0), cpuTime()-cpu0, nil)
	})
}

func (x *exporter) stats(wall, cpu time.Duration, err error) pollStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, hwm := procStatus()
	st := pollStats{
		WallS: wall.Seconds(), CPUS: cpu.Seconds(), RSS: rss, HWM: hwm,
		HeapAlloc: ms.HeapAlloc, HeapSys: ms.HeapSys, NumGC: ms.NumGC, Allocated: ms.TotalAlloc - x.lastAlloc,
	}
	x.lastAlloc = ms.TotalAlloc
	if err != nil {
		st.Err = err.Error()
	}
	return st
}

func (x *exporter) reply(w http.ResponseWriter, st pollStats) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStatus reads the resident set and its peak from /proc (bytes).
func procStatus() (rss, hwm int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for l := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	return rss, hwm
}
