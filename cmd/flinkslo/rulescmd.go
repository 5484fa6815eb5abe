package main

import (
	"context"
	"fmt"
	"os"

	"github.com/alecthomas/kingpin/v2"

	"github.com/flinkslo/flinkslo/internal/cli"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/internal/config"
	"github.com/flinkslo/flinkslo/rules"
)

// rulesCmd writes the Prometheus recording and alerting rules for an
// objective other than the shipped default.
type rulesCmd struct {
	objective   string
	checkpoints string
	out         string
	runbook     string
	config      string
}

func (c *rulesCmd) Register(app *kingpin.Application, e *cli.Env) *kingpin.CmdClause {
	cmd := app.Command("rules", "Write the Prometheus recording and alerting rules (SLO burn rates and direct alerts).")
	cmd.Flag("objective", "Healthy-job objective, e.g. 99.5 or 99.5% (share of expected job-time healthy).").Default("99.5").StringVar(&c.objective)
	cmd.Flag("checkpoint-objective", "Also alert on the checkpoint-progress SLO with this objective (e.g. 99).").StringVar(&c.checkpoints)
	cmd.Flag("runbook-url", "Base URL of the runbook the alerts link to.").StringVar(&c.runbook)
	cmd.Flag("out", "File to write (default stdout).").StringVar(&c.out)
	cmd.Flag("config", "flinkslo config whose classify rules (classify.rulesFiles) the symptom alerts follow, as the router does (default: the built-in rules).").StringVar(&c.config)
	return cmd
}

func (c *rulesCmd) Run(_ context.Context, e *cli.Env) error {
	obj, err := rules.ParseObjective(c.objective)
	if err != nil {
		return fmt.Errorf("--objective: %w", err)
	}
	opts := rules.Options{Objective: obj, RunbookURL: c.runbook}
	if c.config != "" {
		cfg, err := config.Load(c.config)
		if err != nil {
			return err
		}
		cls, err := classify.New(cfg.Classify)
		if err != nil {
			return err
		}
		opts.Health = cls.HealthRules()
	}
	if c.checkpoints != "" {
		if opts.CheckpointObjective, err = rules.ParseObjective(c.checkpoints); err != nil {
			return fmt.Errorf("--checkpoint-objective: %w", err)
		}
	}
	b, err := rules.Generate(opts)
	if err != nil {
		return err
	}
	if c.out == "" {
		_, err = e.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(c.out, b, 0o644); err != nil {
		return fmt.Errorf("write rules: %w", err)
	}
	return nil
}
