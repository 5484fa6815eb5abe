package health

// Counter turns one of Flink's resetting gauges (numRestarts, the
// checkpoint counts) into a true counter. Flink's values restart from zero
// with every new JobMaster (failover, redeploy) and every resubmission; the
// counter notices a new incarnation — a new job id or start time, or a value
// that went down — and carries the old total forward, as the operator's
// health check re-baselines ("observed < last ⇒ reset").
type Counter struct {
	// Base is the total of earlier incarnations; Last the last raw value.
	Base float64 `json:"base"`
	Last float64 `json:"last"`
	// Inc identifies the incarnation the raw value belongs to.
	Inc string `json:"inc"`
	Set bool   `json:"set"`
}

// Observe records raw, read from incarnation inc, and returns the total.
func (c *Counter) Observe(raw float64, inc string) float64 {
	switch {
	case !c.Set:
		*c = Counter{Last: raw, Inc: inc, Set: true}
	case inc != c.Inc || raw < c.Last:
		// Everything the old incarnation counted up to its last scrape is
		// kept; increments after that scrape are lost, never doubled.
		c.Base += c.Last
		c.Last, c.Inc = raw, inc
	default:
		c.Last = raw
	}
	return c.Base + c.Last
}

// Value is the current total.
func (c *Counter) Value() float64 { return c.Base + c.Last }
