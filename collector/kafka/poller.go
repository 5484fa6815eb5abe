package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// staleCycles is how many poll intervals a partition's last measurement
// is carried while it cannot be read, before its lag becomes unknown.
const staleCycles = 3

// settings are shared by every cluster's poller.
type settings struct {
	window         time.Duration
	pollInterval   time.Duration
	requestTimeout time.Duration
	recordTimes    bool
	allow, deny    []*regexp.Regexp
	now            func() time.Time
}

func (s *settings) staleAfter() time.Duration { return staleCycles * s.pollInterval }

type tp struct {
	topic     string
	partition int32
}

type groupStatus struct {
	status Status
	since  time.Time
}

// poller polls one cluster. Cycles are serialised by mu, which guards the
// state carried between cycles; readers only load the published view.
type poller struct {
	name string
	kcl  *kgo.Client
	adm  *kadm.Client
	set  *settings
	log  *slog.Logger

	mu     sync.Mutex
	tables map[string]map[int32]*timeTable
	parts  map[string]map[tp]*partState
	status map[string]groupStatus
	listed []string

	failures   atomic.Uint64
	authFails  atomic.Uint64
	tableCount atomic.Int64
	view       atomic.Pointer[clusterView]
}

func newPoller(name string, kcl *kgo.Client, set *settings, log *slog.Logger) *poller {
	adm := kadm.NewClient(kcl)
	adm.SetTimeoutMillis(int32(set.requestTimeout.Milliseconds()))
	return &poller{
		name: name, kcl: kcl, adm: adm, set: set, log: log,
		tables: map[string]map[int32]*timeTable{},
		parts:  map[string]map[tp]*partState{},
		status: map[string]groupStatus{},
	}
}

// input is what one cycle read from the cluster.
type input struct {
	at      time.Time
	commits kadm.FetchOffsetsResponses
	ends    kadm.ListedOffsets
	topics  []string
	records map[tpOffset]batchTime
}

// poll runs one cycle and publishes its view. A cycle that cannot read the
// cluster at all publishes a down view: no group is reported rather than
// any reported as caught up.
func (p *poller) poll(ctx context.Context, wanted []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	began := time.Now()
	v := &clusterView{}
	if prev := p.view.Load(); prev != nil {
		v.lastSuccess = prev.lastSuccess
	}
	in, err := p.read(ctx, p.selectGroups(ctx, wanted))
	v.duration = time.Since(began)
	if err != nil && ctx.Err() != nil {
		// Shutting down is not the cluster's fault: keep the last view.
		return ctx.Err()
	}
	if err != nil {
		p.failures.Add(1)
		if authFailed(err) {
			p.authFails.Add(1)
		}
		v.err = fmt.Errorf("poll kafka cluster %s: %w", p.name, err)
		p.view.Store(v)
		return v.err
	}
	v.up, v.lastSuccess = true, in.at
	v.groups = p.measure(in)
	p.view.Store(v)
	return nil
}

// selectGroups is the groups the targets want plus, when allow patterns
// are configured, every listed consumer group they match and no deny
// pattern matches. A failed listing keeps the previous one.
func (p *poller) selectGroups(ctx context.Context, wanted []string) []string {
	if len(p.set.allow) == 0 {
		return wanted
	}
	lctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
	defer cancel()
	listed, err := p.adm.ListGroups(lctx)
	var se *kadm.ShardErrors
	if err != nil && (!errors.As(err, &se) || se.AllFailed) {
		p.log.Debug("list kafka groups failed; keeping the previous listing", "err", err)
	} else {
		p.listed = p.listed[:0]
		for _, g := range listed.Sorted() {
			if (g.ProtocolType == "" || g.ProtocolType == "consumer") && p.selected(g.Group) {
				p.listed = append(p.listed, g.Group)
			}
		}
	}
	out := slices.Concat(wanted, p.listed)
	slices.Sort(out)
	return slices.Compact(out)
}

func (p *poller) selected(group string) bool {
	match := func(res []*regexp.Regexp) bool {
		return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(group) })
	}
	return match(p.set.allow) && !match(p.set.deny)
}

// read fetches every group's committed offsets in one batched OffsetFetch
// per coordinator, then the end offsets of the union of their topics in
// one ListOffsets per leader: the whole cycle is a handful of requests
// however many groups there are. Committed offsets are read first, so lag
// can be overstated by what arrives in between but never negative.
func (p *poller) read(ctx context.Context, groups []string) (*input, error) {
	in := &input{}
	rctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
	defer cancel()
	if len(groups) == 0 {
		if err := p.kcl.Ping(rctx); err != nil {
			return nil, fmt.Errorf("ping brokers: %w", err)
		}
		in.at = p.set.now()
		return in, nil
	}
	in.commits = p.adm.FetchManyOffsets(rctx, groups...)
	if err := allGroupsFailed(in.commits, groups); err != nil {
		return nil, fmt.Errorf("fetch committed offsets of %d groups: %w", len(groups), err)
	}
	in.topics = committedTopics(in.commits)
	if len(in.topics) > 0 {
		ectx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
		defer cancel()
		ends, err := p.adm.ListEndOffsets(ectx, in.topics...)
		var se *kadm.ShardErrors
		if err != nil && (!errors.As(err, &se) || se.AllFailed) {
			return nil, fmt.Errorf("list end offsets of %d topics: %w", len(in.topics), err)
		}
		in.ends = ends
	}
	in.at = p.set.now()
	if p.set.recordTimes {
		in.records = p.recordTimes(ctx, in)
	}
	return in, nil
}

// allGroupsFailed returns an error when no group could be fetched: the
// cluster (or every coordinator) is unreachable. A group that does not
// exist is not a failure: it has no commits.
func allGroupsFailed(rs kadm.FetchOffsetsResponses, groups []string) error {
	var first error
	for _, g := range groups {
		r, ok := rs[g]
		switch {
		case !ok:
			first = cmp.Or(first, fmt.Errorf("group %s missing from response", g))
		case r.Err == nil || errors.Is(r.Err, kerr.GroupIDNotFound):
			return nil
		default:
			first = cmp.Or(first, r.Err)
		}
	}
	return first
}

func committedTopics(rs kadm.FetchOffsetsResponses) []string {
	var out []string
	for _, r := range rs {
		for t := range r.Fetched {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// groupFetchFailed: the group's offsets could not be read this cycle.
func groupFetchFailed(r kadm.FetchOffsetsResponse, ok bool) bool {
	return !ok || (r.Err != nil && !errors.Is(r.Err, kerr.GroupIDNotFound))
}
