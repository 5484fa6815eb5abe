// Command flinkslo watches a fleet of Apache Flink jobs: it scrapes every
// JobManager, computes health and checkpoint-progress signals, exports them
// to Prometheus and Datadog, and routes classified failures to the people
// who must act. main only wires: flags, config, logger, parts, exit code.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
)

// version is set at build time (-ldflags -X main.version=...).
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// env is what a command reads of its surroundings; tests pass their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	logCfg         *promslog.Config
	web            webFlags
}

// webFlags follow the Prometheus exporter conventions.
type webFlags struct {
	listen    string
	telemetry string
}

func (e *env) logger() *slog.Logger {
	c := *e.logCfg
	c.Writer = e.stderr
	return promslog.New(&c)
}

// jsonOutput reports whether --log.format=json was given, which also
// switches console notifications to JSON lines.
func (e *env) jsonOutput() bool {
	return e.logCfg.Format != nil && e.logCfg.Format.String() == "json"
}

// command is one subcommand: it registers its flags and runs.
type command interface {
	register(app *kingpin.Application, e *env) *kingpin.CmdClause
	run(ctx context.Context, e *env) error
}

// run parses args and runs the command until it ends or ctx does (main's
// ctx ends on SIGINT or SIGTERM). It returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	app := kingpin.New("flinkslo", "Health, checkpoint progress and failure routing for fleets of Apache Flink jobs.")
	app.UsageWriter(stderr).ErrorWriter(stderr).Terminate(nil)
	app.HelpFlag.Short('h')
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, logCfg: &promslog.Config{}}
	promslogflag.AddFlags(app, e.logCfg)
	app.Flag("web.listen-address", "Address on which to expose metrics and health endpoints.").Default(":9731").StringVar(&e.web.listen)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&e.web.telemetry)

	cmds := map[string]command{}
	for _, c := range []command{&runCmd{}, &demoCmd{}, &checkConfigCmd{}, &versionCmd{}, &classifyCmd{}, &fleetCmd{}, &rulesCmd{}} {
		cmds[c.register(app, e).FullCommand()] = c
	}
	name, err := app.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "flinkslo: %v\n", err)
		return 2
	}
	c, ok := cmds[name]
	if !ok {
		// --help or --version was handled by kingpin.
		return 0
	}
	if err := c.run(ctx, e); err != nil {
		fmt.Fprintf(stderr, "flinkslo %s: %v\n", name, err)
		return 1
	}
	return 0
}
