package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// metadataEvent is the event type of the metadata every post carries.
const metadataEvent = "flinkslo_notification"

// Bounds of a look for an earlier post: the history read starts a little
// before the notification was made (the clocks of flinkslo and Slack
// differ), and stops after historyPages pages.
const (
	lookupSkew   = time.Minute
	historyLimit = 200
	historyPages = 5
	// listEvery spaces conversations.list calls for a channel name no
	// answer has told the id of.
	listEvery = 10 * time.Minute
)

// marker is the metadata that makes a post recognisable: the incident and
// the notification's id.
func marker(n incident.Notification) slack.SlackMetadata {
	return slack.SlackMetadata{EventType: metadataEvent, EventPayload: map[string]any{
		"incident": n.Key.String(), "notification": n.ID,
	}}
}

func markerKey(incidentKey, id string) string { return incidentKey + "\x00" + id }

// history is what the sink knows of the channels: their ids, and the
// flinkslo posts a recent read of their history found.
type history struct {
	mu     sync.Mutex
	ids    map[string]string // channel name without '#' → id
	listed time.Time
	scans  map[string]*scan // by channel id
}

// scan is one read of a channel's history: posts since oldest, as of at.
type scan struct {
	at, oldest time.Time
	found      map[string]string // markerKey → ts
}

func newHistory() *history {
	return &history{ids: map[string]string{}, scans: map[string]*scan{}}
}

// learn records the id Slack answered for a channel name.
func (h *history) learn(ch, id string) {
	if id == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ids[strings.TrimPrefix(ch, "#")] = id
}

// posted adds a post of this process to the last scan of its channel, so
// that a look served from that scan sees it.
func (h *history) posted(id string, n incident.Notification, ts string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if sc := h.scans[id]; sc != nil && n.ID != "" {
		sc.found[markerKey(n.Key.String(), n.ID)] = ts
	}
}

// errLookup marks a look that cannot succeed (a missing scope, a channel
// the bot cannot read): the post goes out unlooked-for.
var errLookup = errors.New("cannot look for earlier posts")

// lookup looks for an earlier post of n in ch and returns its ts. A read
// of the channel's history made after n's unconfirmed attempt ended, and
// reaching back far enough, serves every notification of the channel: the
// look after a restart costs one read per channel, not one per message.
// An error is worth a retry; a look that cannot be made, or that found
// too much history to read, lets the post go out (and says so in the log).
func (s *Sink) lookup(ctx context.Context, ch string, n incident.Notification) (string, bool, error) {
	id, err := s.channelID(ctx, ch)
	if err == nil {
		var ts string
		var found bool
		ts, found, err = s.lookIn(ctx, id, n)
		if err == nil {
			return ts, found, nil
		}
	}
	if errors.Is(err, errLookup) {
		s.log.Warn("cannot look for an earlier slack post, posting again (it may show twice)", "channel", ch,
			"incident", n.Key.String(), "err", err)
		return "", false, nil
	}
	return "", false, err
}

func (s *Sink) lookIn(ctx context.Context, id string, n incident.Notification) (string, bool, error) {
	oldest := n.At.Add(-lookupSkew)
	key := markerKey(n.Key.String(), n.ID)
	h := s.history
	h.mu.Lock()
	if sc := h.scans[id]; sc != nil && sc.at.After(n.Unconfirmed) && !sc.oldest.After(oldest) {
		ts, ok := sc.found[key]
		h.mu.Unlock()
		return ts, ok, nil
	}
	h.mu.Unlock()
	sc, err := s.read(ctx, id, oldest)
	if err != nil {
		return "", false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.scans[id] = sc
	ts, ok := sc.found[key]
	return ts, ok, nil
}

// read reads the channel's top-level messages since oldest, up to the
// bound, and collects the flinkslo posts among them.
func (s *Sink) read(ctx context.Context, id string, oldest time.Time) (*scan, error) {
	sc := &scan{at: time.Now(), oldest: oldest, found: map[string]string{}}
	p := &slack.GetConversationHistoryParameters{
		ChannelID: id, Oldest: slackTS(oldest), Inclusive: true, Limit: historyLimit, IncludeAllMetadata: true,
	}
	for page := 0; ; page++ {
		if page == historyPages {
			return nil, fmt.Errorf("%w: more than %d messages since %s", errLookup, historyPages*historyLimit, oldest.Format(time.RFC3339))
		}
		resp, err := s.api.GetConversationHistoryContext(ctx, p)
		if err != nil {
			return nil, lookupErr("read channel history", err)
		}
		for _, m := range resp.Messages {
			if m.Metadata.EventType != metadataEvent {
				continue
			}
			inc, _ := m.Metadata.EventPayload["incident"].(string)
			nid, _ := m.Metadata.EventPayload["notification"].(string)
			if _, dup := sc.found[markerKey(inc, nid)]; !dup {
				sc.found[markerKey(inc, nid)] = m.Timestamp
			}
		}
		if !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
			return sc, nil
		}
		p.Cursor = resp.ResponseMetaData.NextCursor
	}
}

// channelID is the id conversations.history needs for ch: ch itself when
// it is one, else what an answer to a post told, else what
// conversations.list says (at most every listEvery).
func (s *Sink) channelID(ctx context.Context, ch string) (string, error) {
	name := strings.TrimPrefix(ch, "#")
	if isChannelID(name) {
		return name, nil
	}
	h := s.history
	h.mu.Lock()
	id, ok := h.ids[name]
	recent := !h.listed.IsZero() && time.Since(h.listed) < listEvery
	h.mu.Unlock()
	if ok {
		return id, nil
	}
	if recent {
		return "", fmt.Errorf("%w: no channel named %s", errLookup, name)
	}
	ids, err := s.list(ctx)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.listed = time.Now()
	for k, v := range ids {
		h.ids[k] = v
	}
	if id, ok := h.ids[name]; ok {
		return id, nil
	}
	return "", fmt.Errorf("%w: no channel named %s", errLookup, name)
}

func (s *Sink) list(ctx context.Context) (map[string]string, error) {
	ids := map[string]string{}
	p := &slack.GetConversationsParameters{ExcludeArchived: true, Limit: 1000, Types: []string{"public_channel", "private_channel"}}
	for range 10 {
		chans, cursor, err := s.api.GetConversationsContext(ctx, p)
		if err != nil {
			return nil, lookupErr("list channels", err)
		}
		for _, c := range chans {
			ids[c.Name] = c.ID
		}
		if cursor == "" {
			break
		}
		p.Cursor = cursor
	}
	return ids, nil
}

// lookupErr: an answer that a retry will not change (an ok:false such as
// missing_scope, a 4xx) means the look cannot be made; anything else is
// worth a retry. Either way the notification itself is not refused.
func lookupErr(what string, err error) error {
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	switch {
	case errors.As(err, &se) && !retryableCodes[se.Err],
		errors.As(err, &sc) && sc.Code >= 400 && sc.Code < 500 && sc.Code != 408 && sc.Code != 429:
		return fmt.Errorf("%w: %s: %w", errLookup, what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isChannelID: Slack conversation ids are C…, G… or D… in upper case.
func isChannelID(s string) bool {
	if len(s) < 9 || !strings.ContainsRune("CGD", rune(s[0])) {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// slackTS renders t as a Slack timestamp.
func slackTS(t time.Time) string {
	if t.Unix() <= 0 {
		return "0"
	}
	return strconv.FormatInt(t.Unix(), 10) + "." + fmt.Sprintf("%06d", t.Nanosecond()/1000)
}
