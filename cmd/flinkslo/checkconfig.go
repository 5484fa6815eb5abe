package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/alecthomas/kingpin/v2"

	"github.com/flinkslo/flinkslo/internal/cli"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/internal/config"
)

type checkConfigCmd struct{ file string }

func (c *checkConfigCmd) Register(app *kingpin.Application, e *cli.Env) *kingpin.CmdClause {
	cmd := app.Command("check-config", "Validate a configuration file and exit: 0 when flinkslo run would start with it, given the secrets it names. Warns about each secret or file it cannot read here.")
	cmd.Arg("file", "Configuration file.").Required().StringVar(&c.file)
	return cmd
}

// run refuses what `flinkslo run` refuses whatever its environment: what
// config.Load and Config.Runnable reject, and rules files that do not
// compile. What depends on the environment — a secret, certificate or
// rules file this machine cannot read — is a warning naming it: run may
// well have it where it runs.
func (c *checkConfigCmd) Run(_ context.Context, e *cli.Env) error {
	cfg, err := config.Load(c.file)
	if err != nil {
		return err
	}
	warnings := append(cfg.Warnings(), cfg.CheckEnvironment(e.Getenv)...)
	for _, w := range warnings {
		fmt.Fprintf(e.Stdout, "warning: %s\n", w)
	}
	errs := []error{cfg.Runnable()}
	// The rules files check-config can read must compile as run compiles
	// them; one it cannot read is among the warnings above.
	readable := func(path string) ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil // an empty rules file
		}
		return b, nil
	}
	if _, err := classify.New(cfg.Classify, classify.WithReadFile(readable)); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("config %s: %w", c.file, err)
	}
	summary := fmt.Sprintf("%d static targets, kubernetes discovery %s", len(cfg.Targets), onOff(cfg.Kubernetes != nil))
	if n := len(warnings); n > 0 {
		summary += fmt.Sprintf(", %d warnings", n)
	}
	_, err = fmt.Fprintf(e.Stdout, "%s: OK (%s)\n", c.file, summary)
	return err
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
