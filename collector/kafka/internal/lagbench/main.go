// Command lagbench measures the Kafka lag collector against a fake cluster
// holding a known fleet (kafkafake.LagFleet), as scripts/bench-kafka.sh
// runs it. It is one binary in three roles, each its own process so that
// one's memory and CPU do not count as another's:
//
//   - broker: a kfake cluster loaded with the fleet; advances it a round
//     at a time on request.
//   - exporter: the collector (kafka.New) polling that cluster on request
//     and serving /metrics through client_golang, as flinkslo does; it
//     reports each poll's wall time, CPU time and resident memory.
//   - driver (the default): starts the other two, then polls, scrapes and
//     checks every series against the fleet's truth, round after round.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() { os.Exit(run()) }

func run() int {
	role := flag.String("role", "driver", "broker, exporter or driver")
	var b brokerFlags
	var e exporterFlags
	var d driverFlags
	b.register(flag.CommandLine)
	e.register(flag.CommandLine)
	d.register(flag.CommandLine)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch *role {
	case "broker":
		err = runBroker(ctx, b)
	case "exporter":
		err = runExporter(ctx, e)
	case "driver":
		err = runDriver(ctx, d, b, e)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lagbench:", err)
		return 1
	}
	return 0
}
