package flinkfake

import (
	"testing"
	"time"

	"github.com/flinkslo/flinkslo/classify"
	"github.com/flinkslo/flinkslo/fleet"
	"github.com/flinkslo/flinkslo/internal/config"
)

// TestFailureKindsRouteAsIntended feeds each failure kind's exception, as
// every version renders it, to the real classifier: the fake's traces are
// only useful if they route like the failures they imitate.
func TestFailureKindsRouteAsIntended(t *testing.T) {
	cfg, err := config.Parse([]byte("classify:\n  platformStorage: [\"s3://plat-state-\", \"s3a://plat-state-\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := classify.New(cfg.Classify)
	if err != nil {
		t.Fatal(err)
	}
	want := map[FailureKind]fleet.Route{
		UserConfig: fleet.Notify, PlatformBug: fleet.Page, Transient: fleet.Monitor,
		CheckpointStorage: fleet.Page, CoordinatorFailure: fleet.Page, UserCode: fleet.Notify,
	}
	for _, v := range Versions() {
		for k, route := range want {
			for _, final := range []bool{false, true} {
				j := newJob(t, v, k)
				e := j.entry(1, t0.UnixMilli(), final)
				r := route
				if final && r == fleet.Monitor {
					r = fleet.Page // a transient cause that ended the job pages
				}
				in := fleet.Evidence{Source: fleet.SourceFlinkREST, ExceptionName: e.name, Stacktrace: e.trace, TaskName: e.task, Timestamp: time.UnixMilli(e.at)}
				if got := c.Classify(in); got.Route != r {
					t.Errorf("%s %s (final %v): routed %s (%s, rule %s), want %s", v, k, final, got.Route, got.Category, got.Rule, r)
				}
			}
		}
	}
}
