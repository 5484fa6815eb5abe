package main

import (
	"context"
	"errors"

	"github.com/alecthomas/kingpin/v2"
)

// Temporary: these commands are wired once their packages land.

type rulesCmd struct{}

func (c *rulesCmd) register(app *kingpin.Application, e *env) *kingpin.CmdClause {
	return app.Command("rules", "Write the Prometheus rules.")
}
func (c *rulesCmd) run(ctx context.Context, e *env) error { return errors.New("not yet") }
