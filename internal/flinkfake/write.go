package flinkfake

import (
	"bytes"
	"net/http"
	"strconv"
	"time"
)

// write sends a rendered response, misbehaving as the transport scenario
// says.
func (jm *JobManager) write(w http.ResponseWriter, r *http.Request, code int, body []byte, fault Scenario) {
	h := w.Header()
	switch fault {
	case Slow:
		t := time.NewTimer(jm.opts.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	case HTTP500:
		var e jw
		code = errInternal(&e)
		body = e.b
	case InvalidJSON:
		h.Set("Content-Type", "text/html; charset=UTF-8")
		h.Set("Content-Length", strconv.Itoa(len(dashboardHTML)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(dashboardHTML))
		return
	case Truncated:
		code, body = http.StatusOK, body[:len(body)/2]
	case Huge:
		h.Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		writeHuge(w, jm.opts.HugeBytes)
		return
	}
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// dashboardHTML is what an ingress pointing at the wrong backend (or at
// the web UI's index) answers with a 200.
const dashboardHTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Apache Flink Web Dashboard</title>
  <base href="./">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" type="image/x-icon" href="favicon.ico">
</head>
<body>
  <flink-root></flink-root>
  <script src="runtime.js" type="module"></script><script src="main.js" type="module"></script>
</body>
</html>
`

// writeHuge streams a valid JSON object of exactly n bytes, a
// /jobs/overview with a long padding string, from one reused chunk: serving
// 50 MB allocates almost nothing, and a client that read it all would
// decode it fine; it is only too big. It stops when the client goes away.
func writeHuge(w http.ResponseWriter, n int64) {
	head, tail := []byte(`{"jobs":[],"padding":"`), []byte(`"}`)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	if _, err := w.Write(head); err != nil {
		return
	}
	for left := n - int64(len(head)+len(tail)); left > 0; {
		c := chunk[:min(int64(len(chunk)), left)]
		if _, err := w.Write(c); err != nil {
			return
		}
		left -= int64(len(c))
	}
	_, _ = w.Write(tail)
}
