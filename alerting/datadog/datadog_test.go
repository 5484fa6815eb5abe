package datadog

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/stretchr/testify/require"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

var _ EventSender = (*statsd.Client)(nil)

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func occurrence() incident.Notification {
	return incident.Notification{
		Key:    incident.Key{JobRef: fleet.JobRef{Namespace: "orders", Deployment: "orders-enrichment", Job: "orders-enrichment"}, Category: "checkpoint_expired"},
		Action: incident.Occurrence, Route: fleet.Monitor, Team: "orders",
		FailureTime: t0, At: t0, Count: 1, Total: 1,
		Decision: fleet.Decision{Reason: "checkpoint 42 expired before completing", Hint: "nothing yet: Flink retries", Rule: "checkpoint-expired"},
	}
}

// listen starts a DogStatsD stand-in: a UDP socket the real client writes to.
func listen(t *testing.T) (*net.UDPConn, *statsd.Client) {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	c, err := statsd.New(conn.LocalAddr().String(), statsd.WithoutTelemetry(), statsd.WithoutOriginDetection())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return conn, c
}

func read(t *testing.T, conn *net.UDPConn) string {
	t.Helper()
	buf := make([]byte, 65536)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, _, err := conn.ReadFromUDP(buf)
	require.NoError(t, err)
	return strings.TrimSuffix(string(buf[:n]), "\n")
}

func TestEventOnTheWire(t *testing.T) {
	conn, c := listen(t)
	sink := New(c)
	_, err := sink.Send(context.Background(), occurrence())
	require.NoError(t, err)
	require.NoError(t, c.Flush())

	title := "MONITOR: orders/orders-enrichment checkpoint_expired"
	text := `job failed\nWhy: checkpoint 42 expired before completing\nWhat to do: nothing yet: Flink retries\nRule: checkpoint-expired`
	want := "_e{" + itoa(len(title)) + "," + itoa(len(text)) + "}:" + title + "|" + text +
		"|d:" + itoa(int(t0.Unix())) + "|k:orders/orders-enrichment/orders-enrichment/checkpoint_expired|p:low|s:flinkslo|t:warning" +
		"|#route:monitor,category:checkpoint_expired,deployment:orders-enrichment,namespace:orders,team:orders,job_name:orders-enrichment,event:occurrence"
	require.Equal(t, want, read(t, conn))
}

func TestAlertTypeAndPriority(t *testing.T) {
	cases := []struct {
		name     string
		route    fleet.Route
		action   incident.Action
		alert    statsd.EventAlertType
		priority statsd.EventPriority
	}{
		{"page", fleet.Page, incident.Occurrence, statsd.Error, statsd.Normal},
		{"monitor", fleet.Monitor, incident.Occurrence, statsd.Warning, statsd.Low},
		{"notify", fleet.Notify, incident.Occurrence, statsd.Info, statsd.Low},
		{"resolve", fleet.Page, incident.Resolve, statsd.Success, statsd.Normal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := occurrence()
			n.Route, n.Action = tc.route, tc.action
			e := Event(n)
			require.Equal(t, tc.alert, e.AlertType)
			require.Equal(t, tc.priority, e.Priority)
		})
	}
}

func TestTagsCannotBreakTheWireFormat(t *testing.T) {
	n := occurrence()
	n.Key.Job = "join users, orders | v2"
	n.Team = ""
	require.Equal(t, []string{
		"route:monitor", "category:checkpoint_expired", "deployment:orders-enrichment",
		"namespace:orders", "job_name:join_users__orders___v2", "event:occurrence",
	}, Tags(n))
}

func TestAccepts(t *testing.T) {
	var got []incident.Action
	for _, a := range incident.Actions {
		if New(nil).Accepts(a) {
			got = append(got, a)
		}
	}
	require.Equal(t, []incident.Action{incident.Resolve, incident.Occurrence}, got)
}

func itoa(i int) string { return strconv.Itoa(i) }
