// Package console prints each routed notification as one line: the sink
// used when no receiver is configured and always in the demo, and,
// with --alerting.dry-run, the printer of what each real sink would send.
// Lines are human-readable, or one JSON object each with --log.format=json.
package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flinkslo/flinkslo/alerting/incident"
)

// Sink prints notifications to a writer.
type Sink struct {
	json bool

	mu sync.Mutex // one line at a time, even from several queues
	w  io.Writer
}

// New prints to w; asJSON selects JSON lines.
func New(w io.Writer, asJSON bool) *Sink { return &Sink{w: w, json: asJSON} }

// Accepts what people read; single occurrences are grouped.
func (s *Sink) Accepts(a incident.Action) bool { return a != incident.Occurrence }

// Transient reports that a printed line is not worth resuming after a
// restart (at most once).
func (s *Sink) Transient() bool { return true }

// Send prints n.
func (s *Sink) Send(_ context.Context, n incident.Notification) (incident.Receipt, error) {
	return incident.Receipt{}, s.print(n, "", Fields(n))
}

// print writes one line: the route and target, then fields. A non-empty
// sink marks a dry-run line for that sink.
func (s *Sink) print(n incident.Notification, sink string, fields []incident.Field) error {
	var line []byte
	if s.json {
		line = jsonLine(n, sink, fields)
	} else {
		line = []byte(humanLine(n, sink, fields))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("print notification for %s: %w", n.Key, err)
	}
	return nil
}

// Fields are what a console line says about n, in the order people read:
// job and category first, then what happened, then reason and hint.
func Fields(n incident.Notification) []incident.Field {
	f := []incident.Field{{Key: "job", Value: n.Key.Job}, {Key: "category", Value: n.Key.Category}}
	add := func(k, v string) {
		if v != "" {
			f = append(f, incident.Field{Key: k, Value: v})
		}
	}
	if n.Action != incident.Trigger {
		add("event", string(n.Action))
	}
	switch n.Action {
	case incident.Repeat:
		add("count", strconv.Itoa(n.Count))
		add("window", incident.Human(n.Window))
	case incident.Remind, incident.Resolve:
		add("open_for", incident.Human(n.At.Sub(n.Opened)))
	}
	if n.Action != incident.Trigger {
		add("total", strconv.Itoa(n.Total))
	}
	add("escalated_from", string(n.EscalatedFrom))
	add("health", strings.Join(n.Health, ","))
	if n.Action != incident.Resolve {
		add("reason", n.Reason)
		add("hint", n.Hint)
		add("culprit", n.Culprit)
	}
	add("team", n.Team)
	add("to", strings.Join(n.Destinations, ", "))
	add("note", n.Note)
	for _, l := range n.Links {
		add(strings.ToLower(strings.ReplaceAll(l.Text, " ", "_")), l.URL)
	}
	return f
}

func humanLine(n incident.Notification, sink string, fields []incident.Field) string {
	var b strings.Builder
	if sink != "" {
		fmt.Fprintf(&b, "DRY-RUN %-9s ", sink)
	}
	fmt.Fprintf(&b, "%-7s %s", strings.ToUpper(string(n.Route)), n.Key.Target())
	for _, f := range fields {
		b.WriteString(" " + f.Key + "=" + quote(f.Value))
	}
	return b.String()
}

// quote leaves simple values bare and quotes the rest, so that a line
// splits on spaces into key=value pairs.
func quote(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\n\"=\\") || !strconv.CanBackquote(v) {
		return strconv.Quote(v)
	}
	return v
}

func jsonLine(n incident.Notification, sink string, fields []incident.Field) []byte {
	var b strings.Builder
	b.WriteByte('{')
	kv := func(k string, v any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(v)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	kv("time", n.At.UTC().Format(time.RFC3339Nano))
	if sink != "" {
		kv("dry_run", true)
		kv("sink", sink)
	}
	kv("route", string(n.Route))
	kv("event", string(n.Action))
	kv("namespace", n.Key.Namespace)
	kv("deployment", n.Key.Deployment)
	for _, f := range fields {
		if f.Key != "event" {
			kv(f.Key, f.Value)
		}
	}
	b.WriteByte('}')
	return []byte(b.String())
}
