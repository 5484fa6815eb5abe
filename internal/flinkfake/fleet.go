package flinkfake

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FleetOptions configures a Fleet.
type FleetOptions struct {
	// JobManagers is how many JobManagers to serve.
	JobManagers int
	// Mix weighs the scenarios handed out; default DefaultMix(). The
	// counts follow the weights exactly (largest remainder), spread over
	// the fleet by Seed.
	Mix Mix
	// Versions are handed out round robin; default every version.
	Versions []Version
	// JobsPerJobManager is how many jobs each JobManager runs (a session
	// cluster when more than one); default 1. A job scenario applies to the
	// first job, the others are healthy; a transport scenario to the whole
	// JobManager.
	JobsPerJobManager int
	// Seed varies names, teams, failure kinds and the scenario placement.
	Seed string
	// Template holds the remaining JobManager options (clock, timings,
	// Delay, FailureLabels, …); its Version, Cluster, Seed, Jobs and Uptime
	// are set per JobManager.
	Template Options
}

// Mix weighs scenarios; zero or missing weights are never handed out.
type Mix map[Scenario]float64

// DefaultMix is mostly healthy with some of every job-level problem and a
// little HTTP trouble, like a large real fleet on a bad day.
func DefaultMix() Mix {
	return Mix{
		Healthy: 88, RestartLoop: 3, CheckpointsStalled: 2, CheckpointsFailing: 2,
		Failed: 1, TasksNotRunning: 1, CheckpointingDisabled: 2, HTTP500: 1,
	}
}

// ParseMix reads "healthy=90,restart-loop=5,…".
func ParseMix(s string) (Mix, error) {
	m := Mix{}
	for part := range strings.SplitSeq(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("scenario mix %q: want name=weight", part)
		}
		sc, err := ParseScenario(name)
		if err != nil {
			return nil, fmt.Errorf("scenario mix: %w", err)
		}
		f, err := strconv.ParseFloat(w, 64)
		if err != nil || f < 0 {
			return nil, fmt.Errorf("scenario mix: weight of %s: %q is not a non-negative number", name, w)
		}
		m[sc] = f
	}
	return m, nil
}

// counts splits n JobManagers by weight, largest remainders first, in
// scenario order so the result is stable.
func (m Mix) counts(n int) []int {
	out := make([]int, len(scenarioNames))
	var total float64
	for _, w := range m {
		total += max(w, 0)
	}
	if total == 0 {
		out[Healthy] = n
		return out
	}
	type rem struct {
		s Scenario
		r float64
	}
	var rems []rem
	left := n
	for _, s := range Scenarios() {
		exact := max(m[s], 0) / total * float64(n)
		out[s] = int(exact)
		left -= out[s]
		rems = append(rems, rem{s, exact - float64(out[s])})
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.r > b.r:
			return -1
		case a.r < b.r:
			return 1
		}
		return 0
	})
	for i := 0; left > 0; i++ {
		out[rems[i%len(rems)].s]++
		left--
	}
	return out
}

// FleetTarget describes one JobManager of a fleet, as a flinkslo target.
type FleetTarget struct {
	Index     int
	Name      string // deployment name, also the cluster id and first job's name
	Namespace string
	Team      string
	Path      string // URL path prefix, e.g. /jm/0042
	Version   Version
	Scenario  Scenario
	Failure   FailureKind
}

// Fleet serves many JobManagers from one handler, JobManager i under the
// path prefix Path(i) (/jm/0042/overview). It is safe for concurrent use.
type Fleet struct {
	jms     []*JobManager
	targets []FleetTarget
	width   int
}

// deployments are (job name, team) pairs the fleet's names come from.
var deployments = [...][2]string{
	{"orders-enrichment", "checkout"}, {"payments-ledger", "payments"}, {"fraud-scoring", "risk"},
	{"clickstream-sessions", "growth"}, {"inventory-sync", "logistics"}, {"search-indexer", "search"},
	{"ad-attribution", "ads"}, {"shipment-tracker", "logistics"}, {"user-profiles", "identity"},
	{"audit-log", "security"}, {"price-alerts", "checkout"}, {"recommendations", "growth"},
}

