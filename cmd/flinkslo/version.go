package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/alecthomas/kingpin/v2"
)

type versionCmd struct{}

func (c *versionCmd) register(app *kingpin.Application, e *env) *kingpin.CmdClause {
	return app.Command("version", "Print the version.")
}

func (c *versionCmd) run(_ context.Context, e *env) error {
	_, err := fmt.Fprintf(e.stdout, "flinkslo %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
