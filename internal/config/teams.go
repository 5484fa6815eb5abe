package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// validateTeamRefs: a team a target names must be defined in teams, or
// its notifications would silently go to the monitor channel. Each
// undefined team is reported once, at its first target. Teams named by
// Kubernetes labels or annotations are only known at run time.
func (c *Config) validateTeamRefs(ck *checker) {
	names := make([]string, 0, len(c.Teams))
	for name := range c.Teams {
		names = append(names, name)
	}
	sort.Strings(names)
	first, refs := map[string]int{}, map[string]int{}
	var order []string
	for i, t := range c.Targets {
		if _, ok := c.Teams[t.Team]; ok || t.Team == "" || !labelValueRE.MatchString(t.Team) {
			continue
		}
		if refs[t.Team] == 0 {
			first[t.Team] = i
			order = append(order, t.Team)
		}
		refs[t.Team]++
	}
	for _, team := range order {
		msg := fmt.Sprintf("team %q is not defined in teams", team)
		if s := closest(team, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else if len(names) == 0 {
			msg += fmt.Sprintf(": add teams.%s with its slackChannel", team)
		} else {
			msg += fmt.Sprintf(" (defined: %s)", strings.Join(names, ", "))
		}
		if n := refs[team]; n > 1 {
			msg += fmt.Sprintf("; %d targets name it", n)
		}
		ck.fail("targets["+strconv.Itoa(first[team])+"].team", "%s", msg)
	}
}
