package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/alecthomas/kingpin/v2"
	"golang.org/x/sync/errgroup"

	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

type runCmd struct {
	configFile string
	kubeconfig string
	shardIndex int
	shardCount int
	dryRun     bool
}

func (c *runCmd) register(app *kingpin.Application, e *env) *kingpin.CmdClause {
	cmd := app.Command("run", "Run the exporter daemon.")
	cmd.Flag("config", "Configuration file (YAML).").Required().StringVar(&c.configFile)
	cmd.Flag("kubeconfig", "Kubeconfig for discovery outside a cluster (default $KUBECONFIG, then ~/.kube/config, then the in-cluster config).").StringVar(&c.kubeconfig)
	cmd.Flag("shard.index", "This replica's shard, 0-based (a StatefulSet ordinal works).").Default("0").IntVar(&c.shardIndex)
	cmd.Flag("shard.count", "Number of shards the targets are split into.").Default("1").IntVar(&c.shardCount)
	cmd.Flag("alerting.dry-run", "Send no notifications: print what would be sent.").BoolVar(&c.dryRun)
	return cmd
}

func (c *runCmd) run(ctx context.Context, e *env) error {
	cfg, err := config.Load(c.configFile)
	if err != nil {
		return err
	}
	if err := cfg.Runnable(); err != nil {
		return err
	}
	if c.shardCount < 1 || c.shardIndex < 0 || c.shardIndex >= c.shardCount {
		return fmt.Errorf("--shard.index %d is not in [0, --shard.count %d)", c.shardIndex, c.shardCount)
	}
	log := e.logger()
	static := &reloadable{}
	static.set(collector.StaticTargets(cfg))
	p, err := build(e, cfg, buildOptions{
		log: log, static: static, kubeconfig: c.kubeconfig,
		shardIndex: c.shardIndex, shardCount: c.shardCount, dryRun: c.dryRun,
	})
	if err != nil {
		return err
	}
	srv, err := newServer(e.web.listen, e.web.telemetry, exposition(p), p.ready, log)
	if err != nil {
		return err
	}
	log.Info("flinkslo started", "version", version, "listen", srv.addr(), "static_targets", len(cfg.Targets),
		"kubernetes", cfg.Kubernetes != nil, "shard", fmt.Sprintf("%d/%d", c.shardIndex, c.shardCount))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Run(gctx) })
	g.Go(func() error { return reloadOnHUP(gctx, c.configFile, static, log) })
	p.start(g, gctx)
	err = g.Wait()
	p.close()
	log.Info("flinkslo stopped")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// reloadable is the static target list, replaced on SIGHUP.
type reloadable struct {
	v atomic.Pointer[[]fleet.Target]
}

func (r *reloadable) set(ts []fleet.Target) { r.v.Store(&ts) }

// Targets returns the current list.
func (r *reloadable) Targets() []fleet.Target { return *r.v.Load() }

// reloadOnHUP re-reads the static targets on SIGHUP. A config that no
// longer loads keeps the running one and says why.
func reloadOnHUP(ctx context.Context, path string, r *reloadable, log *slog.Logger) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
		}
		cfg, err := config.Load(path)
		if err != nil {
			log.Error("config reload failed, keeping the running targets", "err", err)
			continue
		}
		r.set(collector.StaticTargets(cfg))
		log.Info("config reloaded: static targets replaced (other settings apply after a restart)", "static_targets", len(cfg.Targets))
	}
}
