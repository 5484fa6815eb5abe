package flinkfake_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// A JobManager on a manual clock: a restart loop restarts once per cycle.
func ExampleNew() {
	clk := flinkfake.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	jm := flinkfake.New(flinkfake.Options{
		Version: flinkfake.V2_0,
		Now:     clk.Now,
		Jobs:    []flinkfake.JobSpec{{Name: "orders", Scenario: flinkfake.RestartLoop, Failure: flinkfake.UserConfig}},
	})
	id, _ := jm.JobID("orders")
	restarts := func() string {
		rec := httptest.NewRecorder()
		jm.ServeHTTP(rec, httptest.NewRequest("GET", "/jobs/"+id+"/metrics?get=numRestarts,fullRestarts", nil))
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	fmt.Println(restarts())
	clk.Advance(30 * time.Second)
	fmt.Println(restarts())
	// Output:
	// [{"id":"numRestarts","value":"20"}]
	// [{"id":"numRestarts","value":"21"}]
}

// A fleet and the flinkslo configuration that watches it, as
// `flinkslo-sim fleet` serves and prints them.
func ExampleFleet_WriteConfig() {
	fl := flinkfake.NewFleet(flinkfake.FleetOptions{JobManagers: 2, Seed: "example"})
	if err := fl.WriteConfig(os.Stdout, "http://127.0.0.1:8081"); err != nil {
		fmt.Println(err)
	}
	var _ http.Handler = fl // served with http.Serve(listener, fl)
	// Output:
	// # flinkslo targets for 2 simulated JobManagers served by flinkfake at http://127.0.0.1:8081.
	// targets:
	//   - name: search-indexer-0000
	//     namespace: search
	//     team: search
	//     url: http://127.0.0.1:8081/jm/0000
	//   - name: price-alerts-0001
	//     namespace: checkout
	//     team: checkout
	//     url: http://127.0.0.1:8081/jm/0001
	// teams:
	//   checkout:
	//     slackChannel: "#checkout-alerts"
	//   search:
	//     slackChannel: "#search-alerts"
}
