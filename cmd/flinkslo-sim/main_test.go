package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runSim(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	return code, out.String(), errOut.String()
}

// TestDemoRuns: the demo starts its fleet, scrapes it and stops after the
// cycles asked for, printing the fleet's health.
func TestDemoRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few cycles")
	}
	code, out, errOut := runSim(t, "demo", "--web.listen-address", "127.0.0.1:0", "--cycles", "2", "--no-kafka", "--no-story", "--log.level", "error")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"flinkslo demo: 20 simulated Flink deployments", "payments/payments-fraud", "SUSPENDED"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestDemoJSONStdout: with --log.format=json, stdout is JSON lines only,
// so that it pipes into jq.
func TestDemoJSONStdout(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few cycles")
	}
	code, out, errOut := runSim(t, "demo", "--web.listen-address", "127.0.0.1:0", "--cycles", "2", "--no-kafka", "--log.format", "json", "--log.level", "error")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		t.Fatalf("want the banner at least, got %q", out)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("stdout line is not JSON: %q", l)
		}
	}
}

// TestSimHelp: --help prints and runs nothing.
func TestSimHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"demo", "--help"}, {"fleet", "--jobmanagers", "3", "--help"}} {
		if code, out, errOut := runSim(t, args...); code != 0 || !strings.Contains(out, "usage: flinkslo-sim") || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", args, code, errOut, out)
		}
	}
}
