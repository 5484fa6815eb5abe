// Command flinkslo watches a fleet of Apache Flink jobs: it scrapes every
// JobManager, computes health and checkpoint-progress signals, exports them
// to Prometheus and Datadog, and routes classified failures to the people
// who must act. main only wires: flags, config, logger, parts, exit code.
// The simulators (demo, fleet) are the separate command flinkslo-sim, so
// that this binary carries no fakes.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/flinkslo/flinkslo/internal/cli"
)

func main() {
	cli.FillVersion()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run runs flinkslo with args until it ends or ctx does, and returns its
// exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	app := cli.App{
		Name:          "flinkslo",
		Help:          "Health, checkpoint progress and failure routing for fleets of Apache Flink jobs.",
		DefaultListen: ":9731",
		Commands:      []cli.Command{&runCmd{}, &checkConfigCmd{}, &classifyCmd{}, &rulesCmd{}, &versionCmd{}},
	}
	return app.Main(ctx, args, stdin, stdout, stderr, getenv)
}
