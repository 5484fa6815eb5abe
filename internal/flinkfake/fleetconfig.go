package flinkfake

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteConfig writes a flinkslo configuration watching every JobManager
// of the fleet served at baseURL (http://host:port): one target per
// JobManager with its name, namespace and team, and a Slack channel per
// team. It is a complete file config.Load accepts; add sections as needed.
func (f *Fleet) WriteConfig(w io.Writer, baseURL string) error {
	base := strings.TrimRight(baseURL, "/")
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# flinkslo targets for %d simulated JobManagers served by flinkfake at %s.\n", len(f.targets), base)
	fmt.Fprint(bw, "targets:\n")
	teams := map[string]bool{}
	for _, t := range f.targets {
		teams[t.Team] = true
		fmt.Fprintf(bw, "  - name: %s\n    namespace: %s\n    team: %s\n    url: %s%s\n", t.Name, t.Namespace, t.Team, base, t.Path)
	}
	if len(teams) > 0 {
		fmt.Fprint(bw, "teams:\n")
	}
	names := make([]string, 0, len(teams))
	for t := range teams {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		fmt.Fprintf(bw, "  %s:\n    slackChannel: \"#%s-alerts\"\n", t, t)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write fleet config: %w", err)
	}
	return nil
}
