package main

import (
	"context"
	"errors"

	"github.com/alecthomas/kingpin/v2"
)

// Temporary: these commands are wired once their packages land.

type demoCmd struct{}

func (c *demoCmd) register(app *kingpin.Application, e *env) *kingpin.CmdClause {
	return app.Command("demo", "Run a self-contained simulated fleet with the real exporter.")
}
func (c *demoCmd) run(ctx context.Context, e *env) error { return errors.New("not yet") }

type classifyCmd struct{}

func (c *classifyCmd) register(app *kingpin.Application, e *env) *kingpin.CmdClause {
	return app.Command("classify", "Classify failures read as JSON Lines on stdin.")
}
func (c *classifyCmd) run(ctx context.Context, e *env) error { return errors.New("not yet") }

type fleetCmd struct{}

func (c *fleetCmd) register(app *kingpin.Application, e *env) *kingpin.CmdClause {
	return app.Command("fleet", "Serve N simulated JobManagers.")
}
func (c *fleetCmd) run(ctx context.Context, e *env) error { return errors.New("not yet") }

type rulesCmd struct{}

func (c *rulesCmd) register(app *kingpin.Application, e *env) *kingpin.CmdClause {
	return app.Command("rules", "Write the Prometheus rules.")
}
func (c *rulesCmd) run(ctx context.Context, e *env) error { return errors.New("not yet") }
