package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// staleCycles is how many poll intervals a partition's last measurement
// is carried while it cannot be read, before its lag becomes unknown.
const staleCycles = 3

// timeLagMode is kafka.timeLag.
type timeLagMode uint8

const (
	timeLagAuto timeLagMode = iota
	timeLagInterpolate
	timeLagRecord
)

// settings are shared by every cluster's poller.
type settings struct {
	window         time.Duration
	pollInterval   time.Duration
	requestTimeout time.Duration
	timeLag        timeLagMode
	// readsPerPoll bounds timeLag auto's record reads (autoReadsPerPoll).
	readsPerPoll int
	// partitions keeps every partition's row in the views
	// (kafka.perPartitionMetrics).
	partitions  bool
	allow, deny []*regexp.Regexp
	// owner, when set, keeps only the pattern-selected groups it owns.
	owner func(group string) bool
	now   func() time.Time
	// seq numbers the views of every cluster.
	seq *atomic.Uint64
}

func (s *settings) staleAfter() time.Duration { return staleCycles * s.pollInterval }

// poller polls one cluster. Cycles are serialised by mu, which guards the
// state carried between cycles; readers only load the published view.
type poller struct {
	name string
	kcl  *kgo.Client
	adm  *kadm.Client
	set  *settings
	log  *slog.Logger

	mu sync.Mutex
	// seq numbers this poller's polls; state touched at a poll carries it.
	seq    uint32
	groups map[string]*groupState
	order  []*groupState // this poll's groups, sorted by name
	topics map[string]*topicState
	hist   histories
	reads  readSlab
	// tableSlab holds the topics' offset→time tables.
	tableSlab tableSlab
	scratch   []fleet.PartitionLag
	// work divides ListOffsets between leaders, reused across polls.
	work map[int32]*leaderWork
	// first and wide collect timeLag auto's reads, reused across polls.
	first, wide []readWant
	listed      []string
	tables      int
	// idNames names topics by ID, for OffsetFetch v10 answers.
	idNames map[[16]byte]string
	// metaNext rotates Metadata requests over the brokers.
	metaNext int

	errMu   sync.Mutex // lastErr is set from the requests' goroutines
	lastErr error

	failures  atomic.Uint64
	authFails atomic.Uint64
	view      atomic.Pointer[fleet.LagView]
}

func newPoller(name string, kcl *kgo.Client, set *settings, log *slog.Logger) *poller {
	adm := kadm.NewClient(kcl)
	adm.SetTimeoutMillis(int32(set.requestTimeout.Milliseconds()))
	return &poller{
		name: name, kcl: kcl, adm: adm, set: set, log: log,
		groups:  map[string]*groupState{},
		topics:  map[string]*topicState{},
		idNames: map[[16]byte]string{},
		work:    map[int32]*leaderWork{},
	}
}

// poll runs one cycle and publishes its view. A cycle that cannot read the
// cluster at all publishes a down view: no group is reported rather than
// any reported as caught up.
func (p *poller) poll(ctx context.Context, wanted []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	began := time.Now()
	p.seq++
	p.lastErr = nil
	v := &fleet.LagView{Cluster: p.name}
	if prev := p.view.Load(); prev != nil {
		v.LastSuccess = prev.LastSuccess
	}
	p.selectOrder(p.selectGroups(ctx, wanted))
	at, err := p.cycle(ctx)
	if err != nil && ctx.Err() != nil {
		// Shutting down is not the cluster's fault: keep the last view.
		return ctx.Err()
	}
	if err != nil {
		v.Err = fmt.Errorf("poll kafka cluster %s: %w", p.name, err)
	} else {
		v.Up, v.LastSuccess = true, at
		v.Groups = p.assemble(at)
	}
	v.Tables = p.tables
	if err != nil {
		p.failures.Add(1)
		if authFailed(err) {
			p.authFails.Add(1)
		}
	}
	v.Failures = p.failures.Load()
	v.AuthFailures = p.authFails.Load()
	v.Duration = time.Since(began)
	v.Seq = p.set.seq.Add(1)
	p.view.Store(v)
	return v.Err
}

// cycle reads the cluster and measures every partition, leaving the
// results in the poller's state for assemble. It returns when the offsets
// were read.
func (p *poller) cycle(ctx context.Context) (time.Time, error) {
	if len(p.order) == 0 {
		rctx, cancel := context.WithTimeout(ctx, p.set.requestTimeout)
		defer cancel()
		if err := p.kcl.Ping(rctx); err != nil {
			return time.Time{}, fmt.Errorf("ping brokers: %w", err)
		}
		p.forgetTopics()
		p.tables = 0
		return p.set.now(), nil
	}
	topics := p.readCommits(ctx, p.order)
	if err := commitsFailed(p.order, p.seq, p.lastErr); err != nil {
		return time.Time{}, err
	}
	p.forgetTopics()
	p.readEnds(ctx, topics)
	at := p.set.now()
	p.tables = p.updateTables(topics, at)
	want := p.measureCommits(at)
	p.readRecords(ctx, want, at)
	clear(want) // they point into state that may be forgotten by the next poll
	clear(p.wide)
	return at, nil
}

