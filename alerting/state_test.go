package alerting

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// restart hands the state of old to a new engine started at start, as a
// restarted exporter (or a new leader) loads it.
func restart(t *testing.T, old *engine, start time.Time, lookback time.Duration) *engine {
	t.Helper()
	b, err := old.encodeState()
	require.NoError(t, err)
	doc, err := decodeState(b)
	require.NoError(t, err)
	cfg := testConfig()
	cfg.Alerting.Lookback = durationOf(lookback)
	e := newTestEngine(t, cfg, start)
	e.takeover(doc, start)
	return e
}

func TestRestartDoesNotRepageAnOpenIncident(t *testing.T) {
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	old := newTestEngine(t, testConfig(), t0)
	old.failure(f, t0)
	old.failure(failure("orders", "enrich", "platform_code_exception", fleet.Page, t0.Add(time.Minute)), t0.Add(time.Minute))
	old.take()
	old.open[keyOf(f)].threads["#flink-platform"] = "1700000000.000001"

	// The new process replays the exception history: with a lookback that
	// covers it, the failures are seen again but were already counted.
	start := t0.Add(10 * time.Minute)
	e := restart(t, old, start, time.Hour)
	require.Empty(t, brief(e.take()), "loading state sends nothing")
	e.failure(f, start)
	e.failure(failure("orders", "enrich", "platform_code_exception", fleet.Page, t0.Add(time.Minute)), start)
	require.Empty(t, e.take(), "replayed failures are not news")

	// A new failure counts into the open incident, and the recovery
	// resolves it in the thread the old process started.
	at := start.Add(time.Minute)
	e.failure(failure("orders", "enrich", "platform_code_exception", fleet.Page, at), at)
	require.Empty(t, brief(e.take()), "repeats wait for the tick")
	for m := 2; m <= 8; m++ {
		now := start.Add(time.Duration(m) * time.Minute)
		e.snapshot(snap(healthy("orders", "enrich")), now)
		e.tick(now)
	}
	got := e.take()
	require.Equal(t, []string{
		"repeat page orders/enrich/enrich/platform_code_exception count=1 window=12m",
		"resolve page orders/enrich/enrich/platform_code_exception",
	}, brief(got))
	res := got[len(got)-1]
	require.Equal(t, 3, res.Total)
	require.Equal(t, t0, res.Opened)
	require.Equal(t, map[string]string{"#flink-platform": "1700000000.000001"}, res.Threads)
}

func TestRestartRemembersResolvedIncidents(t *testing.T) {
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	old := newTestEngine(t, testConfig(), t0)
	old.snapshot(snap(healthy("orders", "enrich")), t0)
	old.failure(f, t0)
	old.tick(t0.Add(5 * time.Minute))
	require.Len(t, brief(old.take()), 2, "triggered and resolved")

	e := restart(t, old, t0.Add(10*time.Minute), time.Hour)
	e.failure(f, t0.Add(10*time.Minute))
	require.Empty(t, e.take(), "the lookback replays a failure whose incident is resolved")
}

func TestFailoverNeitherRepeatsNorDrops(t *testing.T) {
	leader := newTestEngine(t, testConfig(), t0)
	follower := newTestEngine(t, testConfig(), t0)
	follower.leader = false
	feed := func(f fleet.Failure, now time.Time, both bool) {
		leader.failure(f, now)
		if both {
			follower.failure(f, now)
		}
	}
	sent := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	feed(sent, t0, true)
	require.Len(t, brief(leader.take()), 1)
	require.Len(t, brief(follower.take()), 1, "the follower keeps state current…")
	b, err := leader.encodeState()
	require.NoError(t, err)

	// The leader dies after saving; the follower saw a failure the leader
	// never sent, and had not yet seen the recovery the leader resolved.
	missed := failure("checkout", "cart", "sql_validation_error", fleet.Notify, t0.Add(time.Minute))
	follower.failure(missed, t0.Add(time.Minute))
	follower.take()

	doc, err := decodeState(b)
	require.NoError(t, err)
	follower.leader = true
	follower.takeover(doc, t0.Add(2*time.Minute))
	got := follower.take()
	require.Equal(t, []string{"trigger notify checkout/cart/cart/sql_validation_error"}, brief(got),
		"…sends what the old leader never did, and does not repeat what it did")
	require.True(t, follower.open[keyOf(sent)].notified)
}

