package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

// checker compares one exposition with the fleet's truth at one round.
type checker struct {
	f            kafkafake.LagFleet
	round        int
	timeLag      string
	perPartition bool

	at                                 float64 // the poll's time, from the exposition
	partRec, partCom, partEnd, partSec []float64
	topicRec, topicSec                 []float64
	measured                           []float64
	lines                              int
	errs                               []string
}

func newChecker(f kafkafake.LagFleet, round int, timeLag string, perPartition bool) *checker {
	n := f.Groups * int(f.Partitions)
	nan := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = math.NaN()
		}
		return s
	}
	c := &checker{f: f, round: round, timeLag: timeLag, perPartition: perPartition, topicRec: nan(f.Groups), topicSec: nan(f.Groups), measured: nan(f.Groups)}
	if perPartition {
		c.partRec, c.partCom, c.partEnd, c.partSec = nan(n), nan(n), nan(n), nan(n)
	}
	return c
}

func (c *checker) fail(format string, args ...any) {
	if len(c.errs) < 20 {
		c.errs = append(c.errs, fmt.Sprintf(format, args...))
	}
	if len(c.errs) == 20 {
		c.errs = append(c.errs, "…")
	}
}

// read parses the exposition line by line.
func (c *checker) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		c.lines++
		c.line(l)
	}
	return sc.Err()
}

func (c *checker) line(l string) {
	name, rest, ok := strings.Cut(l, "{")
	if !ok {
		return
	}
	labels, val, _ := strings.Cut(rest, "} ")
	v, err := strconv.ParseFloat(val, 64)
	if err != nil {
		c.fail("bad value: %s", l)
		return
	}
	if name == "flinkslo_kafka_last_scrape_success_timestamp_seconds" {
		c.at = v
		return
	}
	g := groupIndex(labels)
	if !strings.HasPrefix(name, "flinkslo_consumergroup_") {
		return
	}
	if g < 0 || g >= c.f.Groups {
		c.fail("series of an unknown group: %s", l)
		return
	}
	slot := func(s []float64, i int) {
		if !math.IsNaN(s[i]) {
			c.fail("duplicate series: %s", l)
		}
		s[i] = v
	}
	switch name {
	case "flinkslo_consumergroup_lag_records":
		slot(c.topicRec, g)
	case "flinkslo_consumergroup_lag_seconds":
		slot(c.topicSec, g)
	case "flinkslo_consumergroup_partitions":
		if strings.Contains(labels, `state="measured"`) {
			slot(c.measured, g)
		} else if v != 0 {
			c.fail("partitions not measured: %s", l)
		}
	case "flinkslo_consumergroup_partition_lag_records", "flinkslo_consumergroup_partition_committed_offset",
		"flinkslo_consumergroup_partition_end_offset", "flinkslo_consumergroup_partition_lag_seconds":
		p := labelInt(labels, `partition="`)
		if p < 0 || p >= int(c.f.Partitions) || !c.perPartition {
			c.fail("unexpected partition series: %s", l)
			return
		}
		i := g*int(c.f.Partitions) + p
		switch name {
		case "flinkslo_consumergroup_partition_lag_records":
			slot(c.partRec, i)
		case "flinkslo_consumergroup_partition_committed_offset":
			slot(c.partCom, i)
		case "flinkslo_consumergroup_partition_end_offset":
			slot(c.partEnd, i)
		default:
			slot(c.partSec, i)
		}
	}
}

func groupIndex(labels string) int { return labelInt(labels, `group="bench-`) }

