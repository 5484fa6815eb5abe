package flink

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Number is a metric value as Flink sends it: a string ("3", "985.0",
// "NaN") from the metric store, a JSON number from the aggregating
// handlers, "NaN" or "Infinity" as strings where Jackson met a non-finite
// double, or nothing. Valid reports a finite number was read; anything
// else leaves it false rather than failing the whole response.
type Number struct {
	Value float64
	Valid bool
}

// UnmarshalJSON never fails: a value of any other shape is not Valid.
func (n *Number) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(b) >= 2 && b[0] == '"' {
		if bytes.IndexByte(b, '\\') >= 0 {
			if json.Unmarshal(b, &s) != nil {
				*n = Number{}
				return nil
			}
		} else {
			s = string(b[1 : len(b)-1])
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	*n = Number{Value: v, Valid: err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)}
	if !n.Valid {
		n.Value = 0
	}
	return nil
}
