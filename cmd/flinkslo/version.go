package main

import (
	"context"
	"fmt"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"

	"github.com/flinkslo/flinkslo/internal/cli"
)

type versionCmd struct{}

func (c *versionCmd) Register(app *kingpin.Application, e *cli.Env) *kingpin.CmdClause {
	return app.Command("version", "Print the version, as --version does.")
}

func (c *versionCmd) Run(_ context.Context, e *cli.Env) error {
	_, err := fmt.Fprintln(e.Stdout, version.Print("flinkslo"))
	return err
}
