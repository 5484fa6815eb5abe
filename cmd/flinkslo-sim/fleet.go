package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/flinkslo/flinkslo/internal/cli"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// fleetCmd serves N simulated JobManagers from one port, each under its own
// path prefix (as behind an ingress), for benchmarks and trials.
type fleetCmd struct {
	n           int
	listen      string
	mix         string
	jobs        int
	seed        string
	printConfig bool
	cpInterval  time.Duration
}

func (c *fleetCmd) Register(app *kingpin.Application, e *cli.Env) *kingpin.CmdClause {
	cmd := app.Command("fleet", "Serve N simulated Flink JobManagers under /jm/NNNN on one port.")
	cmd.Flag("jobmanagers", "How many JobManagers.").Default("500").IntVar(&c.n)
	cmd.Flag("listen", "Address to serve on.").Default("127.0.0.1:18080").StringVar(&c.listen)
	cmd.Flag("mix", "Scenario weights, e.g. healthy=90,restart-loop=5,http-500=5 (default: mostly healthy, a bit of everything).").StringVar(&c.mix)
	cmd.Flag("jobs-per-jobmanager", "Jobs per JobManager (more than 1: session clusters).").Default("1").IntVar(&c.jobs)
	cmd.Flag("seed", "Varies names, teams and scenario placement.").Default("flinkslo").StringVar(&c.seed)
	cmd.Flag("checkpoint-interval", "How often every job checkpoints (the fake compresses time: 10s by default; production jobs often use 1m or more).").Default("10s").DurationVar(&c.cpInterval)
	cmd.Flag("print-config", "Print a matching flinkslo config to stdout, then serve.").BoolVar(&c.printConfig)
	return cmd
}

func (c *fleetCmd) Run(ctx context.Context, e *cli.Env) error {
	if c.n < 1 {
		return errors.New("--jobmanagers must be at least 1")
	}
	if c.cpInterval <= 0 {
		return errors.New("--checkpoint-interval must be positive")
	}
	opts := flinkfake.FleetOptions{JobManagers: c.n, JobsPerJobManager: c.jobs, Seed: c.seed,
		Template: flinkfake.Options{CheckpointInterval: c.cpInterval}}
	if c.mix != "" {
		m, err := flinkfake.ParseMix(c.mix)
		if err != nil {
			return err
		}
		opts.Mix = m
	}
	fleet := flinkfake.NewFleet(opts)
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.listen, err)
	}
	base := "http://" + ln.Addr().String()
	if c.printConfig {
		if err := fleet.WriteConfig(e.Stdout, base); err != nil {
			return err
		}
	}
	log := e.Logger()
	log.Info("fleet serving", "jobmanagers", fleet.Len(), "url", base+strings.TrimSuffix(fleet.Path(0), "0")+"…")
	srv := &http.Server{Handler: fleet, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve fleet: %w", err)
	}
	return nil
}
