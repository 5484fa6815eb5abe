package rules

import (
	"fmt"
	"strings"
)

// sli is a time-based indicator: a 0/1 gauge per job whose average over a
// window is the share of the job's expected time that was good. Jobs that
// are not expected to run (suspended deployments) have no series and so
// count neither as good nor as expected.
type sli struct {
	slo    string // value of the `slo` label
	metric string // the exporter's 0/1 gauge
	bad    string // what the error ratio measures, for annotations
}

var (
	healthySLI    = sli{slo: "job_healthy", metric: "flinkslo_job_healthy", bad: "unhealthy job-time"}
	checkpointSLI = sli{slo: "checkpoints_progressing", metric: "flinkslo_job_checkpoints_progressing", bad: "job-time without checkpoint progress"}
)

// window is one SLI window. Only the shortest reads raw samples; each longer
// one adds up the recorded sums of a shorter window in non-overlapping
// tiles (a subquery stepping by the tile). That reads the recordings, one
// sample per rule evaluation, instead of every scrape: a 3d window at a 15s
// scrape is 17280 raw samples per job, its 1m recordings 4320 (measured on
// 200 jobs at a 30s scrape: 226 ms raw, 109 ms tiled, same ratio to 5
// digits). The price is lag: the newest tile ends at the last multiple of
// the tile length, so a window misses up to one tile of the most recent
// data. The windows the page tiers read (5m, 30m, 1h, 6h) are tiled by 5m;
// only the slow tier's 3d window, which needs hours of burning anyway, lags
// up to 30m.
type window struct {
	name string
	tile string // "" = from raw samples
}

var windows = []window{
	{name: "5m"},
	{name: "30m", tile: "5m"},
	{name: "1h", tile: "5m"},
	{name: "6h", tile: "5m"},
	{name: "3d", tile: "30m"},
}

// Recording rule names follow level:metric:operation. The job level keeps
// every job label; sum and count are the numerator and denominator of the
// ratio (samples healthy, samples expected) and are only meaningful as a
// pair: a tiled window counts the samples at tile edges twice, which
// cancels out in the ratio.
func (s sli) name(level, op, w string) string {
	return fmt.Sprintf("%s:%s:%s%s", level, s.metric, op, w)
}

// objectiveRecord names the series holding each SLO's objective, for
// dashboards computing the remaining error budget.
const objectiveRecord = "flinkslo:slo_objective:ratio"

// sliGroup records the SLI per job, per team and fleet-wide for every
// window. objective > 0 also records the SLO's objective.
func sliGroup(s sli, objective float64) Group {
	g := Group{Name: "flinkslo-sli-" + strings.ReplaceAll(s.slo, "_", "-")}
	for _, w := range windows {
		g.Rules = append(g.Rules, sliWindowRules(s, w)...)
	}
	if objective > 0 {
		g.Rules = append(g.Rules, Rule{
			Record: objectiveRecord,
			Expr:   fmt.Sprintf("vector(%s)", formatFloat(objective)),
			Labels: map[string]string{"slo": s.slo},
		})
	}
	return g
}

func sliWindowRules(s sli, w window) []Rule {
	sum, count := s.name("job", "sum", w.name), s.name("job", "count", w.name)
	sumExpr := fmt.Sprintf("sum_over_time(%s[%s])", s.metric, w.name)
	countExpr := fmt.Sprintf("count_over_time(%s[%s])", s.metric, w.name)
	if w.tile != "" {
		sumExpr = fmt.Sprintf("sum_over_time(%s[%s:%s])", s.name("job", "sum", w.tile), w.name, w.tile)
		countExpr = fmt.Sprintf("sum_over_time(%s[%s:%s])", s.name("job", "count", w.tile), w.name, w.tile)
	}
	return []Rule{
		{Record: sum, Expr: sumExpr},
		{Record: count, Expr: countExpr},
		{Record: s.name("job", "ratio", w.name), Expr: fmt.Sprintf("%s / %s", sum, count)},
		// Weighting by samples, not averaging the jobs' ratios, makes a job
		// that existed for part of the window count for that part only.
		{Record: s.name("team", "ratio", w.name), Expr: fmt.Sprintf("sum by (team) (%s) / sum by (team) (%s)", sum, count)},
		{Record: s.name("fleet", "ratio", w.name), Expr: fmt.Sprintf("sum(%s) / sum(%s)", sum, count)},
	}
}
