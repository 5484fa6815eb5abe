package dogstatsd

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// agent is a stand-in DogStatsD agent: it listens on a real socket and
// parses every line it receives.
type agent struct {
	addr  string
	lines chan line
}

// line is one parsed DogStatsD line: a metric or a service check.
type line struct {
	Name  string
	Type  string // g, c, or sc for a service check
	Value string // the metric value, or the service check status
	Tags  []string
	Msg   string
}

// String is the line with its tags sorted and the transport's extra
// fields (container id, timestamp) left out, for comparisons.
func (l line) String() string {
	var b strings.Builder
	if l.Type == "sc" {
		fmt.Fprintf(&b, "_sc|%s|%s", l.Name, l.Value)
	} else {
		fmt.Fprintf(&b, "%s:%s|%s", l.Name, l.Value, l.Type)
	}
	if len(l.Tags) > 0 {
		b.WriteString("|#" + strings.Join(l.Tags, ","))
	}
	if l.Msg != "" {
		b.WriteString("|m:" + l.Msg)
	}
	return b.String()
}

func (l line) tag(key string) (string, bool) {
	for _, t := range l.Tags {
		if k, v, _ := strings.Cut(t, ":"); k == key {
			return v, true
		}
	}
	return "", false
}

// parseLine parses `name:value|type|@rate|#tags|c:id|T123` and
// `_sc|name|status|d:ts|h:host|#tags|m:message|c:id`.
func parseLine(s string) (line, error) {
	if rest, ok := strings.CutPrefix(s, "_sc|"); ok {
		return parseServiceCheck(rest)
	}
	head, fields, _ := strings.Cut(s, "|")
	name, value, ok := strings.Cut(head, ":")
	if !ok || name == "" {
		return line{}, fmt.Errorf("metric line %q: no name:value", s)
	}
	if _, err := strconv.ParseFloat(value, 64); err != nil {
		return line{}, fmt.Errorf("metric line %q: value: %w", s, err)
	}
	parts := strings.Split(fields, "|")
	l := line{Name: name, Value: value, Type: parts[0]}
	if l.Type != "g" && l.Type != "c" {
		return line{}, fmt.Errorf("metric line %q: type %q", s, l.Type)
	}
	for _, f := range parts[1:] {
		if t, ok := strings.CutPrefix(f, "#"); ok {
			l.Tags = splitTags(t)
		}
	}
	return l, nil
}

func parseServiceCheck(s string) (line, error) {
	parts := strings.Split(s, "|")
	if len(parts) < 2 {
		return line{}, fmt.Errorf("service check %q: want name and status", s)
	}
	l := line{Name: parts[0], Type: "sc", Value: parts[1]}
	if st, err := strconv.Atoi(l.Value); err != nil || st < 0 || st > 3 {
		return line{}, fmt.Errorf("service check %q: status %q", s, l.Value)
	}
	for _, f := range parts[2:] {
		switch {
		case strings.HasPrefix(f, "#"):
			l.Tags = splitTags(f[1:])
		case strings.HasPrefix(f, "m:"):
			l.Msg = f[2:]
		}
	}
	return l, nil
}

func splitTags(s string) []string {
	tags := strings.Split(s, ",")
	slices.Sort(tags)
	return tags
}

// listen starts an agent on network: udp, unixgram or unixstream. addr is
// what the emitter's config names.
func listen(t testing.TB, network string) *agent {
	t.Helper()
	a := &agent{lines: make(chan line, 1<<16)}
	var r func() ([]byte, error)
	switch network {
	case "udp":
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		a.addr = pc.LocalAddr().String()
		r = datagrams(pc)
	case "unixgram", "unix":
		path := filepath.Join(t.TempDir(), "dsd.sock")
		pc, err := net.ListenPacket("unixgram", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		a.addr = network + "://" + path
		r = datagrams(pc)
	case "unixstream":
		path := filepath.Join(t.TempDir(), "dsd.sock")
		ln, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		a.addr = "unixstream://" + path
		r = frames(ln)
	default:
		t.Fatalf("listen on %s: unknown network", network)
	}
	go a.read(t, r)
	return a
}

func (a *agent) read(t testing.TB, next func() ([]byte, error)) {
	for {
		p, err := next()
		if err != nil {
			return
		}
		for s := range strings.SplitSeq(strings.TrimRight(string(p), "\n"), "\n") {
			l, err := parseLine(s)
			if err != nil {
				t.Errorf("agent received a malformed line: %v", err)
				continue
			}
			a.lines <- l
		}
	}
}

func datagrams(pc net.PacketConn) func() ([]byte, error) {
	buf := make([]byte, 65536)
	return func() ([]byte, error) {
		n, _, err := pc.ReadFrom(buf)
		return buf[:n], err
	}
}

// frames reads the unix stream framing: a little-endian uint32 length
// before each payload.
func frames(ln net.Listener) func() ([]byte, error) {
	var r *bufio.Reader
	return func() ([]byte, error) {
		if r == nil {
			c, err := ln.Accept()
			if err != nil {
				return nil, err
			}
			r = bufio.NewReader(c)
		}
		var n uint32
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
			return nil, err
		}
		p := make([]byte, n)
		_, err := io.ReadFull(r, p)
		return p, err
	}
}

// until collects lines until done says it has all it needs; it fails the
// test when that takes unreasonably long (the agent never got them).
func (a *agent) until(t testing.TB, done func([]line) bool) []line {
	t.Helper()
	var got []line
	deadline := time.After(10 * time.Second)
	for !done(got) {
		select {
		case l := <-a.lines:
			got = append(got, l)
		case <-deadline:
			t.Fatalf("agent: gave up waiting after %d lines", len(got))
		}
	}
	return got
}

const sentinel = "test.sentinel"

// untilSentinel collects the lines sent before the sentinel metric.
func (a *agent) untilSentinel(t testing.TB) []line {
	t.Helper()
	got := a.until(t, func(ls []line) bool { return len(ls) > 0 && strings.HasSuffix(ls[len(ls)-1].Name, sentinel) })
	return got[:len(got)-1]
}
