package flinkfake

import (
	"math"
	"strconv"
	"strings"
)

// The metric store endpoints: what a subtask or a TaskManager registered,
// as Flink's MetricStore keeps it (every value a string from a Java long or
// double), listed, read or aggregated the way the REST handlers do.

// mval is one stored metric value.
type mval struct {
	v      float64
	double bool // a Java double (written "985.0"), else a long ("985")
}

func longVal(v int64) mval     { return mval{v: float64(v)} }
func doubleVal(v float64) mval { return mval{v: v, double: true} }

// append writes the value as String.valueOf does.
func (m mval) append(b []byte) []byte {
	switch {
	case !m.double:
		return strconv.AppendInt(b, int64(m.v), 10)
	case math.IsNaN(m.v):
		return append(b, "NaN"...)
	case math.IsInf(m.v, 1):
		return append(b, "Infinity"...)
	case math.IsInf(m.v, -1):
		return append(b, "-Infinity"...)
	}
	return appendJavaDouble(b, m.v)
}

// store is the metrics of one component set (a vertex's subtasks, the
// TaskManagers): n members, the ids each registers, and each value.
type store interface {
	members() int
	ids(out []string) []string
	value(member int, id string) (mval, bool)
}

// aggregation is a set of Flink's AggregationModes.
type aggregation uint8

const (
	aggMin aggregation = 1 << iota
	aggMax
	aggAvg
	aggSum
	aggSkew
)

// parseAgg reads the agg query parameter: a comma-separated list of
// min, max, sum, avg (case-insensitive) and, from 1.20, skew. Empty asks
// for every mode. ok false is Flink's 400.
func parseAgg(v Version, s string) (aggregation, bool) {
	if s == "" {
		all := aggMin | aggMax | aggAvg | aggSum
		if v.hasSkew() {
			all |= aggSkew
		}
		return all, true
	}
	var a aggregation
	for m := range strings.SplitSeq(s, ",") {
		switch strings.ToLower(strings.TrimSpace(m)) {
		case "min":
			a |= aggMin
		case "max":
			a |= aggMax
		case "avg":
			a |= aggAvg
		case "sum":
			a |= aggSum
		case "skew":
			if !v.hasSkew() {
				return 0, false
			}
			a |= aggSkew
		default:
			return 0, false
		}
	}
	return a, true
}

// renderIDs writes the listing of a store: [{"id":…}], every id once.
func renderIDs(w *jw, st store) {
	w.openArr()
	if st != nil && st.members() > 0 {
		for _, id := range st.ids(nil) {
			w.open().kStr("id", id)
			w.close()
		}
	}
	w.closeArr()
}

// renderValues writes member's values of the asked-for metrics it has,
// [{"id":…,"value":"…"}], in the order asked.
func renderValues(w *jw, st store, member int, get string) {
	w.openArr()
	if st != nil {
		for id := range strings.SplitSeq(get, ",") {
			if m, ok := st.value(member, id); ok {
				w.open().kStr("id", id)
				w.key("value").strBytes(m.append(w.scratch[:0]))
				w.close()
			}
		}
	}
	w.closeArr()
}

// renderAggregated writes the asked-for metrics aggregated over the
// selected members (all when selected is nil), as
// AbstractAggregatingMetricsHandler does: in the order asked, only the
// modes asked for, and — Flink's quirk — nothing at all as soon as one
// asked-for metric has no value on any member.
func renderAggregated(w *jw, st store, selected []int, get string, a aggregation) {
	start := len(w.b)
	w.openArr()
	if st == nil {
		w.closeArr()
		return
	}
	if selected == nil {
		for m := range st.members() {
			selected = append(selected, m)
		}
	}
	var vals []float64
	for id := range strings.SplitSeq(get, ",") {
		vals = vals[:0]
		for _, m := range selected {
			if v, ok := st.value(m, id); ok {
				vals = append(vals, v.v)
			}
		}
		if len(vals) == 0 {
			w.b = append(w.b[:start], "[]"...)
			return
		}
		writeAggregated(w, id, vals, a)
	}
	w.closeArr()
}

// writeAggregated writes one AggregatedMetric: id, then min, max, avg,
// sum and skew as Jackson writes the Java doubles.
func writeAggregated(w *jw, id string, vals []float64, a aggregation) {
	lo, hi, sum := vals[0], vals[0], 0.0
	for _, v := range vals {
		lo, hi, sum = math.Min(lo, v), math.Max(hi, v), sum+v
	}
	avg := sum / float64(len(vals))
	w.open().kStr("id", id)
	if a&aggMin != 0 {
		w.key("min").double(lo)
	}
	if a&aggMax != 0 {
		w.key("max").double(hi)
	}
	if a&aggAvg != 0 {
		w.key("avg").double(avg)
	}
	if a&aggSum != 0 {
		w.key("sum").double(sum)
	}
	if a&aggSkew != 0 {
		w.key("skew").double(skew(vals, avg))
	}
	w.close()
}

// skew is DoubleDataSkew: the mean absolute deviation as a percentage of
// the mean, at most 100, 0 for a mean of 0.
func skew(vals []float64, avg float64) float64 {
	if avg == 0 {
		return 0
	}
	dev := 0.0
	for _, v := range vals {
		dev += math.Abs(avg - v)
	}
	return min(dev/float64(len(vals))/avg*100, 100)
}

// parseRanges reads the subtasks query parameter ("0-2,4"); Flink skips
// what does not parse, and so does the fake, along with indexes beyond n.
func parseRanges(s string, n int) []int {
	var out []int
	for r := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(r), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := max(a, 0); i <= b && i < n; i++ {
			out = append(out, i)
		}
	}
	if out == nil {
		out = []int{}
	}
	return out
}