// selectGroups is the groups the targets want plus, when allow patterns
// are configured, every listed consumer group they match, no deny pattern
// matches and this shard owns. A failed listing keeps the previous one.
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

// selected: the patterns select the group and this replica owns it.
func (p *poller) selected(group string) bool {
	return p.matches(group) && (p.set.owner == nil || p.set.owner(group))
}

// matches: an allow pattern matches the group and no deny pattern does.
// A name that is not UTF-8, which Kafka allows, cannot be a label value:
// it is never selected.
func (p *poller) matches(group string) bool {
	if len(p.set.allow) == 0 || !utf8.ValidString(group) {
		return false
	}
	match := func(res []*regexp.Regexp) bool {
		return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(group) })
	}
	return match(p.set.allow) && !match(p.set.deny)
}

// selectOrder makes this poll's groups, sorted, and forgets the others.
// A group that another replica owns is measured for its targets but not
// exported here (see WithGroupOwner): its owner exports it.
func (p *poller) selectOrder(names []string) {
	p.order = p.order[:0]
	for _, n := range names {
		g := p.groups[n]
		if g == nil {
			g = &groupState{name: n, coordinator: -1}
			p.groups[n] = g
		}
		g.selected, g.failed = p.seq, true
		g.shadow = p.set.owner != nil && p.matches(n) && !p.set.owner(n)
		p.order = append(p.order, g)
	}
	if len(p.groups) > len(p.order) {
		for n, g := range p.groups {
			if g.selected != p.seq {
				g.forget(p)
				delete(p.groups, n)
			}
		}
	}
}

// register takes in one OffsetFetch answer: which groups answered, the
// topics they commit to and each partition's committed offset, so that
// the answer can be dropped before the end offsets are read. It appends
// the topics no earlier answer of this poll named to topics.
func (p *poller) register(resp *kmsg.OffsetFetchResponse, topics []*topicState) []*topicState {
	for i := range resp.Groups {
		rg := &resp.Groups[i]
		g := p.groups[rg.Group]
		if g == nil || g.selected != p.seq {
			continue
		}
		if err := kerr.ErrorForCode(rg.ErrorCode); err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			p.setErr(err)
			continue
		}
		g.fetched, g.failed = p.seq, false
		for j := range rg.Topics {
			if t := p.registerTopic(g, &rg.Topics[j]); t != nil {
				topics = append(topics, t)
			}
		}
	}
	return topics
}

// registerTopic returns the topic if this is its first group this poll.
func (p *poller) registerTopic(g *groupState, rt *kmsg.OffsetFetchResponseGroupTopic) *topicState {
	if rt.Topic == "" {
		return nil // an ID franz-go could not name
	}
	t := p.topics[rt.Topic]
	if t == nil {
		t = &topicState{name: rt.Topic}
		p.topics[rt.Topic] = t
	}
	first := t.wanted != p.seq
	t.wanted = p.seq
	gt := g.topic(t)
	gt.t, gt.listed = t, p.seq
	n := 0
	for _, rp := range rt.Partitions {
		n = max(n, int(rp.Partition)+1)
	}
	gt.growParts(n)
	if n > len(t.parts) && !t.metaAt.IsZero() {
		t.refresh = true // a partition was added
	}
	for _, rp := range rt.Partitions {
		if rp.Partition < 0 {
			continue
		}
		st := &gt.parts[rp.Partition]
		switch {
		case rp.ErrorCode != 0:
			st.flags = st.flags&^(flagFresh|flagNoCommit) | flagFetchErr
		case rp.Offset < 0:
			st.forget(p)
			st.flags = flagNoCommit
		default:
			st.flags &^= flagFresh | flagNoCommit | flagFetchErr
			st.pending = rp.Offset
		}
		st.fetched = p.seq
	}
	if first {
		return t
	}
	return nil
}

// forgetTopics drops the topics no group committed to at this poll.
func (p *poller) forgetTopics() {
	for name, t := range p.topics {
		if t.wanted != p.seq {
			t.dropTables(&p.tableSlab)
			delete(p.topics, name)
			delete(p.idNames, t.id)
		}
	}
}
