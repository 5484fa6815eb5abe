package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/flinkslo/flinkslo/internal/flinkfake"
)

// beat is one moment of the demo's story: at the offset from the story's
// start, something happens to one deployment.
type beat struct {
	at         time.Duration
	deployment string
	// says is printed when the beat happens, so that a reader can tell the
	// failure from what flinkslo makes of it.
	says string
	do   func(jm *flinkfake.JobManager, name string) error
}

func scenario(s flinkfake.Scenario, k flinkfake.FailureKind) func(*flinkfake.JobManager, string) error {
	return func(jm *flinkfake.JobManager, name string) error { return jm.SetJobScenario(name, s, k) }
}

// detail switches the deployment's job to a detail scenario (Stuck,
// Backpressure) or back to Healthy; nothing fails, so no failure kind.
func detail(s flinkfake.Scenario) func(*flinkfake.JobManager, string) error {
	return func(jm *flinkfake.JobManager, _ string) error { jm.SetScenario(s); return nil }
}

// backpressureNeck is the vertex Backpressure makes the bottleneck of a
// job switched to it: the window of flinkfake's three-vertex graph.
const backpressureNeck = "Window(TumblingEventTimeWindows(60000))[3]"

func transport(s flinkfake.Scenario) func(*flinkfake.JobManager, string) error {
	return func(jm *flinkfake.JobManager, _ string) error { jm.SetScenario(s); return nil }
}

// resubmit starts the job again under a new id, as the operator does after
// the team's fix: the failed job stays listed.
func resubmit(jm *flinkfake.JobManager, name string) error {
	jm.AddJob(flinkfake.JobSpec{Name: name})
	return nil
}

// story is what the demo shows within about three minutes: each route,
// each once, with the message its audience gets, and each recovery
// resolving what was sent. Nothing in it may page anyone but for the
// platform's own failures.
var story = []beat{
	{10 * time.Second, "payments-fraud", "the team's Kafka principal loses its READ ACL: expect NOTIFY to #payments-alerts, no page",
		scenario(flinkfake.RestartLoop, flinkfake.UserConfig)},
	{15 * time.Second, "inventory-sync", "S3 refuses the platform's checkpoint bucket: expect PAGE (PagerDuty, copy in #flink-platform)",
		scenario(flinkfake.RestartLoop, flinkfake.CheckpointStorage)},
	{20 * time.Second, "shipment-tracker", "TaskManagers keep losing heartbeats: expect MONITOR, then one escalated PAGE when it repeats",
		scenario(flinkfake.RestartLoop, flinkfake.Transient)},
	{25 * time.Second, "fraud-scoring", "the team's code throws on a record until restarts run out: expect NOTIFY to #risk-alerts",
		scenario(flinkfake.Failed, flinkfake.UserCode)},
	{30 * time.Second, "ad-attribution", "the JobManager answers HTTP 500: expect MONITOR (no failure explains it)",
		transport(flinkfake.HTTP500)},
	{35 * time.Second, "recommendations", "the source stops reading while records wait, RUNNING and checkpointing: expect PAGE once (no_progress)",
		detail(flinkfake.Stuck)},
	{40 * time.Second, "search-indexer", "one operator cannot keep up and holds its input back: expect MONITOR naming the bottleneck vertex " + backpressureNeck,
		detail(flinkfake.Backpressure)},
	{60 * time.Second, "payments-fraud", "the team restores the ACL: the job recovers; expect a resolve in the thread",
		scenario(flinkfake.Healthy, flinkfake.UserConfig)},
	{65 * time.Second, "inventory-sync", "the platform fixes the bucket policy: expect the page to resolve",
		scenario(flinkfake.Healthy, flinkfake.CheckpointStorage)},
	{70 * time.Second, "ad-attribution", "the JobManager answers again",
		transport(flinkfake.Healthy)},
	{85 * time.Second, "fraud-scoring", "the team deploys a fix: the job is resubmitted",
		resubmit},
	{95 * time.Second, "shipment-tracker", "the TaskManagers are stable again",
		scenario(flinkfake.Healthy, flinkfake.Transient)},
	{120 * time.Second, "recommendations", "the platform restarts the wedged source: records flow again; expect the page to resolve",
		detail(flinkfake.Healthy)},
	{125 * time.Second, "search-indexer", "the team scales the slow operator up: expect a resolve in the thread",
		detail(flinkfake.Healthy)},
}

// storyEvery is how often the story starts again, once the fleet has had
// time to turn green.
const storyEvery = 5 * time.Minute

// tell plays the story on the demo's JobManagers until ctx ends, printing
// each beat; it starts again every storyEvery.
func tell(ctx context.Context, w io.Writer, asJSON bool, jms map[string]*flinkfake.JobManager, start time.Time) error {
	for round := 0; ; round++ {
		begin := start.Add(time.Duration(round) * storyEvery)
		for _, b := range story {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Until(begin.Add(b.at))):
			}
			jm := jms[b.deployment]
			if jm == nil {
				return fmt.Errorf("demo story: no deployment %s", b.deployment)
			}
			if err := b.do(jm, b.deployment); err != nil {
				return fmt.Errorf("demo story: %s: %w", b.deployment, err)
			}
			printBeat(w, asJSON, b)
		}
	}
}

// printBeat says what just happened: a line like the notifications', or a
// JSON object when stdout is JSON lines (--log.format=json).
func printBeat(w io.Writer, asJSON bool, b beat) {
	if !asJSON {
		fmt.Fprintf(w, "STORY   %s: %s\n", b.deployment, b.says)
		return
	}
	line, _ := json.Marshal(map[string]string{"time": time.Now().UTC().Format(time.RFC3339Nano), "story": b.says, "deployment": b.deployment})
	fmt.Fprintf(w, "%s\n", line)
}
