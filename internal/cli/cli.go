// Package cli is what flinkslo's binaries share of the command line, the
// Prometheus exporter conventions: --web.listen-address,
// --web.telemetry-path, --log.level, --log.format, --help on every command
// (exit 0, nothing run), --version, and exit codes (0 done, 1 failed, 2
// bad usage). A command registers its flags and runs with an Env; only
// main reads the real process environment and signals.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
)

// Env is what a command reads of its surroundings; tests pass their own.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Web            Web

	logCfg *promslog.Config
}

// Web are the HTTP flags of the exporter conventions.
type Web struct {
	Listen    string
	Telemetry string
	// ConfigFile is the exporter-toolkit web configuration (TLS, basic
	// auth) that protects every path; "" serves plain HTTP to anyone.
	ConfigFile string
	// DisableUI turns the status pages and /api/v1/ off.
	DisableUI bool
	// EnablePprof serves Go's profiles under /debug/pprof/.
	EnablePprof bool
}

// Logger logs to stderr as --log.level and --log.format say.
func (e *Env) Logger() *slog.Logger {
	c := *e.logCfg
	c.Writer = e.Stderr
	return promslog.New(&c)
}

// JSON reports whether --log.format=json was given: then stdout is JSON
// lines only (console notifications, the demo's story), so that it pipes
// into jq.
func (e *Env) JSON() bool {
	return e.logCfg.Format != nil && e.logCfg.Format.String() == "json"
}

// Command is one subcommand: it registers its flags and runs.
type Command interface {
	Register(app *kingpin.Application, e *Env) *kingpin.CmdClause
	Run(ctx context.Context, e *Env) error
}

// App describes a binary: its name, what it does, the default listen
// address, and its commands.
type App struct {
	Name, Help    string
	DefaultListen string
	Commands      []Command
}

// exit is how kingpin's Terminate unwinds Parse: --help and --version
// print and end the program with their code, without running a command.
type exit int

// Main parses args and runs the command until it ends or ctx does (main's
// ctx ends on SIGINT or SIGTERM). It returns the exit code.
func (a App) Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	app := kingpin.New(a.Name, a.Help)
	app.UsageWriter(stdout).ErrorWriter(stderr)
	app.Terminate(func(c int) { panic(exit(c)) })
	app.HelpFlag.Short('h')
	app.Version(version.Print(a.Name))
	app.VersionFlag.Short('v')
	e := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv, logCfg: &promslog.Config{}}
	promslogflag.AddFlags(app, e.logCfg)
	app.Flag("web.listen-address", "Address on which to expose metrics, health endpoints and the status page.").Default(a.DefaultListen).StringVar(&e.Web.Listen)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&e.Web.Telemetry)
	app.Flag("web.config.file", "Path to the configuration file that can enable TLS or authentication of every path, /metrics included (the exporter-toolkit web configuration).").Default("").StringVar(&e.Web.ConfigFile)
	app.Flag("web.enable-pprof", "Serve Go's runtime profiles under /debug/pprof/ (to attach to a performance report; off by default).").BoolVar(&e.Web.EnablePprof)
	app.Flag("web.disable-ui", "Serve no status pages (/ui/) and no JSON API (/api/v1/).").BoolVar(&e.Web.DisableUI)
	cmds := map[string]Command{}
	for _, c := range a.Commands {
		cmds[c.Register(app, e).FullCommand()] = c
	}
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(exit)
			if !ok {
				panic(r)
			}
			code = int(c)
		}
	}()
	name, err := app.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s%v (see %s --help)\n", a.Name, flagOf(args, err), err, a.Name)
		return 2
	}
	if err := e.Web.check(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", a.Name, err)
		return 2
	}
	if err := cmds[name].Run(ctx, e); err != nil {
		fmt.Fprintf(stderr, "%s %s: %v\n", a.Name, name, err)
		return 1
	}
	return 0
}

// flagOf names the flag whose value err is about ("--shard.count: "), for
// kingpin's value errors, which say what the value is not but not whose
// it is; "" when no flag's value appears in the error.
func flagOf(args []string, err error) string {
	msg := err.Error()
	for i, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok && i+1 < len(args) {
			value = args[i+1]
		}
		if !strings.HasPrefix(name, "--") || value == "" || strings.Contains(msg, name) {
			continue
		}
		if regexp.MustCompile(`(^|\W)` + regexp.QuoteMeta(value) + `(\W|$)`).MatchString(msg) {
			return name + ": "
		}
	}
	return ""
}

// check refuses a telemetry path the HTTP server could not serve, or one
// that would hide the health endpoints.
func (w Web) check() error {
	p := w.Telemetry
	switch {
	case !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " \t{}"):
		return fmt.Errorf("--web.telemetry-path %q: want an absolute URL path such as /metrics", p)
	case p == "/" || p == "/healthz" || p == "/readyz" || strings.HasPrefix(p, "/-/") || strings.HasPrefix(p, "/api/"):
		return fmt.Errorf("--web.telemetry-path %q: taken by flinkslo's own pages; choose another path such as /metrics", p)
	}
	return nil
}
