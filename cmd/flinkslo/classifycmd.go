package main

import (
	"context"

	"github.com/alecthomas/kingpin/v2"

	"github.com/flinkslo/flinkslo/internal/cli"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/internal/config"
)

type classifyCmd struct{ configFile string }

func (c *classifyCmd) Register(app *kingpin.Application, e *cli.Env) *kingpin.CmdClause {
	cmd := app.Command("classify", "Classify failures read on stdin: a whole GET /jobs/:jobid/exceptions body (every entry, root and concurrent), JSON Lines (one Flink exception-history entry, operator error or Kubernetes signal per line), or one plain-text stack trace. Writes one JSON result per failure, naming the entry and, when the rule looked at who owns the code, the culprit frame.")
	cmd.Flag("config", "Configuration file; only its classify section is used (a file holding only that section is fine).").StringVar(&c.configFile)
	return cmd
}

func (c *classifyCmd) Run(ctx context.Context, e *cli.Env) error {
	cfg := &config.Config{}
	if c.configFile != "" {
		var err error
		if cfg, err = config.Load(c.configFile); err != nil {
			return err
		}
	}
	cl, err := classify.New(cfg.Classify, classify.WithLogger(e.Logger()))
	if err != nil {
		return err
	}
	return classify.RunJSONL(ctx, e.Stdin, e.Stdout, cl)
}
