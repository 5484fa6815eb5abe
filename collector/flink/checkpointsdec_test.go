package flink

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCheckpointsFastPathMatchesEncodingJSON runs the fast decoder and
// encoding/json over every seed and systematic corruptions of them (each
// prefix, and stray JSON characters written over the body): wherever the
// fast path answers, it must agree with encoding/json.
func TestCheckpointsFastPathMatchesEncodingJSON(t *testing.T) {
	all, _ := filepath.Glob("testdata/fuzz/FuzzCheckpointsFastPath/*")
	var seeds []string
	for _, p := range all {
		// One seed per shape (1.15, savepointFormat from 1.17, 2.x) and
		// the hand-written edge cases.
		switch b := filepath.Base(p); {
		case b == "seed-1.15", b == "seed-1.17", b == "seed-2.3", !strings.HasPrefix(b, "seed-1.") && !strings.HasPrefix(b, "seed-2."):
			seeds = append(seeds, p)
		}
	}
	if len(seeds) < 10 {
		t.Fatalf("%d seeds: regenerate with go test -run TestFuzzSeeds -update", len(seeds))
	}
	cutStep, mutateStep := 2, 11
	if raceEnabled || testing.Short() {
		cutStep, mutateStep = 13, 61
	}
	accepted := 0
	for _, path := range seeds {
		accepted += sweepFastPath(t, path, readSeed(t, path), cutStep, mutateStep, decodeCheckpointsFast, func(data []byte) (Checkpoints, error) {
			var v Checkpoints
			return v, json.Unmarshal(data, &v)
		})
	}
	if accepted < len(seeds) {
		t.Errorf("the fast path accepted only %d inputs: it is not exercised", accepted)
	}
}

// sweepFastPath runs a fast decoder and its slow path over body, each of
// its prefixes (every cutStep bytes) and stray JSON characters written
// over it (every mutateStep bytes): wherever the fast path answers, the
// slow one must accept the input and agree. It returns how many inputs
// the fast path answered.
func sweepFastPath[T any](t *testing.T, name string, body []byte, cutStep, mutateStep int, fast func([]byte) (T, bool), slow func([]byte) (T, error)) int {
	t.Helper()
	accepted := 0
	check := func(data []byte) {
		got, ok := fast(data)
		if !ok {
			return
		}
		accepted++
		want, err := slow(data)
		if err != nil {
			t.Fatalf("%s: fast path accepted what encoding/json refuses (%v): %q", name, err, data)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("%s: fast path differs (-encoding/json +fast):\n%s\ninput %q", name, cmp.Diff(want, got), data)
		}
	}
	for cut := 0; cut <= len(body); cut += cutStep {
		check(body[:cut])
	}
	for i := 0; i < len(body); i += mutateStep {
		for _, c := range []byte(`"\{}[],:01-.eEnA ` + "\x00\xff") {
			mutated := append([]byte(nil), body...)
			mutated[i] = c
			check(mutated)
		}
	}
	return accepted
}

func TestCheckpointsFastPathDeclines(t *testing.T) {
	for name, body := range map[string]string{
		"duplicate field":  `{"counts":{"total":1},"counts":{"failed":2}}`,
		"case-folded name": `{"Counts":{"Total":3}}`,
		"fractional id":    `{"latest":{"completed":{"id":1.0}}}`,
		"overflow":         `{"counts":{"total":9223372036854775808}}`,
		"trailing garbage": `{"counts":{}} x`,
		"escaped key":      `{"c\u006funts":{}}`,
		"not an object":    `[]`,
	} {
		if _, ok := decodeCheckpointsFast([]byte(body)); ok {
			t.Errorf("%s: fast path accepted %s; it must leave it to encoding/json", name, body)
		}
	}
}

func readSeed(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lit := strings.TrimSuffix(strings.SplitN(string(raw), "\n", 2)[1], "\n")
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}
