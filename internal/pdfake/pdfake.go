// Package pdfake is a PagerDuty Events API v2 endpoint for tests: it
// validates events the way PagerDuty documents (202 accepted, 400 invalid),
// records what it accepted (and when), keeps PagerDuty's open/resolved
// alert state per routing key and dedup_key, and misbehaves on request
// (5xx, 429 with Retry-After, hanging, closing the connection, accepting
// an event and losing the answer), once per injected fault or for as long
// as it is down, so that retry logic can be tested against the real wire
// format.
package pdfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"
)

// EnqueuePath is where the Events API v2 accepts events.
const EnqueuePath = "/v2/enqueue"

// maxBody is PagerDuty's payload limit.
const maxBody = 512 * 1024

// Event is an event as PagerDuty receives it.
type Event struct {
	RoutingKey string   `json:"routing_key"`
	Action     string   `json:"event_action"`
	DedupKey   string   `json:"dedup_key,omitempty"`
	Payload    *Payload `json:"payload,omitempty"`
	Links      []Link   `json:"links,omitempty"`
	Images     []Image  `json:"images,omitempty"`
	Client     string   `json:"client,omitempty"`
	ClientURL  string   `json:"client_url,omitempty"`

	// Received is when the server accepted it.
	Received time.Time `json:"-"`
}

// Payload is the trigger payload.
type Payload struct {
	Summary   string         `json:"summary"`
	Source    string         `json:"source"`
	Severity  string         `json:"severity"`
	Timestamp string         `json:"timestamp,omitempty"`
	Component string         `json:"component,omitempty"`
	Group     string         `json:"group,omitempty"`
	Class     string         `json:"class,omitempty"`
	Details   map[string]any `json:"custom_details,omitempty"`
}

// Link is a link attached to an event.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// Image is an image attached to an event.
type Image struct {
	Src  string `json:"src"`
	Href string `json:"href,omitempty"`
	Alt  string `json:"alt,omitempty"`
}

// Fault is how the server answers one request instead of processing it.
type Fault struct {
	// Status, when set, is returned with a PagerDuty-style error body.
	Status int
	// RetryAfter is sent as the Retry-After header.
	RetryAfter string
	// Hang holds the request until the client gives up or the server closes.
	Hang bool
	// CloseConn closes the connection without answering.
	CloseConn bool
	// Lost accepts the event, then closes the connection instead of
	// answering: PagerDuty has it, and the client cannot know.
	Lost bool
}

// Server is a running fake endpoint. Close it when done.
type Server struct {
	srv    *httptest.Server
	closed chan struct{}

	mu       sync.Mutex
	faults   []Fault
	down     *Fault
	requests int
	events   []Event
	open     map[string]bool // routing key + "\x00" + dedup key
	nextKey  int
}

// New starts a server.
func New() *Server {
	s := &Server{closed: make(chan struct{}), open: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+EnqueuePath, s.enqueue)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the full enqueue URL, as alerting.pagerduty.eventsURL takes it.
func (s *Server) URL() string { return s.srv.URL + EnqueuePath }

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	close(s.closed)
	s.srv.Close()
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

// Up ends Down.
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = nil
}

// Requests is the number of requests received, faulted ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Events returns the accepted events in arrival order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// Open returns the dedup keys of the alerts currently open, sorted.
func (s *Server) Open() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, open := range s.open {
		if open {
			_, dedup, _ := cut(k)
			out = append(out, dedup)
		}
	}
	sort.Strings(out)
	return out
}

func cut(k string) (string, string, bool) {
	for i := range len(k) {
		if k[i] == 0 {
			return k[:i], k[i+1:], true
		}
	}
	return k, "", false
}

func (s *Server) takeFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
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

func (s *Server) enqueue(w http.ResponseWriter, r *http.Request) {
	f, faulted := s.takeFault()
	if faulted && !f.Lost {
		s.fault(w, r, f)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return
	}
	if len(body) > maxBody {
		invalid(w, http.StatusRequestEntityTooLarge, "payload too large")
		return
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		invalid(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return
	}
	if errs := validate(e); len(errs) > 0 {
		invalid(w, http.StatusBadRequest, errs...)
		return
	}
	dedup := s.record(e)
	if faulted {
		hangUp(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "success", "message": "Event processed", "dedup_key": dedup})
}

// record applies PagerDuty's alert semantics: a trigger opens the alert of
// its dedup key (or adds to the open one), resolve closes it, and both only
// act within one routing key.
func (s *Server) record(e Event) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.DedupKey == "" {
		s.nextKey++
		e.DedupKey = fmt.Sprintf("pdfake-%d", s.nextKey)
	}
	e.Received = time.Now()
	s.events = append(s.events, e)
	k := e.RoutingKey + "\x00" + e.DedupKey
	switch e.Action {
	case "trigger":
		s.open[k] = true
	case "resolve":
		delete(s.open, k)
	}
	return e.DedupKey
}

func (s *Server) fault(w http.ResponseWriter, r *http.Request, f Fault) {
	switch {
	case f.Hang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
	case f.CloseConn:
		hangUp(w)
	default:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		invalid(w, f.Status, http.StatusText(f.Status))
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

func invalid(w http.ResponseWriter, status int, errs ...string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	msg := "Event object is invalid"
	if status != http.StatusBadRequest {
		msg = http.StatusText(status)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "invalid event", "message": msg, "errors": errs})
}
