package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"
	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/internal/cli"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/internal/daemon"
)

type runCmd struct {
	configFile string
	kubeconfig string
	shardIndex int
	shardCount int
	fromSts    bool
	dryRun     bool
	memLimit   bool
	memRatio   float64
	gogc       int
}

func (c *runCmd) Register(app *kingpin.Application, e *cli.Env) *kingpin.CmdClause {
	cmd := app.Command("run", "Run the exporter daemon. SIGHUP or POST /-/reload re-reads the config.")
	cmd.Flag("config", "Configuration file (YAML).").Required().StringVar(&c.configFile)
	cmd.Flag("kubeconfig", "Kubeconfig for discovery outside a cluster (default $KUBECONFIG, then ~/.kube/config, then the in-cluster config).").StringVar(&c.kubeconfig)
	cmd.Flag("shard.index", "This replica's shard, 0-based (a StatefulSet ordinal works).").Default("0").IntVar(&c.shardIndex)
	cmd.Flag("shard.count", "Number of shards the targets are split into.").Default("1").IntVar(&c.shardCount)
	cmd.Flag("shard.from-statefulset", "Take the shard from this pod's StatefulSet: the ordinal of $POD_NAME as the index, the set's replicas as the count, re-sharding when it is scaled.").BoolVar(&c.fromSts)
	cmd.Flag("alerting.dry-run", "Send no notifications: print what would be sent.").BoolVar(&c.dryRun)
	cmd.Flag("auto-gomemlimit", "Set the Go runtime's soft memory limit (GOMEMLIMIT) from the container's memory limit, as Prometheus does, so that the heap is collected harder before the kernel kills the pod; nothing without a cgroup limit or with GOMEMLIMIT set.").Default("true").BoolVar(&c.memLimit)
	cmd.Flag("auto-gomemlimit.ratio", "Share of the container's memory limit to set as the soft memory limit, in (0, 1].").Default("0.9").Float64Var(&c.memRatio)
	cmd.Flag("runtime.gogc", "The Go garbage collector's GOGC (heap growth in percent over the live heap before a collection), as Prometheus sets it; the GOGC environment variable, when set, wins. Lower costs CPU and saves memory.").Default(strconv.Itoa(defaultGOGC)).IntVar(&c.gogc)
	return cmd
}

// defaultGOGC is Prometheus's since 2.53: the state flinkslo keeps
// (per-job memory, status-page history, per-partition lag state) is
// mostly pointer-free, so collecting at 75% growth instead of the
// runtime's 100% costs little CPU and keeps the resident set, about the
// heap goal, an eighth smaller (docs/benchmarks.md).
const defaultGOGC = 75

func (c *runCmd) Run(ctx context.Context, e *cli.Env) error {
	if c.fromSts && (c.shardIndex != 0 || c.shardCount != 1) {
		return errors.New("--shard.from-statefulset reads the shard from the StatefulSet: drop --shard.index and --shard.count")
	}
	if c.shardCount < 1 || c.shardIndex < 0 || c.shardIndex >= c.shardCount {
		return fmt.Errorf("--shard.index %d is not in [0, --shard.count %d)", c.shardIndex, c.shardCount)
	}
	if c.memRatio <= 0 || c.memRatio > 1 {
		return fmt.Errorf("--auto-gomemlimit.ratio %v is not in (0, 1]", c.memRatio)
	}
	if c.gogc < 1 {
		return fmt.Errorf("--runtime.gogc %d is not a positive percentage", c.gogc)
	}
	cfg, err := config.Load(c.configFile)
	if err != nil {
		return err
	}
	if err := cfg.Runnable(); err != nil {
		return err
	}
	log := e.Logger()
	if e.Getenv("GOGC") == "" {
		debug.SetGCPercent(c.gogc)
	}
	if c.memLimit {
		// The memory limit of a StatefulSet's pod (512Mi in deploy/) is
		// where a large fleet's heap must stay: without a soft limit the
		// collector lets it grow to twice the live heap first.
		if _, err := memlimit.Set(memlimit.WithRatio(c.memRatio), memlimit.WithLogger(log.With("component", "automemlimit"))); err != nil {
			log.Warn("could not set GOMEMLIMIT from the container's memory limit", "err", err)
		}
	}
	opts := daemon.Options{
		Log: log, Getenv: e.Getenv, Console: e.Stdout, JSON: e.JSON(), Kubeconfig: c.kubeconfig,
		ShardIndex: c.shardIndex, ShardCount: c.shardCount, ShardFromStatefulSet: c.fromSts, DryRun: c.dryRun, Version: version.Version, DisableUI: e.Web.DisableUI,
	}
	d, err := daemon.Build(cfg, opts)
	if err != nil {
		return err
	}
	// A SIGHUP and a POST /-/reload may come at once: one reload at a time.
	var mu sync.Mutex
	reload := func() error {
		mu.Lock()
		defer mu.Unlock()
		return d.Reload(c.configFile, opts)
	}
	srv, err := daemon.NewServer(e.Web.Listen, daemon.Endpoints{
		Telemetry: e.Web.Telemetry, Metrics: d.Metrics(), Ready: d.Ready, Reload: reload,
		Status: d.Status(e.Web.Telemetry), WebConfigFile: e.Web.ConfigFile, Pprof: e.Web.EnablePprof,
	}, log)
	if err != nil {
		return err
	}
	log.Info("flinkslo started", "version", version.Version, "revision", version.GetRevision(), "listen", srv.Addr(),
		"static_targets", len(cfg.Targets), "kubernetes", cfg.Kubernetes != nil, "shard", fmt.Sprintf("%d/%d", c.shardIndex, c.shardCount))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Run(gctx) })
	g.Go(func() error { return reloadOnHUP(gctx, reload) })
	d.Start(gctx, g)
	err = g.Wait()
	d.Close()
	log.Info("flinkslo stopped")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// reloadOnHUP reloads the configuration on SIGHUP; a failed reload keeps
// the running configuration (the daemon logs why).
func reloadOnHUP(ctx context.Context, reload func() error) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			_ = reload()
		}
	}
}
