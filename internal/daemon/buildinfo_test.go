package daemon

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/version"
)

// flinkslo_build_info says what was built, and when, as the Makefile's
// -ldflags (or the Go toolchain's VCS stamp) recorded it.
func TestBuildInfo(t *testing.T) {
	for _, v := range []*string{&version.Version, &version.Revision, &version.Branch, &version.BuildDate} {
		old := *v
		t.Cleanup(func() { *v = old })
	}
	version.Version, version.Revision, version.Branch, version.BuildDate = "1.2.3", "abc123", "main", "20261206-23:00:00"
	want := `# HELP flinkslo_build_info A metric with a constant '1' value labeled by version, revision, branch, build_date, goversion, goos, goarch and tags from which flinkslo was built.
# TYPE flinkslo_build_info gauge
flinkslo_build_info{branch="main",build_date="20261206-23:00:00",goarch="` + version.GoArch + `",goos="` + version.GoOS + `",goversion="` + version.GoVersion + `",revision="abc123",tags="unknown",version="1.2.3"} 1
`
	if err := testutil.CollectAndCompare(buildInfo(), strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
