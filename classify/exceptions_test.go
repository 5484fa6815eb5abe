package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// TestExceptionsOfEveryFlinkVersion pipes the /jobs/:jobid/exceptions body
// of a simulated JobManager of each Flink line, as Flink serves it and as
// jq pretty-prints it, into the CLI's input: each entry of the history,
// root and concurrent, is classified once, under its own name.
func TestExceptionsOfEveryFlinkVersion(t *testing.T) {
	c := cliClassifier(t)
	for _, v := range flinkfake.Versions() {
		t.Run(string(v), func(t *testing.T) {
			jm, srv := flinkfake.ServeJobManager(t, flinkfake.Options{Version: v,
				Jobs: []flinkfake.JobSpec{{Name: "ledger", Scenario: flinkfake.RestartLoop, Failure: flinkfake.Transient}}})
			id, err := jm.JobID("ledger")
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(srv.URL + "/jobs/" + id + "/exceptions")
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := historyEntries(t, body)
			if len(want) < 2 {
				t.Fatalf("the simulated history has %d entries, want some with concurrent exceptions", len(want))
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			for name, in := range map[string][]byte{"as served": body, "pretty-printed": pretty.Bytes()} {
				var out bytes.Buffer
				if err := RunJSONL(context.Background(), bytes.NewReader(in), &out, c); err != nil {
					t.Fatal(err)
				}
				var got []string
				dec := json.NewDecoder(&out)
				for dec.More() {
					var o Output
					if err := dec.Decode(&o); err != nil {
						t.Fatal(err)
					}
					if o.Line != 1 || o.Category != "tm_heartbeat_timeout" {
						t.Errorf("%s: %s: got %+v, want line 1 and a TaskManager heartbeat timeout", name, o.Entry, o)
					}
					got = append(got, o.Entry)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: entries (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

// historyEntries names the entries of an exceptions body's history the
// way the CLI does, read with a decoder of its own.
func historyEntries(t *testing.T, body []byte) []string {
	t.Helper()
	var r struct {
		ExceptionHistory struct {
			Entries []struct {
				Concurrent []json.RawMessage `json:"concurrentExceptions"`
			} `json:"entries"`
		} `json:"exceptionHistory"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, e := range r.ExceptionHistory.Entries {
		root := "exceptionHistory.entries[" + strconv.Itoa(i) + "]"
		names = append(names, root)
		for j := range e.Concurrent {
			names = append(names, root+".concurrentExceptions["+strconv.Itoa(j)+"]")
		}
	}
	return names
}
