package deploy

import (
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
}

// stage is a FROM and the instructions up to the next one.
type stage struct {
	from string
	body []instruction
}

// parseDockerfile splits a Dockerfile into its parser directives (# key=value
// lines before the first instruction) and stages, as BuildKit reads it:
// comments and blank lines dropped, backslash continuations joined (a
// comment inside a continuation is skipped, as BuildKit does).
func parseDockerfile(text string) (directives []string, stages []stage) {
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, stage{from: in.args})
			return
		}
		if len(stages) > 0 {
			stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
		}
	}
	inInstruction := false
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			if m := directive.FindStringSubmatch(trimmed); m != nil && !inInstruction && len(stages) == 0 {
				directives = append(directives, m[1])
			}
			continue
		}
		if body, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(body + " ")
			inInstruction = true
			continue
		}
		cur.WriteString(trimmed)
		inInstruction = false
		flush()
	}
	flush()
	return directives, stages
}

var (
	directive  = regexp.MustCompile(`^#\s*(\w+=\S+)$`)
	argRef     = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
	ldflagName = regexp.MustCompile(`-X ([A-Za-z0-9_./-]+)=`)
	buildArg   = regexp.MustCompile(`--build-arg ([A-Z_]+)=`)
)

// automaticArgs are the platform ARGs BuildKit sets (each must still be
// declared to be used in a stage's RUN, but FROM may use BUILDPLATFORM).
var automaticArgs = []string{"BUILDPLATFORM", "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDOS", "BUILDARCH"}

func declaredArgs(s stage) []string {
	var out []string
	for _, in := range s.body {
		if in.cmd != "ARG" {
			continue
		}
		for _, a := range strings.Fields(in.args) {
			name, _, _ := strings.Cut(a, "=")
			out = append(out, name)
		}
	}
	return out
}

// TestDockerfile checks what `make image` relies on and a user sees in the
// image: BuildKit syntax for cache mounts, a build stage on the builder's
// platform that cross-compiles for TARGETOS/TARGETARCH, the module and
// build caches mounted, the same build info as `make build`, OCI labels, a
// non-root distroless runtime; and every ARG used is declared where used
// and passed by `make image`.
func TestDockerfile(t *testing.T) {
	directives, stages := parseDockerfile(readFile(t, "../Dockerfile"))
	if !slices.Contains(directives, "syntax=docker/dockerfile:1") {
		t.Errorf("directives %v: want syntax=docker/dockerfile:1 (RUN --mount needs it)", directives)
	}
	if len(stages) != 2 {
		t.Fatalf("%d stages, want a build stage and the runtime", len(stages))
	}
	build, runtime := stages[0], stages[1]
	if !strings.HasPrefix(build.from, "--platform=$BUILDPLATFORM ") {
		t.Errorf("build stage FROM %s: want --platform=$BUILDPLATFORM (cross-compile, no emulation)", build.from)
	}
	var goBuild string
	for _, in := range build.body {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			goBuild = in.args
		}
	}
	for _, want := range []string{
		"--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build",
		"GOOS=${TARGETOS}", "GOARCH=${TARGETARCH}", "CGO_ENABLED=0", "-trimpath",
	} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("the go build RUN lacks %s: %s", want, goBuild)
		}
	}
	if got, want := flagNames(ldflagName, goBuild), makeLDFlags(t); !slices.Equal(got, want) {
		t.Errorf("Dockerfile stamps %v, make build %v: the image must report the same build info", got, want)
	}
	for i, s := range stages {
		declared := declaredArgs(s)
		for _, in := range s.body {
			if in.cmd != "RUN" && in.cmd != "LABEL" {
				continue
			}
			for _, m := range argRef.FindAllStringSubmatch(in.args, -1) {
				if !slices.Contains(declared, m[1]) {
					t.Errorf("stage %d %s uses $%s, which no ARG of the stage declares (it would be empty)", i, in.cmd, m[1])
				}
			}
		}
	}
	var labels string
	for _, in := range runtime.body {
		if in.cmd == "LABEL" {
			labels += in.args + " "
		}
	}
	for _, want := range []string{
		`org.opencontainers.image.title=`, `org.opencontainers.image.source=`,
		`org.opencontainers.image.version="${VERSION}"`, `org.opencontainers.image.revision="${REVISION}"`,
		`org.opencontainers.image.created="${CREATED}"`,
	} {
		if !strings.Contains(labels, want) {
			t.Errorf("runtime LABELs lack %s", want)
		}
	}
	if !strings.HasPrefix(runtime.from, "gcr.io/distroless/static") || !slices.Contains(runtime.body, instruction{"USER", "65532:65532"}) {
		t.Errorf("runtime FROM %s: want distroless static as user 65532 (the manifests' runAsUser)", runtime.from)
	}

	// make image passes every ARG the Dockerfile declares, and no other.
	passed := flagNames(buildArg, makeImageCommand(t))
	var wanted []string
	for _, s := range stages {
		for _, a := range declaredArgs(s) {
			if !slices.Contains(automaticArgs, a) && !slices.Contains(wanted, a) {
				wanted = append(wanted, a)
			}
		}
	}
	slices.Sort(wanted)
	if !slices.Equal(passed, wanted) {
		t.Errorf("make image passes --build-arg %v, the Dockerfile declares %v", passed, wanted)
	}
}

func flagNames(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// makeLDFlags returns the -X symbols `make build` stamps (make -n prints
// the command with the variables expanded, building nothing).
func makeLDFlags(t *testing.T) []string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "make", "-s", "-n", "-C", "..", "build").Output()
	if err != nil {
		t.Fatalf("make -n build: %v", err)
	}
	names := flagNames(ldflagName, string(out))
	if !slices.Contains(names, "github.com/prometheus/common/version.Version") {
		t.Fatalf("make build stamps %v, want prometheus/common/version's fields", names)
	}
	return names
}

// makeImageCommand runs `make image` without docker: it must fail and say
// the command that would build the image.
func makeImageCommand(t *testing.T) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "make", "-s", "--no-print-directory", "-C", "..", "image", "DOCKER=/nonexistent/docker").CombinedOutput()
	if err == nil {
		t.Fatalf("make image without docker succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "buildx build") {
		t.Fatalf("make image without docker does not print the build command:\n%s", out)
	}
	return string(out)
}