func labelInt(labels, key string) int {
	_, after, ok := strings.Cut(labels, key)
	if !ok {
		return -1
	}
	v, _, _ := strings.Cut(after, `"`)
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// timeTally counts how the time-lag series compare with the truth.
type timeTally struct {
	exact, absent, lowerBound, off int
}

// tolerance: record timestamps are milliseconds and the poll time is
// printed to about a microsecond.
const tolerance = 0.002

// finish checks every series against the truth and returns the time-lag
// tally over partitions (or topics without per-partition series).
func (c *checker) finish() timeTally {
	var tt timeTally
	if c.at == 0 {
		c.fail("no flinkslo_kafka_last_scrape_success_timestamp_seconds")
	}
	for g := range c.f.Groups {
		var sum int64
		lagging := false
		for p := range c.f.Partitions {
			lag := c.f.Lag(g, p)
			sum += lag
			lagging = lagging || lag > 0
			if !c.perPartition {
				continue
			}
			i := g*int(c.f.Partitions) + int(p)
			c.exact("partition_lag_records", g, p, c.partRec[i], float64(lag))
			c.exact("partition_committed_offset", g, p, c.partCom[i], float64(c.f.Committed(g, p, c.round)))
			c.exact("partition_end_offset", g, p, c.partEnd[i], float64(c.f.End(g, p, c.round)))
			c.seconds(&tt, g, p, c.partSec[i], lag > 0)
		}
		c.exact("lag_records", g, -1, c.topicRec[g], float64(sum))
		c.exact("partitions{measured}", g, -1, c.measured[g], float64(c.f.Partitions))
		var topic timeTally
		c.seconds(&topic, g, -1, c.topicSec[g], lagging)
		if !c.perPartition {
			tt.exact, tt.absent, tt.lowerBound, tt.off = tt.exact+topic.exact, tt.absent+topic.absent, tt.lowerBound+topic.lowerBound, tt.off+topic.off
		}
	}
	return tt
}

func (c *checker) exact(what string, g int, p int32, got, want float64) {
	switch {
	case math.IsNaN(got):
		c.fail("group %d partition %d: %s missing, want %v", g, p, what, want)
	case got != want:
		c.fail("group %d partition %d: %s = %v, want %v", g, p, what, got, want)
	}
}

// seconds checks one time-lag series. Caught-up is exactly 0 in every
// mode. Behind: record must be exact; interpolate may be absent or a lower
// bound; auto may be absent (not read yet) or below the truth (placed
// within a bracket, whose bound checkView checks). No mode may show more
// than the truth: every record of a group's topic carries the same stamp,
// older than any poll, so a record read is exact and a bracket's left end
// (a poll, or a record read) is never before the stamp.
func (c *checker) seconds(tt *timeTally, g int, p int32, got float64, lagging bool) {
	truth := 0.0
	if lagging {
		truth = c.at - float64(c.f.Stamp(g).UnixMilli())/1e3
	}
	switch {
	case math.IsNaN(got):
		tt.absent++
		if !lagging || c.timeLag == "record" {
			c.fail("group %d partition %d: lag_seconds missing, want %v", g, p, truth)
		}
	case math.Abs(got-truth) <= tolerance:
		tt.exact++
	case got < truth && c.timeLag != "record":
		tt.lowerBound++
	default:
		tt.off++
		c.fail("group %d partition %d: lag_seconds = %v, truth %v", g, p, got, truth)
	}
}

// viewTally counts how the view's time lags compare with the truth,
// within the error bound each states.
type viewTally struct {
	exact, bounded, lowerBound, unknown, outside int
	maxErr                                       float64
}

// checkView reads the /view dump and checks every known time lag against
// the truth: within its stated error bound, or, if capped, no more than
// the truth.
func (c *checker) checkView(r io.Reader) (viewTally, error) {
	var vt viewTally
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 7 {
			continue
		}
		g, _ := strconv.Atoi(strings.TrimPrefix(f[0], "bench-"))
		p, _ := strconv.Atoi(f[2])
		secs, _ := strconv.ParseFloat(f[3], 64)
		errBound, _ := strconv.ParseFloat(f[4], 64)
		known, capped := f[5] == "true", f[6] == "true"
		truth := 0.0
		if c.f.Lag(g, int32(p)) > 0 {
			truth = c.at - float64(c.f.Stamp(g).UnixMilli())/1e3
		}
		switch {
		case !known:
			vt.unknown++
		case capped && secs <= truth+tolerance:
			vt.lowerBound++
		case math.Abs(secs-truth) <= tolerance:
			vt.exact++
			vt.maxErr = max(vt.maxErr, errBound)
		case !capped && math.Abs(secs-truth) <= errBound+tolerance:
			vt.bounded++
			vt.maxErr = max(vt.maxErr, errBound)
		default:
			vt.outside++
			c.fail("group %d partition %d: view time lag %v ±%v (capped %v), truth %v", g, p, secs, errBound, capped, truth)
		}
	}
	return vt, sc.Err()
}