// NewFleet builds the fleet; every JobManager's jobs have been running for
// between one and 48 hours.
func NewFleet(o FleetOptions) *Fleet {
	n := max(o.JobManagers, 0)
	if o.Mix == nil {
		o.Mix = DefaultMix()
	}
	if len(o.Versions) == 0 {
		o.Versions = Versions()
	}
	o.JobsPerJobManager = defaultInt(o.JobsPerJobManager, 1)
	f := &Fleet{width: max(4, len(strconv.Itoa(n-1)))}
	scenarios := placeScenarios(o.Mix, n, o.Seed)
	bufs := newBufPool()
	for i := range n {
		t := f.target(i, o, scenarios[i])
		jo := o.Template
		jo.Version, jo.Cluster, jo.Seed = t.Version, t.Name, o.Seed
		jo.Uptime = time.Hour + time.Duration(hash64(o.Seed, t.Name, "uptime")%47)*time.Hour
		first := JobSpec{Name: t.Name, Scenario: t.Scenario, Failure: t.Failure}
		if t.Scenario.transport() {
			first.Scenario = Healthy
		}
		jo.Jobs = []JobSpec{first}
		for k := 2; k <= o.JobsPerJobManager; k++ {
			jo.Jobs = append(jo.Jobs, JobSpec{Name: fmt.Sprintf("%s-job-%d", t.Name, k)})
		}
		jm := newJobManager(jo, bufs)
		if t.Scenario.transport() {
			jm.SetScenario(t.Scenario)
		}
		f.targets = append(f.targets, t)
		f.jms = append(f.jms, jm)
	}
	return f
}

func (f *Fleet) target(i int, o FleetOptions, s Scenario) FleetTarget {
	h := hash64(o.Seed, "jm", strconv.Itoa(i))
	d := deployments[h%uint64(len(deployments))]
	kinds := FailureKinds()
	return FleetTarget{
		Index: i, Name: fmt.Sprintf("%s-%0*d", d[0], f.width, i),
		Namespace: d[1], Team: d[1], Path: f.Path(i),
		Version: o.Versions[i%len(o.Versions)], Scenario: s,
		Failure: kinds[(h>>16)%uint64(len(kinds))],
	}
}

// placeScenarios hands out the mix's counts over n slots in an order
// shuffled by seed.
func placeScenarios(m Mix, n int, seed string) []Scenario {
	out := make([]Scenario, 0, n)
	for s, c := range m.counts(n) {
		for range c {
			out = append(out, Scenario(s))
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		ha, hb := hash64(seed, "place", strconv.Itoa(a)), hash64(seed, "place", strconv.Itoa(b))
		switch {
		case ha < hb:
			return -1
		case ha > hb:
			return 1
		}
		return a - b
	})
	placed := make([]Scenario, n)
	for k, i := range order {
		placed[i] = out[k]
	}
	return placed
}

// Len returns the number of JobManagers.
func (f *Fleet) Len() int { return len(f.jms) }

// JobManager returns JobManager i, to steer it at runtime.
func (f *Fleet) JobManager(i int) *JobManager { return f.jms[i] }

// Targets describes every JobManager.
func (f *Fleet) Targets() []FleetTarget { return slices.Clone(f.targets) }

// Path returns the URL path prefix of JobManager i.
func (f *Fleet) Path(i int) string { return fmt.Sprintf("/jm/%0*d", f.width, i) }

// ServeHTTP routes /jm/NNNN/… to JobManager NNNN.
func (f *Fleet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/jm/")
	if ok {
		num, path, _ := strings.Cut(rest, "/")
		if i, err := strconv.Atoi(num); err == nil && i >= 0 && i < len(f.jms) {
			f.jms[i].serve(w, r, "/"+path)
			return
		}
	}
	var b jw
	code := errNotFound(&b, r.URL.Path)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_, _ = w.Write(b.b)
}
