package cli

import (
	"runtime/debug"
	"time"

	"github.com/prometheus/common/version"
)

// FillVersion completes the build information of prometheus/common/version
// — what `--version`, `flinkslo version` and flinkslo_build_info show —
// from what the Go toolchain recorded, for a binary built without the
// Makefile's -ldflags (go run, go install): the module version, the VCS
// revision and commit time, and whether the tree was modified. Values set
// by -ldflags are kept. Only main calls it, once, before anything reads
// them.
func FillVersion() {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	set := func(dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
		}
	}
	var revision, modified, when string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		case "vcs.time":
			when = s.Value
		}
	}
	if modified == "true" && revision != "" {
		revision += "-dirty"
	}
	set(&version.Revision, revision)
	if t, err := time.Parse(time.RFC3339, when); err == nil {
		set(&version.BuildDate, t.UTC().Format("20060102-15:04:05"))
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		set(&version.Version, v)
	}
	set(&version.Version, "devel")
}
