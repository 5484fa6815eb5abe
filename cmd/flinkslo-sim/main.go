// Command flinkslo-sim runs flinkslo against simulated Flink fleets: demo
// (a self-contained fleet with Kafka, the real exporter, classifier and
// router, and a story of failures and recoveries) and fleet (thousands of
// simulated JobManagers for benchmarks and trials). It is kept apart from
// flinkslo so that the production binary and image carry no fakes.
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

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	app := cli.App{
		Name: "flinkslo-sim",
		Help: "flinkslo against simulated Flink fleets: the demo, and fleets of simulated JobManagers.",
		// The demo serves on loopback: it is a trial, not a service.
		DefaultListen: "127.0.0.1:9731",
		Commands:      []cli.Command{&demoCmd{}, &fleetCmd{}},
	}
	return app.Main(ctx, args, stdin, stdout, stderr, getenv)
}
