package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"
)

// buildInfo is flinkslo_build_info: client_golang's version collector with
// the build date beside it, which that collector leaves out and a fleet
// upgrade is often checked by.
func buildInfo() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "flinkslo_build_info",
		Help: "A metric with a constant '1' value labeled by version, revision, branch, build_date, goversion, goos, goarch and tags from which flinkslo was built.",
		ConstLabels: prometheus.Labels{
			"version": version.Version, "revision": version.GetRevision(), "branch": version.Branch,
			"build_date": version.BuildDate, "goversion": version.GoVersion,
			"goos": version.GoOS, "goarch": version.GoArch, "tags": version.GetTags(),
		},
	}, func() float64 { return 1 })
}
