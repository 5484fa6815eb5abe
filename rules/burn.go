package rules

import (
	"fmt"
	"math"
	"strings"
)

// sloPeriodDays is the SLO period the burn factors are computed for: a
// factor f spends the whole budget in sloPeriodDays / f days.
const sloPeriodDays = 30

// burnTier is one multi-window pair of the SRE workbook's table: the alert
// fires while the error ratio exceeds factor × budget over both windows.
// The long window makes it significant, the short one lets it resolve soon
// after the burning stops; neither needs a `for:`.
type burnTier struct {
	name        string
	factor      float64
	long, short string
	severity    string
	fleetRoute  string
}

var burnTiers = []burnTier{
	{name: "fast", factor: 14.4, long: "1h", short: "5m", severity: "critical", fleetRoute: "page"},
	{name: "medium", factor: 6, long: "6h", short: "30m", severity: "critical", fleetRoute: "page"},
	{name: "slow", factor: 1, long: "3d", short: "6h", severity: "warning", fleetRoute: "monitor"},
}

// burnScope is where the SLO is measured. The fleet-wide burn is the
// platform's: many jobs down at once is rarely one team's configuration, so
// it pages. A team's burn goes to the team (route notify) at every tier: a
// Prometheus rule cannot tell a team's own bug from a platform fault, the
// platform-side causes page through the fleet burn, the direct alerts and
// flinkslo's classifying router, and paging the platform for every team's
// broken jar is exactly what flinkslo exists to avoid.
type burnScope struct {
	alert string
	level string // recording rule level: fleet or team
	route func(burnTier) string
	who   string // subject of the annotations
}

var burnScopes = []burnScope{
	{alert: "FlinkFleetErrorBudgetBurn", level: "fleet", route: func(t burnTier) string { return t.fleetRoute }, who: "Flink jobs across the fleet"},
	{alert: "FlinkTeamErrorBudgetBurn", level: "team", route: func(burnTier) string { return "notify" }, who: `Flink jobs of team "{{ $labels.team }}"`},
}

// burnGroup alerts on the SLO's error budget for every scope and tier.
func burnGroup(opts Options, s sli, objective float64) Group {
	g := Group{Name: "flinkslo-slo-burn-" + strings.ReplaceAll(s.slo, "_", "-")}
	for _, sc := range burnScopes {
		for _, t := range burnTiers {
			g.Rules = append(g.Rules, burnRule(opts, s, objective, sc, t))
		}
	}
	return g
}

func burnRule(opts Options, s sli, objective float64, sc burnScope, t burnTier) Rule {
	budget := formatFloat(1 - objective)
	cond := func(w string) string {
		return fmt.Sprintf("(1 - %s) > (%s * %s)", s.name(sc.level, "ratio", w), formatFloat(t.factor), budget)
	}
	return Rule{
		Alert: sc.alert,
		Expr:  cond(t.long) + "\nand\n" + cond(t.short),
		Labels: map[string]string{
			"route":      sc.route(t),
			"alert_kind": KindSLO,
			"severity":   t.severity,
			"slo":        s.slo,
			"tier":       t.name,
		},
		Annotations: map[string]string{
			"summary": fmt.Sprintf("%s are burning the %s error budget of the %s SLO at over %s× the sustainable rate",
				sc.who, s.slo, formatPercent(objective), formatFloat(t.factor)),
			"description": fmt.Sprintf("More than %s of %s over both the last %s and the last %s. At this rate the %d-day error budget is spent in %s days.",
				formatPercent(t.factor*(1-objective)), s.bad, t.long, t.short, sloPeriodDays, formatFloat(math.Round(sloPeriodDays/t.factor*10)/10)),
			"runbook_url": runbookURL(opts, sc.alert),
		},
	}
}
