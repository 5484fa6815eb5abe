// Package slackfake is slack-go's slacktest server with chat.postMessage,
// conversations.history, conversations.list and an incoming webhook
// replaced by recording handlers: slacktest's own handler answers a
// seconds-resolution ts (two posts in one second share a thread) and
// records nothing a test can read back. Messages are recorded with what
// Slack reads from the request (channel, text, thread_ts, blocks, metadata,
// token); each channel name gets a conversation id, which posts answer and
// conversations.history requires, as Slack's do. The server can misbehave
// (5xx, 429 with Retry-After, hang, close the connection), once per
// injected fault or for as long as it is down.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// WebhookPath is the incoming-webhook path the server answers.
const WebhookPath = "/services/T0000/B0000/webhooksecret"

// Message is one accepted post.
type Message struct {
	// Channel is the channel as the post named it; ChannelID its id.
	Channel   string
	ChannelID string
	Text      string
	ThreadTS  string
	// TS is the timestamp the server answered (empty for webhooks).
	TS             string
	ReplyBroadcast bool
	Blocks         slack.Blocks
	Metadata       slack.SlackMetadata
	// Token is the bearer or form token the post carried.
	Token   string
	Webhook bool
	At      time.Time
}

// Fault is how the server answers one request instead of processing it.
type Fault struct {
	Status     int
	RetryAfter string
	// SlackError answers 200 with {"ok":false,"error":SlackError}.
	SlackError string
	Hang       bool
	CloseConn  bool
	// Lost processes the request, then closes the connection instead of
	// answering: the post is in the channel, and the client cannot know.
	Lost bool
}

// Server is a running fake Slack.
type Server struct {
	*slacktest.Server
	closed chan struct{}

	mu       sync.Mutex
	msgs     []Message
	faults   []Fault
	down     *Fault
	downCh   map[string]Fault // by channel as posts name it
	requests int
	calls    map[string]int
	ids      map[string]string // channel name without '#' → id
	lastTS   int64             // µs of the last ts given out
}

// New starts a server.
func New() *Server {
	s := &Server{closed: make(chan struct{}), calls: map[string]int{}, ids: map[string]string{}}
	s.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", s.postMessage)
		c.Handle("/conversations.history", s.history)
		c.Handle("/conversations.list", s.list)
		c.Handle(WebhookPath, s.webhook)
	})
	s.Start()
	return s
}

// APIURL is the Web API base, for alerting.slack.apiURL.
func (s *Server) APIURL() string { return s.GetAPIURL() }

// WebhookURL is the incoming-webhook URL.
func (s *Server) WebhookURL() string { return "http://" + s.ServerAddr + WebhookPath }

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	close(s.closed)
	s.Stop()
}

// Inject queues faults; each answers one request, in order.
func (s *Server) Inject(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// Down makes the server answer every request with f until Up.
func (s *Server) Down(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = &f
}

// Up ends Down, and every DownChannel.
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = nil
	s.downCh = nil
}

// DownChannel makes posts to one channel fail with f until Up; the other
// channels work.
func (s *Server) DownChannel(ch string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.downCh == nil {
		s.downCh = map[string]Fault{}
	}
	s.downCh[ch] = f
}

func (s *Server) channelFault(ch string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.downCh[ch]
	return f, ok
}

// Calls counts the requests to a Web API method ("chat.postMessage",
// "conversations.history"), faulted ones included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// ChannelID is the conversation id of a channel name.
func (s *Server) ChannelID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idLocked(name)
}

func (s *Server) idLocked(name string) string {
	name = strings.TrimPrefix(name, "#")
	if id, ok := s.ids[name]; ok {
		return id
	}
	id := fmt.Sprintf("C%08X", len(s.ids)+1)
	s.ids[name] = id
	return id
}

// Messages returns the accepted messages in arrival order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Requests counts every request, faulted ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *Server) takeFault(r *http.Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.calls[strings.TrimPrefix(r.URL.Path, "/")]++
	if s.down != nil {
		return *s.down, true
	}
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// record stores m and gives it a unique ts in Slack's format: the time
// it was posted, to the microsecond, as conversations.history filters it.
func (s *Server) record(m Message) (id, ts string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.At = time.Now()
	if !m.Webhook {
		us := max(m.At.UnixMicro(), s.lastTS+1)
		s.lastTS = us
		m.TS = fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
		m.ChannelID = s.channelLocked(m.Channel)
	}
	s.msgs = append(s.msgs, m)
	return m.ChannelID, m.TS
}

// channelLocked is the id of a channel given by name or id.
func (s *Server) channelLocked(ch string) string {
	for _, id := range s.ids {
		if id == ch {
			return id
		}
	}
	return s.idLocked(ch)
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	f, faulted := s.takeFault(r)
	if faulted && !f.Lost {
		s.fault(w, r, f)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if f, ok := s.channelFault(v.Get("channel")); ok {
		s.fault(w, r, f)
		return
	}
	m := Message{Channel: v.Get("channel"), Text: v.Get("text"), ThreadTS: v.Get("thread_ts"),
		ReplyBroadcast: v.Get("reply_broadcast") == "true", Token: v.Get("token")}
	if b := v.Get("blocks"); b != "" {
		if err := json.Unmarshal([]byte(b), &m.Blocks); err != nil {
			okFalse(w, "invalid_blocks")
			return
		}
	}
	if md := v.Get("metadata"); md != "" {
		if err := json.Unmarshal([]byte(md), &m.Metadata); err != nil || m.Metadata.EventType == "" {
			okFalse(w, "invalid_metadata_format")
			return
		}
	}
	if m.Channel == "" {
		okFalse(w, "channel_not_found")
		return
	}
	id, ts := s.record(m)
	if faulted {
		hangUp(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": id, "ts": ts})
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.takeFault(r); ok {
		s.fault(w, r, f)
		return
	}
	var wm slack.WebhookMessage
	if err := json.NewDecoder(r.Body).Decode(&wm); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	m := Message{Channel: wm.Channel, Text: wm.Text, ThreadTS: wm.ThreadTimestamp, Webhook: true}
	if wm.Blocks != nil {
		m.Blocks = *wm.Blocks
	}
	s.record(m)
	_, _ = io.WriteString(w, "ok")
}

func (s *Server) fault(w http.ResponseWriter, r *http.Request, f Fault) {
	switch {
	case f.Hang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
	case f.CloseConn, f.Lost:
		hangUp(w)
	case f.SlackError != "":
		okFalse(w, f.SlackError)
	default:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		http.Error(w, http.StatusText(f.Status), f.Status)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
		}
	}
}

func okFalse(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": code})
}
