package flinkfake

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Flink release line ("1.20", "2.0"). It decides which fields
// each response carries, following the REST API stability snapshot of that
// line.
type Version string

// The release lines the fake speaks.
const (
	V1_15 Version = "1.15"
	V1_16 Version = "1.16"
	V1_17 Version = "1.17"
	V1_18 Version = "1.18"
	V1_19 Version = "1.19"
	V1_20 Version = "1.20"
	V2_0  Version = "2.0"
	V2_1  Version = "2.1"
	V2_2  Version = "2.2"
	V2_3  Version = "2.3"
)

// Versions returns every supported line, oldest first.
func Versions() []Version {
	return []Version{V1_15, V1_16, V1_17, V1_18, V1_19, V1_20, V2_0, V2_1, V2_2, V2_3}
}

// ParseVersion accepts a line ("1.19") or a full release ("1.19.2").
func ParseVersion(s string) (Version, error) {
	parts := strings.SplitN(strings.TrimPrefix(s, "v"), ".", 3)
	if len(parts) >= 2 {
		v := Version(parts[0] + "." + parts[1])
		for _, k := range Versions() {
			if v == k {
				return v, nil
			}
		}
	}
	return "", fmt.Errorf("flink version %q: want one of 1.15 … 2.3", s)
}

// atLeast reports whether v is line major.minor or later.
func (v Version) atLeast(major, minor int) bool {
	maj, min := v.parts()
	return maj > major || maj == major && minor <= min
}

func (v Version) parts() (int, int) {
	a, b, _ := strings.Cut(string(v), ".")
	maj, _ := strconv.Atoi(a)
	min, _ := strconv.Atoi(b)
	return maj, min
}

// Release is the flink-version string a JobManager of this line reports.
func (v Version) Release() string {
	switch v {
	case V1_15:
		return "1.15.4"
	case V1_16:
		return "1.16.3"
	case V1_17:
		return "1.17.2"
	case V1_18:
		return "1.18.1"
	case V1_19:
		return "1.19.2"
	case V1_20:
		return "1.20.1"
	case V2_0:
		return "2.0.0"
	case V2_1:
		return "2.1.1"
	case V2_2:
		return "2.2.0"
	}
	return string(v) + ".0"
}

// commit is the short flink-commit shown next to the version.
func (v Version) commit() string {
	h := hash64(string(v))
	return strconv.FormatUint(h, 16)[:7]
}

// Feature switches, named for what changed (see the research notes §2.14).
func (v Version) hasJobStatus() bool       { return v.atLeast(1, 16) } // GET /jobs/:jobid/status
func (v Version) hasBlocked() bool         { return v.atLeast(1, 16) } // taskmanagers-blocked, changelog fields
func (v Version) hasTaskManagerID() bool   { return v.atLeast(1, 17) } // exceptions taskManagerId
func (v Version) hasSavepointFormat() bool { return v.atLeast(1, 17) }
func (v Version) hasFailureLabels() bool   { return v.atLeast(1, 18) }
func (v Version) planIsObject() bool       { return v.atLeast(1, 18) }
func (v Version) hasEndpoint() bool        { return v.atLeast(1, 19) }
func (v Version) hasJobType() bool         { return v.atLeast(1, 20) } // job-type on /jobs/:jobid
func (v Version) isV2() bool               { return v.atLeast(2, 0) }  // legacy exception fields and location gone
func (v Version) hasFullRestarts() bool    { return !v.isV2() }
func (v Version) hasOverviewJobType() bool { return v.atLeast(2, 3) } // jobType/schedulerType on /jobs/overview
func (v Version) hasLastCompletedID() bool { return v.atLeast(1, 17) }
func (v Version) hasGCRates() bool         { return v.atLeast(1, 19) } // GarbageCollector.All, .TimeMsPerSecond (FLINK-33318)
func (v Version) hasSkew() bool            { return v.atLeast(1, 20) } // agg=skew
func (v Version) hasAssignedTasks() bool   { return v.atLeast(2, 3) }  // /taskmanagers assignedTasks
func (v Version) usesPekko() bool          { return v.atLeast(1, 18) }
func (v Version) fixedFullRestarts() bool  { return v.atLeast(1, 17) } // FLINK-30558
func (v Version) java17() bool             { return v.isV2() }
func (v Version) failoverPackage() string {
	if v.atLeast(1, 19) {
		return "org.apache.flink.runtime.executiongraph.failover"
	}
	return "org.apache.flink.runtime.executiongraph.failover.flip1"
}
