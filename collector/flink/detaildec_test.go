package flink

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jobDetailsEncodingJSON is the slow path the fast decoder is held to.
func jobDetailsEncodingJSON(data []byte) (JobDetails, error) {
	var v JobDetails
	err := decodeJSON(data, '{', &v)
	return v, err
}

// TestJobDetailsFastPathMatchesEncodingJSON runs the fast decoder and
// encoding/json over the job details of every Flink version (running and
// bounded jobs) and systematic corruptions of them: wherever the fast path
// answers, it must agree with encoding/json, and it must answer for every
// version's real shape.
func TestJobDetailsFastPathMatchesEncodingJSON(t *testing.T) {
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzDecodeJobDetails/seed-*")
	if len(seeds) < 10 {
		t.Fatalf("%d seeds: regenerate with go test -run TestFuzzSeeds -update", len(seeds))
	}
	cutStep, mutateStep := 3, 13
	if raceEnabled || testing.Short() {
		cutStep, mutateStep = 17, 71
	}
	for _, path := range seeds {
		body := readSeed(t, path)
		if _, ok := decodeJobDetailsFast(body); !ok {
			t.Errorf("%s: the fast path declines a real response", path)
		}
		sweepFastPath(t, path, body, cutStep, mutateStep, decodeJobDetailsFast, jobDetailsEncodingJSON)
	}
}

// The parts the fast path leaves to the types' own UnmarshalJSON (a plan
// sent as a string, a metric value that is null, an unreadable plan) come
// out as encoding/json makes them; what it cannot read at all goes whole
// to encoding/json.
func TestJobDetailsFastPathEdges(t *testing.T) {
	for name, tc := range map[string]struct {
		body     string
		accepted bool
	}{
		"plan as a string (1.15-1.17)": {`{"jid":"j","plan":"{\"nodes\":[{\"id\":\"a\",\"inputs\":[]}]}"}`, true},
		"unreadable plan":              {`{"jid":"j","plan":{"nodes":[{"id":7}]}}`, true},
		"null metric value":            {`{"vertices":[{"id":"v","metrics":{"read-records":null,"read-records-complete":true}}]}`, true},
		"fractional count":             {`{"vertices":[{"id":"v","metrics":{"write-records":1.5,"write-records-complete":true}}]}`, true},
		"null timestamps entry":        {`{"timestamps":{"RUNNING":null,"CREATED":5}}`, true},
		"duplicate field":              {`{"jid":"a","jid":"b"}`, false},
		"case-folded name":             {`{"JID":"a"}`, false},
		"null vertex":                  {`{"vertices":[null]}`, false},
		"fractional time":              {`{"start-time":1.5}`, false},
		"bad metrics flag":             {`{"vertices":[{"metrics":{"read-records-complete":"yes"}}]}`, false},
		"trailing garbage":             {`{} x`, false},
	} {
		t.Run(name, func(t *testing.T) {
			fast, ok := decodeJobDetailsFast([]byte(tc.body))
			if ok != tc.accepted {
				t.Fatalf("fast path accepted = %v, want %v", ok, tc.accepted)
			}
			want, err := jobDetailsEncodingJSON([]byte(tc.body))
			if !ok {
				return
			}
			if err != nil {
				t.Fatalf("fast path accepted what encoding/json refuses: %v", err)
			}
			if !reflect.DeepEqual(want, fast) {
				t.Errorf("fast path differs (-encoding/json +fast):\n%s", cmp.Diff(want, fast))
			}
			if strings.Contains(name, "plan as a string") && len(fast.Plan.Nodes) != 1 {
				t.Errorf("the string plan was not read: %+v", fast.Plan)
			}
		})
	}
}