func TestFailoverAfterTheLeaderResolved(t *testing.T) {
	leader := newTestEngine(t, testConfig(), t0)
	follower := newTestEngine(t, testConfig(), t0)
	follower.leader = false
	f := failure("orders", "enrich", "platform_code_exception", fleet.Page, t0)
	for _, e := range []*engine{leader, follower} {
		e.snapshot(snap(healthy("orders", "enrich")), t0)
		e.failure(f, t0)
	}
	leader.snapshot(snap(healthy("orders", "enrich")), t0.Add(5*time.Minute))
	leader.tick(t0.Add(5 * time.Minute))
	require.Contains(t, brief(leader.take()), "resolve page orders/enrich/enrich/platform_code_exception")
	b, err := leader.encodeState()
	require.NoError(t, err)

	// The follower has not resolved it yet when it takes over.
	doc, err := decodeState(b)
	require.NoError(t, err)
	follower.take()
	follower.leader = true
	follower.takeover(doc, t0.Add(5*time.Minute))
	follower.tick(t0.Add(6 * time.Minute))
	require.Empty(t, brief(follower.take()), "neither a new trigger nor a second resolve")
}

func TestStateRoundTrip(t *testing.T) {
	e := newTestEngine(t, testConfig(), t0)
	e.failure(failure("orders", "enrich", "checkpoint_expired", fleet.Monitor, t0), t0)
	f := failure("orders", "enrich", "checkpoint_expired", fleet.Page, t0.Add(time.Minute))
	e.failure(f, t0.Add(time.Minute))
	b, err := e.encodeState()
	require.NoError(t, err)
	doc, err := decodeState(b)
	require.NoError(t, err)
	require.Len(t, doc.Incidents, 1)
	r := doc.Incidents[0]
	require.Equal(t, incident.Key{JobRef: fleet.JobRef{Namespace: "orders", Deployment: "enrich", Job: "enrich"}, Category: "checkpoint_expired"}, r.Key)
	require.Equal(t, fleet.Page, r.Route)
	require.Equal(t, []fleet.Route{fleet.Monitor}, r.PastRoutes)
	require.Equal(t, 2, r.Total)
	require.Equal(t, "checkpoint_expired happened", r.Detail.Reason)
	require.Empty(t, r.Detail.Excerpt, "excerpts stay out of the state")
	require.NotContains(t, string(b), "boom")
}

func TestDecodeStateRefusesOtherVersions(t *testing.T) {
	_, err := decodeState([]byte(`{"version":3,"incidents":[]}`))
	require.ErrorContains(t, err, "version 3")
	doc, err := decodeState(nil)
	require.NoError(t, err)
	require.Empty(t, doc.Incidents)
}

func TestFileStore(t *testing.T) {
	ctx := context.Background()
	s := FileStore{Path: filepath.Join(t.TempDir(), "alerting.json")}
	b, err := s.Load(ctx)
	require.NoError(t, err)
	require.Nil(t, b, "no file yet is no state")
	require.NoError(t, s.Save(ctx, []byte(`{"version":1}`)))
	b, err = s.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, `{"version":1}`, string(b))
	entries, err := os.ReadDir(filepath.Dir(s.Path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary files left behind")
}

func FuzzDecodeState(f *testing.F) {
	e := newEngine(engineConfig{tombstoneTTL: time.Hour}, newRoutes(ConfigFrom(testConfig()), allSinks))
	e.leader = true
	e.failure(failure("orders", "enrich", "checkpoint_expired", fleet.Monitor, t0), t0)
	valid, _ := e.encodeState()
	f.Add(valid)
	for _, name := range []string{"testdata/state-v1.json", "testdata/state-v2.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"version":1,"incidents":[{"key":{"deployment":"d","category":"c"},"resolved":"2025-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"version":2,"incidents":null,"outbox":[{"id":1,"key":{"deployment":"d","category":"c"},"action":"resolve","route":"page","sinks":["pagerduty"]}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := decodeState(b)
		if err != nil {
			return
		}
		// Whatever decodes can be taken over, its outbox queued, without
		// panicking, and what a new leader then saves decodes again.
		r, err := New(Options{Config: ConfigFrom(testConfig()), Sinks: map[string]Sink{SinkPagerDuty: nopSink{}, SinkSlack: nopSink{}}, Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.eng.leader = true
		index := r.eng.takeover(doc, t0)
		r.assumeReached(index, t0)
		r.restore(doc, index)
		r.eng.tick(t0)
		b, _, err = encodeState(r.eng, nil, r.seq, 0)
		if err != nil {
			t.Fatalf("encode after takeover: %v", err)
		}
		if _, err := decodeState(b); err != nil {
			t.Fatalf("state written after takeover does not decode: %v\n%s", err, b)
		}
		if out := r.encodeLocked(); out == nil {
			t.Fatal("the state with its outbox does not encode")
		} else if _, err := decodeState(out); err != nil {
			t.Fatalf("state with its outbox does not decode: %v\n%s", err, out)
		}
	})
}
