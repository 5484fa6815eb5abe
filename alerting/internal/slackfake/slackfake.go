// Package slackfake is slack-go's slacktest server with chat.postMessage
// and an incoming webhook replaced by recording handlers: slacktest's own
// handler answers a seconds-resolution ts (two posts in one second share a
// thread) and records nothing a test can read back. Messages are recorded
// with what Slack reads from the request (channel, text, thread_ts, blocks,
// token), and the server can misbehave (5xx, 429 with Retry-After, hang,
// close the connection).
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// WebhookPath is the incoming-webhook path the server answers.
const WebhookPath = "/services/T0000/B0000/webhooksecret"

// Message is one accepted post.
type Message struct {
	Channel  string
	Text     string
	ThreadTS string
	// TS is the timestamp the server answered (empty for webhooks).
	TS             string
	ReplyBroadcast bool
	Blocks         slack.Blocks
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
}

// Server is a running fake Slack.
type Server struct {
	*slacktest.Server
	closed chan struct{}

	mu       sync.Mutex
	msgs     []Message
	faults   []Fault
	requests int
	seq      int64
}

// New starts a server.
func New() *Server {
	s := &Server{closed: make(chan struct{})}
	s.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", s.postMessage)
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

func (s *Server) takeFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// record stores m and gives it a unique ts in Slack's format.
func (s *Server) record(m Message) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if !m.Webhook {
		m.TS = fmt.Sprintf("1700000000.%06d", s.seq)
	}
	m.At = time.Now()
	s.msgs = append(s.msgs, m)
	return m.TS
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.takeFault(); ok {
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
	m := Message{Channel: v.Get("channel"), Text: v.Get("text"), ThreadTS: v.Get("thread_ts"),
		ReplyBroadcast: v.Get("reply_broadcast") == "true", Token: v.Get("token")}
	if b := v.Get("blocks"); b != "" {
		if err := json.Unmarshal([]byte(b), &m.Blocks); err != nil {
			okFalse(w, "invalid_blocks")
			return
		}
	}
	if m.Channel == "" {
		okFalse(w, "channel_not_found")
		return
	}
	ts := s.record(m)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": m.Channel, "ts": ts})
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.takeFault(); ok {
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
	case f.CloseConn:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
			}
		}
	case f.SlackError != "":
		okFalse(w, f.SlackError)
	default:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		http.Error(w, http.StatusText(f.Status), f.Status)
	}
}

func okFalse(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": code})
}
