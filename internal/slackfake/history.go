package slackfake

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// history answers conversations.history as Slack does: the channel's
// top-level messages (thread replies only when broadcast), newest first,
// from oldest (exclusive unless inclusive=1), at most limit (default 100,
// at most 999) a page, with a cursor to the next; metadata only with
// include_all_metadata. The channel must be an id.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.takeFault(r); ok {
		s.fault(w, r, f)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ch := r.Form.Get("channel")
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 999)
	oldest, _ := strconv.ParseFloat(r.Form.Get("oldest"), 64)
	inclusive := r.Form.Get("inclusive") == "1" || r.Form.Get("inclusive") == "true"
	meta := r.Form.Get("include_all_metadata") == "1" || r.Form.Get("include_all_metadata") == "true"
	from, _ := strconv.Atoi(r.Form.Get("cursor"))

	s.mu.Lock()
	known := false
	for _, id := range s.ids {
		known = known || id == ch
	}
	var match []map[string]any
	for i := len(s.msgs) - 1; i >= 0; i-- {
		m := s.msgs[i]
		if m.ChannelID != ch || m.Webhook || (m.ThreadTS != "" && !m.ReplyBroadcast) {
			continue
		}
		ts, _ := strconv.ParseFloat(m.TS, 64)
		if ts < oldest || (ts == oldest && !inclusive) {
			continue
		}
		out := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
		if m.ThreadTS != "" {
			out["thread_ts"] = m.ThreadTS
		}
		if meta && m.Metadata.EventType != "" {
			out["metadata"] = m.Metadata
		}
		match = append(match, out)
	}
	s.mu.Unlock()
	if !known {
		okFalse(w, "channel_not_found")
		return
	}
	from = min(max(from, 0), len(match))
	page := match[from:min(from+limit, len(match))]
	next := ""
	if from+limit < len(match) {
		next = strconv.Itoa(from + limit)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ok": true, "messages": page, "has_more": next != "",
		"response_metadata": map[string]string{"next_cursor": next},
	})
}

// list answers conversations.list with every channel a post has named.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.takeFault(r); ok {
		s.fault(w, r, f)
		return
	}
	s.mu.Lock()
	var chans []map[string]any
	for name, id := range s.ids {
		chans = append(chans, map[string]any{"id": id, "name": name, "is_channel": true})
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ok": true, "channels": chans, "response_metadata": map[string]string{"next_cursor": ""},
	})
}
